import fs from "node:fs";
import path from "node:path";
import { cosine } from "../../src/datasources/embedders/embedder";
import { LocalEmbedder } from "../../src/datasources/embedders/local.embedder";
import { tableDocument, type TableForEmbedding } from "../../src/datasources/embedders/schema-document";
import { projectRoot } from "../../src/paths";
import type { SentenceModel } from "../../src/datasources/embedders/sentence-model";
import { Bm25 } from "../../src/services/bm25";
import { buildSchemaIndex, rankTables } from "../../src/services/schema-ranker";
import { embedQuestion, embedTables } from "../../src/services/table-embedding";

/** Recall of schema search over the fixtures in test/fixtures/search, shared by the benchmark and the unit test. */
export interface SearchFixture {
  name: string;
  tables: TableForEmbedding[];
  questions: { question: string; table: string }[];
  /** Questions written after the weights were set; looked at once (see the fixture's heldOutDescription). */
  heldOut: { question: string; table: string }[];
  /** Questions written last and evaluated once, at the end: the check of over-fitting. */
  blind: { question: string; table: string }[];
}

/** The tuning sets (chinook, adventureworks: their questions were seen while the weights were set) and the held-out ones. */
export const FIXTURES = { tuned: ["chinook", "adventureworks"], heldOut: ["pagila", "erp"] } as const;

export function loadFixture(name: "chinook" | "adventureworks" | "pagila" | "erp"): SearchFixture {
  const dir = path.join(projectRoot(), "test/fixtures/search");
  const read = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
  const q = read(`${name}-questions.json`);
  return { name, tables: read(`${name}-schema.json`).tables, questions: q.questions, heldOut: q.heldOut ?? [], blind: q.blind ?? [] };
}

export interface Recall {
  method: string;
  at1: number;
  at5: number;
  /** Mean reciprocal rank (a question whose table is not retrieved counts 0). */
  mrr: number;
  /** 0-based rank of the right table per question (Infinity when not retrieved at all). */
  ranks: number[];
}

/** 0-based rank of `target` among scores (higher first; ties keep document order); scores <= floor are not retrieved. */
function rankOf(scores: number[], target: number, floor = -Infinity): number {
  if (!(scores[target] > floor)) return Infinity;
  let rank = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] > scores[target] || (scores[i] === scores[target] && i < target)) rank++;
  return rank;
}

function recall(method: string, ranks: number[]): Recall {
  const at = (k: number) => ranks.filter((r) => r < k).length / ranks.length;
  return { method, at1: at(1), at5: at(5), mrr: ranks.reduce((sum, r) => sum + (Number.isFinite(r) ? 1 / (r + 1) : 0), 0) / ranks.length, ranks };
}

const qualified = (t: TableForEmbedding) => `${t.schema}.${t.name}`;

function targets(f: SearchFixture): number[] {
  return f.questions.map((q) => {
    const i = f.tables.findIndex((t) => qualified(t) === q.table);
    if (i < 0) throw new Error(`${f.name}: no table ${q.table}`);
    return i;
  });
}

export async function embedderRecall(f: SearchFixture, embedder: LocalEmbedder, method = "local embedder"): Promise<Recall> {
  const docs = await embedder.embed(f.tables.map(tableDocument));
  const queries = await embedder.embed(f.questions.map((q) => q.question));
  const want = targets(f);
  return recall(
    method,
    queries.map((q, i) =>
      rankOf(
        docs.map((d) => cosine(q, d)),
        want[i],
      ),
    ),
  );
}

export function bm25Recall(f: SearchFixture, embedder: LocalEmbedder, lineWeights: number[] = [], method = "BM25"): Recall {
  const analyzer = embedder.textAnalyzer;
  const bm25 = new Bm25(
    f.tables.map((t) => analyzer.analyze(tableDocument(t))),
    1.2,
    0.75,
    lineWeights,
  );
  const want = targets(f);
  return recall(
    method,
    f.questions.map((q, i) => rankOf(bm25.scores(analyzer.terms(q.question)), want[i], 0)),
  );
}

/**
 * One vector per column as well as per table (max-sim): a table scores its own similarity, or a column's (as a
 * small document: table title, table comment, the column and its comment) times `columnShare` when that is higher,
 * so a question about one column of a wide table can find it. Scores per question and table.
 */
async function maxSimScores(f: SearchFixture, embedder: LocalEmbedder, columnShare: number): Promise<number[][]> {
  const docs = await embedder.embed(f.tables.map(tableDocument));
  const columnDocs = f.tables.flatMap((t, ti) => t.columns.map((c) => ({ ti, text: tableDocument({ schema: t.schema, name: t.name, comment: t.comment, columns: [c] }) })));
  const columnVectors = await embedder.embed(columnDocs.map((c) => c.text));
  const queries = await embedder.embed(f.questions.map((q) => q.question));
  return queries.map((q) => {
    const scores = docs.map((d) => cosine(q, d));
    columnVectors.forEach((v, j) => {
      const ti = columnDocs[j].ti;
      scores[ti] = Math.max(scores[ti], columnShare * cosine(q, v));
    });
    return scores;
  });
}

export async function maxSimRecall(f: SearchFixture, embedder: LocalEmbedder, columnShare: number, method = `max-sim, column x${columnShare}`): Promise<Recall> {
  const want = targets(f);
  return recall(
    method,
    (await maxSimScores(f, embedder, columnShare)).map((scores, i) => rankOf(scores, want[i])),
  );
}

/**
 * The product's ranking (src/services/schema-ranker.ts): the very functions searchSchema runs, over the tables
 * embedded as the embedding job embeds them. `sentence` null: the fusion without the sentence model.
 */
export async function schemaSearchRecall(
  f: SearchFixture,
  embedder: LocalEmbedder,
  sentence: SentenceModel | null,
  method = "searchSchema: RRF(sentence max-sim, local, BM25)",
): Promise<Recall> {
  const vectors = await embedTables(f.tables, embedder, sentence);
  const index = buildSchemaIndex(
    f.tables.map((t, i) => ({ ...t, fullyQualifiedName: qualified(t), vectors: vectors[i] })),
    embedder.textAnalyzer,
  );
  const want = targets(f);
  const ranks: number[] = [];
  for (const [i, q] of f.questions.entries()) {
    const ranked = rankTables(index, await embedQuestion(q.question, embedder, sentence, embedder.textAnalyzer), f.tables.length);
    const r = ranked.findIndex((m) => m.table.fullyQualifiedName === qualified(f.tables[want[i]]));
    ranks.push(r < 0 ? Infinity : r);
  }
  return recall(method, ranks);
}
