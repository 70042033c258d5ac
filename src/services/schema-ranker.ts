import { dot } from "../datasources/embedders/embedder";
import { tableDocument, type TableForEmbedding } from "../datasources/embedders/schema-document";
import { dotQuantised, type TableVectors } from "../datasources/embedders/table-vectors";
import type { TextAnalyzer } from "../datasources/embedders/text-analyzer";
import { Bm25 } from "./bm25";

/**
 * Schema search's ranking: reciprocal-rank fusion (k = 60) of three rankings of a connection's tables,
 *  1. the primary embedder's cosine of question and table document (the local embedder by default);
 *  2. the sentence model's max-sim: the better of the question's similarity to the table document and to any one
 *     column's own text, so a question about one column of a wide table finds it;
 *  3. BM25 over the same terms the local embedder sees (exact names, codes, rare words).
 * Chosen on the tuning questions (chinook, adventureworks) only; test/bench/search-quality.bench.ts reports it on
 * question sets written before it and never tuned on. Either of 2 and 3 may be absent (no sentence model, or no
 * question word in any table): the fusion is then of what remains.
 */
const RRF_K = 60;
/** Column similarities are computed for the first CANDIDATES tables of each table-level ranking. */
export const CANDIDATES = 50;
/** At most this many columns explain a match. */
const MAX_EXPLAINING_COLUMNS = 5;

export interface RankableTable extends TableForEmbedding {
  fullyQualifiedName: string;
  columns: (TableForEmbedding["columns"][number] & { primaryKey?: number | null })[];
  vectors: TableVectors;
}

export interface SchemaIndex {
  tables: RankableTable[];
  /** Length of each table's primary vector (the embedder's vectors need not be unit length). */
  primaryNorms: Float64Array;
  bm25: Bm25;
  /** Per table, per column: the column's own terms (name and comment), to say which columns hold a matched word. */
  columnTerms: Set<string>[][];
}

export interface Question {
  primary: Float32Array;
  /** The sentence model's vector of the question, or null without the model. */
  sentence: Float32Array | null;
  terms: string[];
}

export interface RankedTable {
  table: RankableTable;
  /** The fused score over the maximum a table could get (first in every ranking): 0 to 1. */
  score: number;
  matchedColumns: string[];
  matchedWords: string[];
}

export function buildSchemaIndex(tables: RankableTable[], analyzer: TextAnalyzer): SchemaIndex {
  return {
    tables,
    primaryNorms: Float64Array.from(tables, (t) => Math.sqrt(dot(t.vectors.primary, t.vectors.primary))),
    bm25: new Bm25(tables.map((t) => analyzer.analyze(tableDocument(t)))),
    columnTerms: tables.map((t) => t.columns.map((c) => new Set(analyzer.terms(`${c.name} ${c.comment ?? ""}`)))),
  };
}

export function rankTables(index: SchemaIndex, q: Question, k: number): RankedTable[] {
  const n = index.tables.length;
  if (n === 0) return [];
  const qNorm = Math.sqrt(dot(q.primary, q.primary)) || 1;
  // The cosine, with the tables' lengths computed once per index.
  const primary = index.tables.map((t, i) => dot(q.primary, t.vectors.primary) / (qNorm * (index.primaryNorms[i] || 1)));
  const lexical = index.bm25.scores(q.terms);
  const rankings = [ranks(primary, -Infinity)];
  if (lexical.some((s) => s > 0)) rankings.push(ranks(lexical, 0));

  const sentence = q.sentence;
  const withSentence = sentence !== null && index.tables.every((t) => t.vectors.sentence);
  const documentSims = withSentence ? index.tables.map((t) => dotQuantised(sentence, t.vectors.sentence!)) : [];
  if (withSentence) {
    const maxSim = documentSims.slice();
    // At most CANDIDATES tables per table-level ranking, by position: a tie shared by thousands of tables (the same
    // column names everywhere) must not make all of them candidates.
    const candidates = new Set<number>();
    for (const scores of [primary, documentSims]) for (const i of topK(Float64Array.from(scores), CANDIDATES)) candidates.add(i);
    for (const i of topK(Float64Array.from(lexical), CANDIDATES)) if (lexical[i] > 0) candidates.add(i);
    for (const i of candidates) {
      for (const v of index.tables[i].vectors.columns) maxSim[i] = Math.max(maxSim[i], dotQuantised(sentence, v));
    }
    rankings.push(ranks(maxSim, -Infinity));
  }

  const fused = new Float64Array(n);
  for (const r of rankings) for (let i = 0; i < n; i++) if (r[i] !== Infinity) fused[i] += 1 / (RRF_K + r[i]);
  const best = rankings.length / RRF_K;
  return topK(fused, k).map((i) => {
    const t = index.tables[i];
    const words = index.bm25.matched(i, q.terms);
    // The columns that lifted the table (closer to the question than its document as a whole), best first.
    const lifting = withSentence
      ? t.vectors.columns
          .map((v, c) => ({ name: t.columns[c].name, sim: dotQuantised(sentence, v) }))
          .filter((c) => c.sim >= documentSims[i])
          .sort((a, b) => b.sim - a.sim)
          .map((c) => c.name)
      : [];
    // Then the columns holding matched words, those holding more of them first.
    const byWord = t.columns
      .map((c, j) => ({ name: c.name, held: words.filter((w) => index.columnTerms[i][j].has(w)).length }))
      .filter((c) => c.held > 0)
      .sort((a, b) => b.held - a.held)
      .map((c) => c.name);
    return { table: t, score: fused[i] / best, matchedColumns: [...new Set([...lifting, ...byWord])].slice(0, MAX_EXPLAINING_COLUMNS), matchedWords: words };
  });
}

/**
 * 0-based rank of each entry, higher scores first, equal scores sharing the better rank; Infinity for scores <=
 * floor. A native sort of the scores and a binary search per entry: no comparator calls on 5,000 tables.
 */
function ranks(scores: number[], floor: number): number[] {
  const sorted = Float64Array.from(scores).sort().reverse();
  return scores.map((s) => {
    if (!(s > floor)) return Infinity;
    // The first position holding s in the descending order: the count of scores above it.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] > s) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  });
}

/** Indices of the k highest scores, best first, ties in table order: one pass keeping a sorted list of k. */
function topK(scores: Float64Array, k: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (top.length === k && scores[i] <= scores[top[k - 1]]) continue;
    let at = top.length;
    while (at > 0 && scores[top[at - 1]] < scores[i]) at--;
    top.splice(at, 0, i);
    if (top.length > k) top.pop();
  }
  return top;
}
