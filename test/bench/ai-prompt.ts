/**
 * What the AI SQL prompt holds for a few questions over the bundled Chinook demo: the gateway starts embedded (its
 * demo connection), a loopback stand-in for the chat endpoint records each prompt, and the tables given to the model
 * are printed as Markdown for docs/ai-sql.md. No network, no model: this shows the context, not the SQL.
 *
 *   npm run bench:ai-prompt
 */
import { aiStandIn } from "../support/ai-stand-in";
import { startGateway } from "../support/gateway";

const QUESTIONS: [string, string][] = [
  ["Which artists have the most albums?", "artist, album"],
  ["Total sales per country last year", "invoice (billing_country), invoice_line"],
  ["Which employee supports the most customers?", "employee, customer (support_rep_id)"],
  ["Longest tracks in the Jazz genre", "track (milliseconds), genre"],
  ["Playlists that contain tracks by Iron Maiden", "playlist, playlist_track, track, album, artist"],
];

async function main(): Promise<void> {
  const ai = await aiStandIn({ sql: "SELECT 1" });
  const gw = await startGateway("pglite", { DEMO: "true", AI_URL: ai.url });
  try {
    // The demo connection belongs to the default account: ask as its admin, found through the store.
    const [owner] = await gw.gateway.core.store.dataSource.query("SELECT account_id FROM connections WHERE deleted IS NULL ORDER BY created LIMIT 1");
    const admin = (await gw.gateway.core.auth.createToken(owner.account_id, "admin")).token;
    const [connection] = (await gw.http("GET", "/v2/connection", { token: admin })).body.data as { id: string; embedding_status: { state: string } }[];
    const deadline = Date.now() + 120_000;
    while ((await gw.http("GET", `/v2/connection/${connection.id}`, { token: admin })).body.data.embedding_status.state !== "READY") {
      if (Date.now() > deadline) throw new Error("the demo connection's embeddings never became READY");
      await new Promise((r) => setTimeout(r, 250));
    }
    console.log("| question | tables a person would use | tables in the prompt (closest first) | all there |\n|---|---|---|---|");
    for (const [question, expected] of QUESTIONS) {
      const res = await gw.http("POST", `/v2/ai/sql/${connection.id}`, { token: admin, body: { text: question } });
      const tables = (res.body.data.tables as string[]).map((t) => t.replace(/^public\./, ""));
      const wanted = expected.split(", ").map((t) => t.replace(/ \(.*\)$/, ""));
      const all = wanted.every((w) => tables.includes(w));
      console.log(`| ${question} | ${expected} | ${tables.join(", ")} | ${all ? "yes" : `no (missing ${wanted.filter((w) => !tables.includes(w)).join(", ")})`} |`);
    }
    const user = ai.seen.at(-1)!.body.messages.find((m) => m.role === "user")!.content;
    console.log("\nThe last prompt's user message, first lines:\n\n```text\n" + user.split("\n").slice(0, 14).join("\n") + "\n…\n```");
  } finally {
    await gw.stop();
    await ai.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
