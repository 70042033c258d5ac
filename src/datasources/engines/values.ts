import { types } from "pg";
import type { TableInfo } from "./query-engine";

const PG_NAMES: Record<number, string> = Object.fromEntries(Object.entries(types.builtins).map(([name, oid]) => [oid as number, name.toLowerCase()]));

export function pgTypeName(oid: number | undefined): string {
  return oid === undefined ? "unknown" : (PG_NAMES[oid] ?? `oid ${oid}`);
}

const INT8 = 20;

/**
 * Driver values → JSON. Integers beyond 2^53 stay strings (a JSON number would silently lose digits), binary
 * becomes \x-hex as psql shows it, dates become ISO strings when serialised.
 */
export function toJsonValue(value: unknown, pgOid?: number): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return bigintToJson(value);
  if (pgOid === INT8 && typeof value === "string") return safeIntegerOrString(value);
  if (Buffer.isBuffer(value)) return `\\x${value.toString("hex")}`;
  if (Array.isArray(value)) return value.map((v) => toJsonValue(v));
  return value;
}

function bigintToJson(value: bigint): number | string {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
}

function safeIntegerOrString(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

/** Rows of (schema, table, column, type) in order → one TableInfo per table; a table without columns keeps []. */
export function groupTables(rows: { s: string; t: string; c: string | null; d: string | null; tc?: string | null; cc?: string | null }[]): TableInfo[] {
  const tables: TableInfo[] = [];
  let current: TableInfo | null = null;
  for (const r of rows) {
    if (!current || current.schema !== r.s || current.name !== r.t) {
      current = { schema: r.s, name: r.t, fullyQualifiedName: `${r.s}.${r.t}`, columns: [], ...(r.tc ? { comment: r.tc } : {}) };
      tables.push(current);
    }
    if (r.c !== null) current.columns.push({ name: r.c, dataType: String(r.d), ...(r.cc ? { comment: r.cc } : {}) });
  }
  return tables;
}
