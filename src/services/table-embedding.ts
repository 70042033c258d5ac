import type { Embedder } from "../datasources/embedders/embedder";
import { columnSentence, sentenceDocument, tableDocument, type TableForEmbedding } from "../datasources/embedders/schema-document";
import type { SentenceModel } from "../datasources/embedders/sentence-model";
import { MAX_COLUMN_VECTORS, quantise, type TableVectors } from "../datasources/embedders/table-vectors";
import type { TextAnalyzer } from "../datasources/embedders/text-analyzer";
import type { Question } from "./schema-ranker";

/** Tokens the sentence model reads of a table document, of a column's text and of a question. */
const DOCUMENT_TOKENS = 64;
const COLUMN_TOKENS = 64;
const QUESTION_TOKENS = 64;

/** The model name stored with each row: a change of either model (or of this layout) means a re-embedding. */
export function searchModelName(primary: Embedder, sentence: SentenceModel | null): string {
  return `${primary.model}|${sentence?.model ?? "no-sentence-model"}|rrf-v1`;
}

/** The vectors schema search keeps of each table (see table-vectors.ts), in order. */
export async function embedTables(tables: TableForEmbedding[], primary: Embedder, sentence: SentenceModel | null): Promise<TableVectors[]> {
  const primaries = await primary.embed(tables.map(tableDocument));
  if (!sentence) return primaries.map((p) => ({ primary: p, sentence: null, columns: [] }));
  const documents = await sentence.embed(tables.map(sentenceDocument), DOCUMENT_TOKENS);
  const owners: number[] = [];
  const texts: string[] = [];
  tables.forEach((t, i) =>
    t.columns.slice(0, MAX_COLUMN_VECTORS).forEach((c) => {
      owners.push(i);
      texts.push(columnSentence(t, c));
    }),
  );
  const columnVectors = await sentence.embed(texts, COLUMN_TOKENS);
  const out: TableVectors[] = primaries.map((p, i) => ({ primary: p, sentence: quantise(documents[i]), columns: [] }));
  columnVectors.forEach((v, j) => out[owners[j]].columns.push(quantise(v)));
  return out;
}

export async function embedQuestion(text: string, primary: Embedder, sentence: SentenceModel | null, analyzer: TextAnalyzer): Promise<Question> {
  const [p] = await primary.embed([text]);
  const s = sentence ? (await sentence.embed([text], QUESTION_TOKENS))[0] : null;
  return { primary: p, sentence: s, terms: analyzer.terms(text) };
}
