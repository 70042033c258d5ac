import { cosine } from "../datasources/embedders/embedder";
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
/** Column similarities are computed for the tables ranked in the top CANDIDATES by any table-level ranking. */
export const CANDIDATES = 100;
/** At most this many columns explain a match. */
const MAX_EXPLAINING_COLUMNS = 5;

export interface RankableTable extends TableForEmbedding {
  fullyQualifiedName: string;
  columns: (TableForEmbedding["columns"][number] & { primaryKey?: number | null })[];
  vectors: TableVectors;
}

export interface SchemaIndex {
  tables: RankableTable[];
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
    bm25: new Bm25(tables.map((t) => analyzer.analyze(tableDocument(t)))),
    columnTerms: tables.map((t) => t.columns.map((c) => new Set(analyzer.terms(`${c.name} ${c.comment ?? ""}`)))),
  };
}

export function rankTables(index: SchemaIndex, q: Question, k: number): RankedTable[] {
  const n = index.tables.length;
  if (n === 0) return [];
  const primary = index.tables.map((t) => cosine(q.primary, t.vectors.primary));
  const lexical = index.bm25.scores(q.terms);
  const rankings = [ranks(primary, -Infinity)];
  if (lexical.some((s) => s > 0)) rankings.push(ranks(lexical, 0));

  const sentence = q.sentence;
  const bestColumns = new Array<{ name: string; sim: number }[]>(n);
  if (sentence && index.tables.every((t) => t.vectors.sentence)) {
    const documentSims = index.tables.map((t) => dotQuantised(sentence, t.vectors.sentence!));
    const maxSim = documentSims.slice();
    const table = [...rankings, ranks(documentSims, -Infinity)];
    for (let i = 0; i < n; i++) {
      if (!table.some((r) => r[i] < CANDIDATES)) continue;
      const t = index.tables[i];
      const lifting = t.vectors.columns.map((v, c) => ({ name: t.columns[c].name, sim: dotQuantised(sentence, v) }));
      for (const c of lifting) maxSim[i] = Math.max(maxSim[i], c.sim);
      // The columns that did the lifting: closer to the question than the table's document as a whole.
      bestColumns[i] = lifting.filter((c) => c.sim >= documentSims[i]).sort((a, b) => b.sim - a.sim);
    }
    rankings.push(ranks(maxSim, -Infinity));
  }

  const fused = new Float64Array(n);
  for (const r of rankings) for (let i = 0; i < n; i++) if (Number.isFinite(r[i])) fused[i] += 1 / (RRF_K + r[i]);
  const best = rankings.length / RRF_K;
  return topK(fused, k).map((i) => {
    const words = index.bm25.matched(i, q.terms);
    const t = index.tables[i];
    const byWord = t.columns.filter((_, c) => words.some((w) => index.columnTerms[i][c].has(w))).map((c) => c.name);
    const columns = [...new Set([...(bestColumns[i] ?? []).map((c) => c.name), ...byWord])].slice(0, MAX_EXPLAINING_COLUMNS);
    return { table: t, score: fused[i] / best, matchedColumns: columns, matchedWords: words };
  });
}

/** 0-based rank of each entry (higher score first, ties in table order); Infinity for scores <= floor. */
function ranks(scores: number[], floor: number): number[] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const out = new Array<number>(scores.length).fill(Infinity);
  order.forEach((i, r) => {
    if (scores[i] > floor) out[i] = r;
  });
  return out;
}

function topK(scores: Float64Array, k: number): number[] {
  return [...scores.keys()].sort((a, b) => scores[b] - scores[a] || a - b).slice(0, k);
}
