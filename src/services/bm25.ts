import type { Term } from "../datasources/embedders/text-analyzer";

/**
 * Okapi BM25 (k1 = 1.2, b = 0.75, Lucene's idf): one of the rankings schema search fuses, and the lexical baseline
 * of the search benchmark. It is given the very terms the local embedder sees (identifier splitting, plural folding, stop words), so the comparison is between
 * the models, not the tokenisers. Optional line weights turn term counts into weighted counts (BM25F-like),
 * e.g. [3, 2] to count a title term three times; the default counts every line the same.
 */
export class Bm25 {
  private readonly tfs: Map<string, number>[];
  private readonly lengths: number[];
  /** Per term, the documents holding it and its (weighted) count in each: a question reads only those. */
  private readonly postings = new Map<string, { docs: number[]; counts: number[] }>();
  private readonly avgLength: number;

  constructor(
    docs: Term[][],
    private readonly k1 = 1.2,
    private readonly b = 0.75,
    lineWeights: number[] = [],
  ) {
    this.tfs = docs.map((terms, i) => {
      const tf = new Map<string, number>();
      for (const { term, line } of terms) tf.set(term, (tf.get(term) ?? 0) + (lineWeights[line] ?? 1));
      for (const [term, count] of tf) {
        let p = this.postings.get(term);
        if (!p) this.postings.set(term, (p = { docs: [], counts: [] }));
        p.docs.push(i);
        p.counts.push(count);
      }
      return tf;
    });
    this.lengths = this.tfs.map((tf) => [...tf.values()].reduce((a, x) => a + x, 0));
    this.avgLength = this.lengths.reduce((a, x) => a + x, 0) / Math.max(1, docs.length);
  }

  /** One score per document, in document order; 0 when no query term occurs in it. */
  scores(query: string[]): number[] {
    const n = this.tfs.length;
    const out = new Array<number>(n).fill(0);
    for (const t of new Set(query)) {
      const p = this.postings.get(t);
      if (!p) continue;
      const df = p.docs.length;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (let j = 0; j < df; j++) {
        const f = p.counts[j];
        const i = p.docs[j];
        out[i] += (idf * f * (this.k1 + 1)) / (f + this.k1 * (1 - this.b + (this.b * this.lengths[i]) / this.avgLength));
      }
    }
    return out;
  }

  /** The query's terms that occur in document i, in query order, each once. */
  matched(i: number, query: string[]): string[] {
    return [...new Set(query)].filter((t) => this.tfs[i].has(t));
  }
}
