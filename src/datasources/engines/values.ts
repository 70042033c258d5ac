import type { TableInfo } from "./query-engine";

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

/**
 * One catalogue row per column, in order: schema, table, column and type, then what the source tells where it can:
 * table comment (tc), kind (k), estimated rows (e), column comment (cc), nullable (nl), default (df), primary-key
 * position (pk). A table without visible columns is one row with a null column.
 */
export interface CatalogColumnRow {
  s: string;
  t: string;
  c: string | null;
  d: string | null;
  tc?: string | null;
  k?: string | null;
  e?: number | string | null;
  cc?: string | null;
  nl?: boolean | number | string | null;
  df?: string | null;
  pk?: number | string | null;
}

const orNull = <T>(v: T | undefined): T | null => (v === undefined || v === "" ? null : v);
/** Drivers answer booleans as true/1/'YES': one reading of each. */
const flag = (v: boolean | number | string | null | undefined): boolean | null =>
  v === null || v === undefined ? null : v === true || v === 1 || (typeof v === "string" && /^(yes|true|t|1)$/i.test(v));
const count = (v: number | string | null | undefined): number | null => (v === null || v === undefined || v === "" || !Number.isFinite(Number(v)) ? null : Number(v));

/** Catalogue rows in order → one TableInfo per table; a table without columns keeps []. */
export function groupTables(rows: CatalogColumnRow[]): TableInfo[] {
  const tables: TableInfo[] = [];
  let current: TableInfo | null = null;
  for (const r of rows) {
    if (!current || current.schema !== r.s || current.name !== r.t) {
      current = {
        schema: r.s,
        name: r.t,
        fullyQualifiedName: `${r.s}.${r.t}`,
        comment: orNull(r.tc),
        kind: orNull(r.k),
        estimatedRows: count(r.e),
        columns: [],
      };
      tables.push(current);
    }
    if (r.c !== null) {
      current.columns.push({ name: r.c, dataType: String(r.d), comment: orNull(r.cc), nullable: flag(r.nl), default: orNull(r.df), primaryKey: count(r.pk) });
    }
  }
  return tables;
}
