import "reflect-metadata";
import { Client } from "pg";
import { loadConfig } from "../../src/config";
import { createCore } from "../../src/main";
import { createScratchDatabase, randomKeyRing } from "./databases";
import { sourceConfig } from "./datasets";

export interface EmbedScaleResult {
  tables: number;
  first: { written: number; ms: number; rssMb: number };
  second: { written: number; ms: number; rssMb: number };
  rssBeforeMb: number;
  /** searchSchema through the service: the first question (reads the rows, builds the index), then p50 of 50 more. */
  search: { firstMs: number; p50Ms: number };
  /** The model name the rows were stored under. */
  model: string;
}

const mb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function waitReady(core: Awaited<ReturnType<typeof createCore>>, id: string): Promise<void> {
  for (;;) {
    const [row] = await core.store.dataSource.query("SELECT embedding_state AS s, embedding_error AS e FROM connections WHERE id = $1", [id]);
    if (row.s === "READY") return;
    if (row.s === "FAILED") throw new Error(`embedding failed: ${row.e}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A source with `tables` tables embedded by the real job handler (in-process runner, metadata on PostgreSQL),
 * then a refresh that should re-embed nothing. Shared by the scale test and the scale benchmark.
 */
export async function runEmbedScale(pgBase: string, tables: number): Promise<EmbedScaleResult> {
  const source = await createScratchDatabase(pgBase);
  const store = await createScratchDatabase(pgBase);
  try {
    const db = new Client({ connectionString: source.url });
    await db.connect();
    // In batches: one transaction creating thousands of tables runs out of lock slots.
    for (let from = 1; from <= tables; from += 500) {
      await db.query(`DO $$ BEGIN FOR i IN ${from}..${Math.min(tables, from + 499)} LOOP
        EXECUTE format('CREATE TABLE %I (id bigint, customer_name text, order_total numeric, shipped_at timestamptz, note text)', 'sales_' || i % 97 || '_table_' || i);
        END LOOP; END $$`);
    }
    await db.end();
    const core = await createCore(loadConfig({ DATABASE_URL: store.url, ENCRYPTION_KEYS: randomKeyRing(), ALLOWED_HOSTS: "127.0.0.1/32", LOG_LEVEL: "warn", DEMO: "false" }), {
      redis: false,
    });
    try {
      const rssBeforeMb = mb();
      const account = await core.accounts.create("scale");
      const principal = { tokenId: "00000000-0000-4000-8000-000000000001", accountId: account.id, role: "admin" as const };
      let started = Date.now();
      const connection = await core.connections.create(principal, {
        label: `${tables} tables`,
        connectionConfigSlug: "postgres",
        config: sourceConfig(source.url),
      });
      await waitReady(core, connection.id);
      const firstMs = Date.now() - started;
      const rssFirst = mb();
      const [{ n, stamp, model }] = await core.store.dataSource.query(
        "SELECT count(*)::int AS n, max(updated) AS stamp, max(model) AS model FROM schema_embeddings WHERE connection_id = $1",
        [connection.id],
      );
      const questions = ["customer names of each sale", "order totals", "when was it shipped", "notes on sales tables", "sales 42"];
      const timed = async (text: string) => {
        const t = process.hrtime.bigint();
        const matches = await core.embeddings.search(principal, connection.id, text, 5);
        if (matches.length !== 5) throw new Error(`search answered ${matches.length} matches, not 5`);
        return Number(process.hrtime.bigint() - t) / 1e6;
      };
      const firstSearchMs = await timed(questions[0]);
      const times: number[] = [];
      for (let i = 0; i < 50; i++) times.push(await timed(questions[i % questions.length]));
      times.sort((a, b) => a - b);
      started = Date.now();
      await core.embeddings.refresh(principal, connection.id);
      await waitReady(core, connection.id);
      const secondMs = Date.now() - started;
      const [{ rewritten }] = await core.store.dataSource.query("SELECT count(*)::int AS rewritten FROM schema_embeddings WHERE connection_id = $1 AND updated > $2", [
        connection.id,
        stamp,
      ]);
      return {
        tables,
        rssBeforeMb,
        first: { written: n, ms: firstMs, rssMb: rssFirst },
        second: { written: rewritten, ms: secondMs, rssMb: mb() },
        search: { firstMs: firstSearchMs, p50Ms: times[24] },
        model,
      };
    } finally {
      await core.close();
    }
  } finally {
    await store.drop();
    await source.drop();
  }
}
