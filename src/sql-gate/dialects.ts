import type { LexRules } from "./lexer";
import { MAX_GENERATED_ROWS } from "../limits";
import { clip, nameParts, refuse, type Dialect, type GateOptions } from "./verdict";

/**
 * The node-sql-parser dialects: which grammar reads each, the source's lexical rules, and the checks only that
 * source needs. Shared checks (statement types, INTO, locking reads, denied functions, tableList) are in
 * generic.gate.ts.
 */
type Node = Record<string, unknown>;
type Grammar = readonly [database: string, load: () => Promise<unknown>];

export interface NspDialect {
  readonly gate: Exclude<Dialect, "pg">;
  /**
   * node-sql-parser grammars (`database` option, loader), tried in order; the first that parses wins. Every check
   * runs on the tree of the one that parsed, so a second grammar widens what is read, not what is allowed.
   */
  readonly grammars: readonly Grammar[];
  readonly lex: LexRules;
  /** Called for every node of the tree; `parentKey` is the property the node hangs from ("from", "columns"…). */
  readonly check?: (node: Node, parentKey: string | null, options: GateOptions) => void;
}

/** `seq.NEXTVAL` (Snowflake; MariaDB in Oracle mode) reads like a column and advances a sequence. */
function refuseNextval(node: Node): void {
  if (node.type === "column_ref" && String(node.column).toLowerCase() === "nextval") refuse("sequence NEXTVAL advances a sequence");
}

/** SQL Server table hints that take or hold locks beyond a plain read. */
const TSQL_LOCK_HINTS = /\b(UPDLOCK|XLOCK|TABLOCKX?|HOLDLOCK|SERIALIZABLE|REPEATABLEREAD|PAGLOCK)\b/i;

/** node-sql-parser spells names as a string, or `{ schema?, name: [{ value }] }` (bigquery: only `schema`). */
export function functionName(name: unknown): string[] {
  if (typeof name === "string") return nameParts([name]);
  if (!name || typeof name !== "object") return [];
  const n = name as { schema?: { value?: string }; name?: { value?: string }[] };
  return nameParts([n.schema?.value, ...(n.name ?? []).map((p) => p.value)]);
}

/** A function call in FROM, other than UNNEST (which scans need and which only expands an array). */
function isTableFunction(node: Node, parentKey: string | null): boolean {
  const expr = node.expr as Node | undefined;
  return parentKey === "from" && expr?.type === "function" && functionName(expr.name).join(".") !== "unnest";
}

export const DIALECTS: Record<Exclude<Dialect, "pg">, NspDialect> = {
  // MySQL and MariaDB. Executable comments run on the server while a parser skips them; /*+ MAX_EXECUTION_TIME()
  // */ would lift the engine's time limit. Both refused anywhere in the text, strings included.
  mysql: {
    gate: "mysql",
    grammars: [["mysql", () => import("node-sql-parser/build/mysql.js")]],
    lex: {
      name: "MySQL",
      quotes: "'\"`",
      hash: true,
      dashNeedsSpace: true,
      forbidAnywhere: [
        [/\/\*(!|M!)/i, "executable comments /*! … */ are not allowed"],
        [/\/\*\+/, "optimizer hints /*+ … */ are not allowed"],
      ],
    },
    check(node) {
      refuseNextval(node);
      // Built-ins are never qualified in MySQL, so db.f() is a stored function, and those may write.
      const name = node.type === "function" ? functionName(node.name) : [];
      if (name.length > 1) refuse(`stored function ${clip(name.join("."), 60)} is not allowed (stored functions may write)`);
    },
  },
  tsql: {
    gate: "tsql",
    grammars: [["transactsql", () => import("node-sql-parser/build/transactsql.js")]],
    lex: { name: "T-SQL", quotes: "'\"", brackets: true },
    check(node, parentKey) {
      // `t WITH (UPDLOCK)` parses as a hint, the older `t (UPDLOCK)` as a call of a function t: both are read.
      const hint = parentKey === "from" ? JSON.stringify([node.table_hint, node.type === "expr" ? node.expr : null]) : "";
      const lock = TSQL_LOCK_HINTS.exec(hint);
      if (lock) refuse(`locking table hint ${lock[1].toUpperCase()} is not allowed`);
      if (parentKey === "from" && node.server) refuse("linked-server (four-part) names reach another server");
    },
  },
  trino: {
    gate: "trino",
    // The trino grammar (5.4.0) throws "invalid column clause" on every scalar subquery and EXISTS; the snowflake
    // grammar it was forked from reads them, and TABLE(...) there is a function call that check() refuses.
    grammars: [
      ["trino", () => import("node-sql-parser/build/trino.js")],
      ["snowflake", () => import("node-sql-parser/build/snowflake.js")],
    ],
    lex: { name: "Trino", quotes: "'\"" },
    check(node, parentKey, options) {
      // TABLE(catalog.system.query(...)) passes SQL the gateway cannot see to the source; the grammar does not
      // parse TABLE(...) today, and any table function is refused should it learn to.
      if (isTableFunction(node, parentKey)) refuse("table functions are not allowed (they can pass SQL to the source)");
      if (parentKey === "from" && typeof node.db === "string" && typeof node.schema === "string" && options.catalogs) {
        const allowed = options.catalogs.map((c) => c.toLowerCase());
        if (!allowed.includes(node.db.toLowerCase())) refuse(`catalog ${clip(node.db, 40)} is outside this connection`);
      }
    },
  },
  snowflake: {
    gate: "snowflake",
    grammars: [["snowflake", () => import("node-sql-parser/build/snowflake.js")]],
    lex: {
      name: "Snowflake",
      quotes: "'\"",
      dollar: true,
      slashes: true,
      // Stages are files (COPY INTO, PUT and GET start with other words and are refused before parsing).
      forbid: [["@", "stage references (@stage) are not allowed"]],
    },
    check(node) {
      refuseNextval(node);
      if (node.type === "generator") {
        const specs = (node.generators ?? []) as { type?: string; value?: { type?: string; value?: unknown } }[];
        const rows = specs.find((g) => g.type === "rowcount")?.value;
        const n = rows?.type === "number" ? Number(rows.value) : Infinity;
        if (specs.some((g) => g.type !== "rowcount") || !(n <= MAX_GENERATED_ROWS)) {
          refuse(`GENERATOR needs a literal ROWCOUNT of at most ${MAX_GENERATED_ROWS.toLocaleString("en")}`);
        }
      }
    },
  },
  bigquery: {
    gate: "bigquery",
    grammars: [["bigquery", () => import("node-sql-parser/build/bigquery.js")]],
    lex: {
      name: "BigQuery",
      quotes: "'\"`",
      hash: true,
      forbidAnywhere: [[/'''|"""/, "triple-quoted strings are not supported by the gate"]],
    },
  },
  // node-sql-parser has no ClickHouse grammar. The Hive one is the closest that reads the common scans (backticks,
  // count(), arr[1], LIMIT n, m) and it refuses what ClickHouse adds beyond a plain query: SETTINGS (which would
  // lift limits), FORMAT, and table functions in FROM (url(), s3(), remote(), file()…). ClickHouse-only syntax is
  // therefore refused rather than guessed at; the source's readonly=1 profile is the second line.
  clickhouse: {
    gate: "clickhouse",
    grammars: [["hive", () => import("node-sql-parser/build/hive.js")]],
    lex: { name: "ClickHouse", quotes: "'\"`" },
    check(node, parentKey) {
      if (isTableFunction(node, parentKey)) refuse("table functions are not allowed (they read files or other servers)");
    },
  },
};
