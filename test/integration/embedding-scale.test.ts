import { expect, it } from "vitest";
import { runEmbedScale } from "../support/embed-scale";
import { describeWith } from "../support/services";

describeWith("postgres", "schema embeddings at scale", (pgBase) => {
  it("embeds 5,000 tables with bounded memory, and a second run re-embeds nothing", async () => {
    const r = await runEmbedScale(pgBase, 5_000);
    console.log(`5,000 tables: first run ${r.first.ms} ms, peak RSS ${r.first.rssMb} MB; second run ${r.second.ms} ms, ${r.second.written} re-embedded`);
    expect(r.first.written).toBe(5_000);
    expect(r.second.written).toBe(0);
    // Batches of 64: memory does not grow with the schema (the test process starts near 200 MB).
    expect(r.first.rssMb - r.rssBeforeMb).toBeLessThan(400);
  }, 240_000);
});
