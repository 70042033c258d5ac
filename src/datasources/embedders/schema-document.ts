import { createHash } from "node:crypto";

export interface TableForEmbedding {
  schema: string;
  name: string;
  comment?: string | null;
  columns: { name: string; dataType: string; comment?: string | null }[];
}

/** Identifier to words: `invoice_line` -> "invoice line", `ThumbNailPhoto2` -> "Thumb Nail Photo 2". */
export function splitIdentifier(name: string): string {
  return name
    .replace(/(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])/g, " ")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .join(" ");
}

const oneLine = (s: string | null | undefined) => (s ?? "").replace(/\s+/g, " ").trim();

/**
 * The text embedded for a table. The first line is the title (the table name's words), which the embedder
 * weighs most; the second is the table comment (empty without one), which it weighs next; then one line per
 * column, with its comment; last the qualified name (the schema name is shared by many tables, so it comes
 * last, where it weighs least). Data types are left out: they say little about what a table is for.
 *
 *   invoice line
 *   Lines of an invoice: one per track bought.
 *   invoice line id
 *   unit price: Price of one unit.
 *   public.invoice_line
 */
export function tableDocument(t: TableForEmbedding): string {
  const lines = [splitIdentifier(t.name), oneLine(t.comment)];
  for (const c of t.columns) {
    const comment = oneLine(c.comment);
    lines.push(comment ? `${splitIdentifier(c.name)}: ${comment}` : splitIdentifier(c.name));
  }
  lines.push(`${t.schema}.${t.name}`);
  return lines.join("\n");
}

/** sha256 hex of a document: a table is re-embedded only when its document changes. */
export function documentHash(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * The sentence model's text of a table, as prose on one line: "invoice line: Lines of an invoice; unit price:
 * Price of one unit; ..." (the model reads its first 64 tokens: the name, the comment and the first columns).
 */
export function sentenceDocument(t: TableForEmbedding): string {
  const head = splitIdentifier(t.name) + (oneLine(t.comment) ? `: ${oneLine(t.comment)}` : "");
  return [head, ...t.columns.map((c) => splitIdentifier(c.name) + (oneLine(c.comment) ? `: ${oneLine(c.comment)}` : ""))].join("; ");
}

/** The sentence model's text of one column, with its table for context: "invoice line: unit price: Price of one unit". */
export function columnSentence(t: TableForEmbedding, c: TableForEmbedding["columns"][number]): string {
  return `${splitIdentifier(t.name)}: ${splitIdentifier(c.name)}` + (oneLine(c.comment) ? `: ${oneLine(c.comment)}` : "");
}
