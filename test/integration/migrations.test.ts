import { randomUUID } from "node:crypto";
import { DataSource } from "typeorm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MIGRATIONS } from "../../src/datasources/store/metadata-store";
import { createScratchDatabase } from "../support/databases";
import { describeWith } from "../support/services";

/** A store made by an earlier release, with rows in it, upgraded in place: nothing lost, new columns filled. */
describeWith("postgres", "migrations over existing rows", (pgBase) => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  const open = async (migrations: (typeof MIGRATIONS)[number][]) => {
    const ds = new DataSource({ type: "postgres", url: scratch.url, migrations, logging: false });
    await ds.initialize();
    return ds;
  };
  const accounts = [randomUUID(), randomUUID()];

  beforeAll(async () => {
    scratch = await createScratchDatabase(pgBase);
    const before = await open(MIGRATIONS.slice(0, 2));
    await before.runMigrations({ transaction: "each" });
    for (const [i, account] of accounts.entries()) {
      await before.query("INSERT INTO accounts (id, name, created) VALUES ($1, $2, now() + make_interval(secs => $3))", [account, `acct ${i}`, i]);
      for (const label of ["one", "two"]) {
        await before.query(
          `INSERT INTO connections (id, account_id, label, connection_config_id, config, created, updated)
           VALUES ($1, $2, $3, 'pg', $4, now(), now())`,
          [randomUUID(), account, label, JSON.stringify({ host: "h", ssl: label === "one" })],
        );
      }
    }
    await before.destroy();
  }, 60_000);
  afterAll(async () => {
    await scratch?.drop();
  });

  it("numbers the accounts and gives each connection its account's number and no auth ids", async () => {
    const ds = await open(MIGRATIONS);
    try {
      expect((await ds.runMigrations({ transaction: "each" })).map((m) => m.name)).toEqual([
        "LyticsFields1764200000000",
        "ConnectionHealth1764300000000",
        "SslModes1764400000000",
        "TokenExpiry1764500000000",
        "SearchTableComments1764600000000",
      ]);
      // ssl: true and false became the modes they meant.
      expect((await ds.query("SELECT label, config->>'ssl' AS ssl FROM connections ORDER BY label")).map((r: { label: string; ssl: string }) => `${r.label}:${r.ssl}`)).toEqual([
        "one:verify-full",
        "one:verify-full",
        "two:disable",
        "two:disable",
      ]);
      // Every existing connection starts with no verdict.
      expect(await ds.query("SELECT DISTINCT health_state, last_used_at FROM connections")).toEqual([{ health_state: "UNKNOWN", last_used_at: null }]);
      const rows: { account_id: string; aid: number; account_aid: number; auth_ids: string[]; label: string }[] = await ds.query(
        `SELECT c.account_id, c.aid, a.aid AS account_aid, c.auth_ids, c.label FROM connections c JOIN accounts a ON a.id = c.account_id ORDER BY a.aid, c.label`,
      );
      expect(rows.map((r) => [r.account_id, r.label])).toEqual([
        [accounts[0], "one"],
        [accounts[0], "two"],
        [accounts[1], "one"],
        [accounts[1], "two"],
      ]);
      for (const r of rows) expect(r).toMatchObject({ aid: r.account_aid, auth_ids: [] });
      expect(new Set(rows.map((r) => r.aid)).size).toBe(2);
      // A new account gets the next number, not one already taken.
      const [added] = await ds.query("INSERT INTO accounts (id, name, created) VALUES ($1, 'later', now()) RETURNING aid", [randomUUID()]);
      expect(added.aid).toBeGreaterThan(Math.max(...rows.map((r) => r.aid)));
      // And all can be taken back.
      for (let i = 0; i < 5; i++) await ds.undoLastMigration({ transaction: "each" });
      expect((await ds.query("SELECT count(*)::int AS n FROM connections"))[0].n).toBe(4);
    } finally {
      await ds.destroy();
    }
  });
});
