import { beforeAll, describe, expect, it } from "vitest";
import { LocalEmbedder } from "../../src/datasources/embedders/local.embedder";
import { MAX_COLUMN_VECTORS, dotQuantised, packTableVectors, quantise, unpackTableVectors } from "../../src/datasources/embedders/table-vectors";
import type { SentenceModel } from "../../src/datasources/embedders/sentence-model";
import { SchemaIndexCache } from "../../src/services/schema-index-cache";
import { buildSchemaIndex, rankTables, type SchemaIndex } from "../../src/services/schema-ranker";
import { embedQuestion, embedTables } from "../../src/services/table-embedding";
import { bm25Recall, FIXTURES, loadFixture, schemaSearchRecall } from "../bench/search-eval";
import { sentenceModelForTests } from "../support/sentence-model";

const unit = (xs: number[]) => {
  const n = Math.hypot(...xs);
  return Float32Array.from(xs, (x) => x / n);
};

describe("table vectors", () => {
  it("pack and unpack to the same vectors, the sentence ones within int8 precision", () => {
    const primary = unit(Array.from({ length: 384 }, (_, i) => Math.sin(i)));
    const sentence = unit(Array.from({ length: 384 }, (_, i) => Math.cos(i * 0.7)));
    const column = unit(Array.from({ length: 384 }, (_, i) => ((i * 37) % 11) - 5));
    const back = unpackTableVectors(packTableVectors({ primary, sentence: quantise(sentence), columns: [quantise(column)] }));
    expect(back.primary).toEqual(primary);
    expect(back.columns).toHaveLength(1);
    expect(dotQuantised(sentence, back.sentence!)).toBeCloseTo(1, 2);
    expect(dotQuantised(column, back.columns[0])).toBeCloseTo(1, 2);
    expect(dotQuantised(sentence, back.columns[0])).toBeCloseTo(
      sentence.reduce((s, x, i) => s + x * column[i], 0),
      2,
    );
    // Without the sentence model a row is the primary vector and nothing else.
    expect(unpackTableVectors(packTableVectors({ primary, sentence: null, columns: [] }))).toEqual({ primary, sentence: null, columns: [] });
  });

  it("keep column vectors for the first MAX_COLUMN_VECTORS columns only, so a row stays bounded", () => {
    const v = quantise(unit([1, 2, 3]));
    const packed = packTableVectors({ primary: unit([1, 0]), sentence: v, columns: Array.from({ length: MAX_COLUMN_VECTORS + 50 }, () => v) });
    expect(unpackTableVectors(packed).columns).toHaveLength(MAX_COLUMN_VECTORS);
  });

  it("refuse a row of another layout or cut short, rather than read garbage", () => {
    const packed = packTableVectors({ primary: unit([1, 2]), sentence: quantise(unit([1, 2, 3])), columns: [] });
    expect(() => unpackTableVectors(packed.subarray(0, packed.length - 1))).toThrow(/truncated or malformed/);
    expect(() => unpackTableVectors(Buffer.from(new Float32Array([0.5, 0.5]).buffer))).toThrow(/unknown layout/);
    expect(() => packTableVectors({ primary: unit([1]), sentence: quantise(unit([1, 2])), columns: [quantise(unit([1, 2, 3]))] })).toThrow(/differ in length/);
  });
});

describe("schema ranker", () => {
  let local: LocalEmbedder;
  let sentence: SentenceModel | null;
  beforeAll(async () => {
    local = new LocalEmbedder();
    sentence = await sentenceModelForTests();
  });

  async function chinookIndex(withSentence: boolean): Promise<SchemaIndex> {
    const f = loadFixture("chinook");
    const vectors = await embedTables(f.tables, local, withSentence ? sentence : null);
    return buildSchemaIndex(
      f.tables.map((t, i) => ({ ...t, fullyQualifiedName: `${t.schema}.${t.name}`, vectors: vectors[i] })),
      local.textAnalyzer,
    );
  }

  it("beats BM25 at recall@1 and recall@5 on both tuning sets with the sentence model, and matches it without", async (ctx) => {
    if (!sentence) return ctx.skip();
    for (const name of FIXTURES.tuned) {
      const f = loadFixture(name);
      const all = { ...f, questions: [...f.questions, ...f.heldOut, ...f.blind] };
      const fused = await schemaSearchRecall(all, local, sentence);
      const without = await schemaSearchRecall(all, local, null);
      const bm25 = bm25Recall(all, local);
      expect(fused.at1, name).toBeGreaterThanOrEqual(bm25.at1 + 0.05);
      expect(fused.at5, name).toBeGreaterThanOrEqual(0.95);
      expect(fused.at1, name).toBeGreaterThan(without.at1);
      expect(without.at1, name).toBeGreaterThanOrEqual(bm25.at1 - 0.05);
    }
  }, 60_000);

  it("ranks without the sentence model (fusing the embedder and BM25), and with no question word in any table", async () => {
    const index = await chinookIndex(false);
    const [top] = rankTables(index, await embedQuestion("composer of each track", local, null, local.textAnalyzer), 1);
    expect(top.table.name).toBe("track");
    // Nothing lexical matches ("melodies" is in no table), yet every table is ranked by the embedder alone.
    const ranked = rankTables(index, await embedQuestion("melodies", local, null, local.textAnalyzer), 50);
    expect(ranked).toHaveLength(index.tables.length);
    for (const m of ranked) expect(m.matchedWords).toEqual([]);
  });

  it("explains a match by the columns that lifted it and the words it holds, best first, scores from 0 to 1", async (ctx) => {
    if (!sentence) return ctx.skip();
    const index = await chinookIndex(true);
    const ranked = rankTables(index, await embedQuestion("price of one track", local, sentence, local.textAnalyzer), 11);
    expect(ranked[0].table.name).toBe("track");
    expect(ranked[0].matchedWords).toEqual(["price", "track"]);
    expect(ranked[0].matchedColumns).toContain("unit_price");
    expect(ranked[0].matchedColumns.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < ranked.length; i++) expect(ranked[i].score).toBeLessThanOrEqual(ranked[i - 1].score);
    for (const m of ranked) {
      expect(m.score).toBeGreaterThan(0);
      expect(m.score).toBeLessThanOrEqual(1);
      for (const w of m.matchedWords) expect(["price", "track"]).toContain(w);
    }
    expect(rankTables(index, await embedQuestion("price of one track", local, sentence, local.textAnalyzer), 3)).toHaveLength(3);
  });
});

describe("SchemaIndexCache", () => {
  const index = (tag: string) => ({ tables: [], bm25: null, columnTerms: [], tag }) as unknown as SchemaIndex;

  it("builds once per version, shares a build between concurrent questions, and rebuilds when the version moves", async () => {
    const cache = new SchemaIndexCache(1000);
    let builds = 0;
    const build = (tag: string) => async () => {
      builds++;
      await new Promise((r) => setTimeout(r, 5));
      return { index: index(tag), bytes: 100 };
    };
    const [a, b] = await Promise.all([cache.get("c1", "v1", build("one")), cache.get("c1", "v1", build("two"))]);
    expect(a).toBe(b);
    expect(builds).toBe(1);
    expect(await cache.get("c1", "v1", build("three"))).toBe(a);
    expect(await cache.get("c1", "v2", build("four"))).toMatchObject({ tag: "four" });
    expect(builds).toBe(2);
    expect(cache.size).toEqual({ entries: 1, bytes: 100 });
  });

  it("drops the least recently used past its byte budget, keeps no index larger than the budget, and forgets failed builds", async () => {
    const cache = new SchemaIndexCache(250);
    const build = (bytes: number) => async () => ({ index: index(String(bytes)), bytes });
    await cache.get("a", "v", build(100));
    await cache.get("b", "v", build(100));
    await cache.get("a", "v", build(100)); // a is now the most recently used
    await cache.get("c", "v", build(100));
    expect(cache.size).toEqual({ entries: 2, bytes: 200 });
    let rebuilt = false;
    await cache.get("b", "v", async () => ((rebuilt = true), { index: index("b"), bytes: 10 }));
    expect(rebuilt).toBe(true);
    await cache.get("huge", "v", build(1000));
    expect(cache.size.bytes).toBeLessThanOrEqual(250);
    await expect(cache.get("bad", "v", async () => Promise.reject(new Error("store down")))).rejects.toThrow("store down");
    let retried = false;
    await cache.get("bad", "v", async () => ((retried = true), { index: index("bad"), bytes: 1 }));
    expect(retried).toBe(true);
  });

  it("neither evicts a build still running nor keeps one whose version moved on meanwhile", async () => {
    const cache = new SchemaIndexCache(150);
    let release!: () => void;
    const slow = cache.get("slow", "v1", async () => {
      await new Promise<void>((r) => (release = r));
      return { index: index("slow"), bytes: 100 };
    });
    // Two finished entries push past the budget while "slow" is still building: the older goes, "slow" stays.
    await cache.get("a", "v", async () => ({ index: index("a"), bytes: 100 }));
    await cache.get("b", "v", async () => ({ index: index("b"), bytes: 100 }));
    expect(cache.size).toEqual({ entries: 2, bytes: 100 });
    // Meanwhile the connection moved to v2: a question builds v2, and the v1 build, when done, is not kept.
    await cache.get("slow", "v2", async () => ({ index: index("slow v2"), bytes: 10 }));
    release();
    expect(await slow).toMatchObject({ tag: "slow" });
    let rebuilt = false;
    expect(await cache.get("slow", "v2", async () => ((rebuilt = true), { index: index("again"), bytes: 10 }))).toMatchObject({ tag: "slow v2" });
    expect(rebuilt).toBe(false);
  });
});
