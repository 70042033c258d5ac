/**
 * Schema embeddings at scale: 5,000 tables embedded by the real job handler, then a refresh that must re-embed
 * nothing. Prints each run's time and the process's peak RSS. Needs DATABASE_URL. Run: npm run bench:embed
 */
import { runEmbedScale } from "../support/embed-scale";

async function main(): Promise<void> {
  const pgBase = process.env.DATABASE_URL;
  if (!pgBase) throw new Error("bench:embed needs DATABASE_URL");
  const r = await runEmbedScale(pgBase, Number(process.env.BENCH_TABLES ?? 5_000));
  console.log(`\n| run | tables | vectors written | time | peak RSS |`);
  console.log(`|---|---:|---:|---:|---:|`);
  console.log(`| first (embeds everything) | ${r.tables} | ${r.first.written} | ${(r.first.ms / 1000).toFixed(1)} s | ${r.first.rssMb} MB (before: ${r.rssBeforeMb} MB) |`);
  console.log(`| second (refresh, nothing changed) | ${r.tables} | ${r.second.written} | ${(r.second.ms / 1000).toFixed(1)} s | ${r.second.rssMb} MB |`);
  console.log(`\nmodel: ${r.model}`);
  console.log(`searchSchema on ${r.tables} tables: first question ${r.search.firstMs.toFixed(0)} ms (reads the rows, builds the index), then p50 ${r.search.p50Ms.toFixed(2)} ms`);
  if (r.second.written !== 0) throw new Error(`the second run re-embedded ${r.second.written} tables`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
