import { loadModule, parseSync, scanSync } from "libpg-query";
import { PG_OPERATORS, PG_READ_ONLY_FUNCTIONS } from "./pg-builtins";
import { deniedFunction, PG_SAFE_VOLATILE, REDSHIFT_FUNCTIONS } from "./side-effect-functions";
import type { SourceCode } from "../datasources/engines/query-engine";
import { MAX_GENERATED_ROWS } from "../limits";
import { clip, refuse, refuseSyntax, seriesLength } from "./verdict";

/**
 * PostgreSQL and Redshift, through libpg-query: PostgreSQL 18's own parser, so the gate reads the text exactly as
 * the server does (no normalisation is needed or done). Allowlist: one SelectStmt (SELECT, WITH, VALUES, TABLE,
 * set operations) or an EXPLAIN without ANALYZE of one; then nothing anywhere in the tree that writes, locks, or
 * calls a function or operator that is not a reviewed built-in.
 */
type Node = Record<string, unknown>;

let loading: Promise<void> | undefined;

const DML: Record<string, string> = { InsertStmt: "INSERT", UpdateStmt: "UPDATE", DeleteStmt: "DELETE", MergeStmt: "MERGE" };
const STATEMENTS: Record<string, string> = {
  CreateTableAsStmt: "CREATE TABLE AS creates a table",
  CopyStmt: "COPY reads or writes files",
  CallStmt: "CALL runs a procedure",
  DoStmt: "DO runs procedural code",
  ExecuteStmt: "EXECUTE runs a prepared statement",
  PrepareStmt: "PREPARE creates a prepared statement",
  VariableShowStmt: "SHOW is not a query (use current_setting())",
  ListenStmt: "LISTEN changes the session's subscriptions",
  UnlistenStmt: "UNLISTEN changes the session's subscriptions",
  NotifyStmt: "NOTIFY sends a notification",
  LockStmt: "LOCK takes a table lock",
  TransactionStmt: "transaction control (BEGIN, COMMIT, …) is not allowed",
  VacuumStmt: "VACUUM and ANALYZE write statistics",
  TruncateStmt: "TRUNCATE modifies data",
  RefreshMatViewStmt: "REFRESH MATERIALIZED VIEW rewrites a relation",
  CommentStmt: "COMMENT ON writes the catalog",
};
const DDL = /^(Create|Alter|Drop|Rename|Grant|Revoke|Define|Index|View|Rule|Reindex|Cluster|SecLabel|Import)/;
/** Sampling methods are C handlers: the built-in two and the two contrib ones are known to only read. */
const SAMPLING = /^(system|bernoulli|system_rows|system_time)$/;
const LOCKS: Record<string, string> = {
  LCS_FORUPDATE: "FOR UPDATE",
  LCS_FORNOKEYUPDATE: "FOR NO KEY UPDATE",
  LCS_FORSHARE: "FOR SHARE",
  LCS_FORKEYSHARE: "FOR KEY SHARE",
};

/** Names a statement reaches, lower case, collected by the walk: what the source's own code is compared with. */
interface Reach {
  calls: Set<string>;
  fields: Set<string>;
  operators: Set<string>;
  types: Set<string>;
  relations: Set<string>;
}

/**
 * `sourceCode` is asked for only once the statement passed every other check, so a refused statement never costs
 * the source a look-up; the text is parsed once either way.
 */
export async function checkPostgres(sql: string, sourceCode?: () => Promise<SourceCode>): Promise<string> {
  await (loading ??= loadModule());
  let stmts: { stmt: Node }[];
  try {
    stmts = (parseSync(sql).stmts ?? []) as unknown as { stmt: Node }[];
  } catch (error) {
    refuseSyntax(`statement does not parse as PostgreSQL: ${parseError(sql, error)}`);
  }
  if (stmts.length === 0) refuse("the statement is empty");
  if (stmts.length > 1) refuse(`only one statement is allowed (found ${stmts.length})`);
  const [kind, body] = Object.entries(stmts[0].stmt)[0] as [string, Node];
  const bytes = Buffer.from(sql, "utf8");
  const reach: Reach = { calls: new Set(), fields: new Set(), operators: new Set(), types: new Set(), relations: new Set() };
  if (kind === "ExplainStmt") {
    const options = (body.options ?? []) as { DefElem?: { defname?: string } }[];
    if (options.some((o) => o.DefElem?.defname?.toLowerCase() === "analyze")) refuse("EXPLAIN ANALYZE executes the statement");
    const [inner, query] = Object.entries(body.query as Node)[0] as [string, Node];
    if (inner !== "SelectStmt") refuse(`EXPLAIN is allowed only for a query; ${statementReason(inner, query)}`);
    walk(query, bytes, false, reach);
  } else {
    if (kind !== "SelectStmt") refuse(statementReason(kind, body));
    walk(body, bytes, false, reach);
  }
  if (sourceCode) checkSourceCode(reach, await sourceCode());
  return statementText(sql, bytes);
}

function statementReason(kind: string, body: Node): string {
  if (DML[kind]) return `${DML[kind]} modifies data`;
  if (kind === "VariableSetStmt") {
    const name = String(body.name ?? "")
      .replace(/_/g, " ")
      .toUpperCase();
    if (String(body.kind).startsWith("VAR_RESET")) return "RESET changes session settings";
    if (name === "ROLE" || name === "SESSION AUTHORIZATION") return `SET ${name} changes the session's privileges`;
    return `SET ${clip(name, 40)} changes session settings`.replace("SET  ", "SET ");
  }
  if (STATEMENTS[kind]) return STATEMENTS[kind];
  const words = kind
    .replace(/Stmt$/, "")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toUpperCase();
  if (DDL.test(kind)) return `DDL statement (${words}) is not allowed`;
  return `${words} is not a query (only read-only queries can run)`;
}

/** Depth-first over every node: the classes refused anywhere, not only at the top. */
function walk(value: unknown, bytes: Buffer, inCte: boolean, reach: Reach): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, bytes, inCte, reach);
    return;
  }
  if (!value || typeof value !== "object") return;
  for (const [key, child] of Object.entries(value as Node)) {
    if (key === "intoClause") refuse("SELECT … INTO creates a table");
    if (key === "lockingClause") {
      const strength = (child as { LockingClause?: { strength?: string } }[])[0]?.LockingClause?.strength ?? "";
      refuse(`row-locking clause ${LOCKS[strength] ?? "FOR UPDATE"} is not allowed`);
    }
    if (DML[key]) refuse(inCte ? `data-modifying CTE (${DML[key]}) is not allowed` : `${DML[key]} modifies data`);
    if (/^[A-Z]\w*Stmt$/.test(key) && key !== "SelectStmt") refuse(statementReason(key, child as Node));
    if (key === "FuncCall") checkFunction(child as Node, bytes);
    if (key === "A_Expr") checkOperator(child as Node);
    // Operators named outside an A_Expr: `x OPERATOR(s.===) ANY (SELECT …)` and `ORDER BY x USING ===`.
    if (key === "SubLink" && (child as Node).operName) checkOperator({ name: (child as Node).operName });
    if (key === "SortBy" && (child as Node).useOp) checkOperator({ name: (child as Node).useOp });
    collect(key, child as Node, reach);
    if (key === "RangeTableSample" && !SAMPLING.test(strings((child as Node).method).join("."))) {
      refuse("only the SYSTEM and BERNOULLI sampling methods are allowed");
    }
    walk(child, bytes, inCte || key === "CommonTableExpr", reach);
  }
}

const lower = (list: unknown) => strings(list).map((s) => s.toLowerCase());

/** What PostgreSQL looks up by name where no operator is written: sorting, grouping, DISTINCT, UNION, BETWEEN. */
const COMPARISONS = ["=", "<>", "<", ">", "<=", ">="];
const ORDERING = new Set(["sortClause", "distinctClause", "groupClause", "partitionClause", "orderClause"]);

/**
 * Records the names a node reaches: the function it calls, the fields it reads, the type it casts to, and every
 * operator it uses, written or implied (`CASE x WHEN`, `JOIN … USING`, `IN (SELECT …)`, `BETWEEN`, `ORDER BY`), since
 * each is resolved by name and a source's own `=` for its argument types would be picked.
 */
function collect(key: string, node: Node, reach: Reach): void {
  const ops = (names: Iterable<string>) => {
    for (const n of names) reach.operators.add(n);
  };
  if (key === "FuncCall") reach.calls.add(lower(node.funcname).at(-1) ?? "");
  if (key === "ColumnRef") for (const f of lower(node.fields)) reach.fields.add(f);
  if (key === "A_Indirection") for (const f of lower(node.indirection)) reach.fields.add(f);
  if (key === "A_Expr") ops(/BETWEEN/.test(String(node.kind)) ? COMPARISONS : [lower(node.name).at(-1) ?? ""]);
  if (key === "SubLink" && (node.operName || node.subLinkType === "ANY_SUBLINK")) ops([lower(node.operName).at(-1) ?? "="]);
  if (key === "SortBy" && node.useOp) ops([lower(node.useOp).at(-1) ?? ""]);
  if ((key === "CaseExpr" && node.arg) || (key === "JoinExpr" && (node.usingClause || node.isNatural))) ops(["="]);
  // UNION ALL compares nothing, but the flag sits beside `op` where the walk cannot see it: counted too (fail closed).
  if ((ORDERING.has(key) && Array.isArray(node) && node.length > 0) || (key === "op" && /UNION|INTERSECT|EXCEPT/.test(String(node)))) {
    ops(COMPARISONS);
  }
  if (key === "typeName" || key === "TypeName") reach.types.add(lower(node.names).at(-1) ?? "");
  if (key === "RangeVar") reach.relations.add(String(node.relname ?? "").toLowerCase());
}

/**
 * The source's own code, reached without a non-built-in name: `abs('x')` picks public.abs(text) by overloading,
 * `t.f` and `(t).f` call f(t), `'a' = 1` may pick a user operator, a cast runs a domain's checks or a type's I/O.
 * Names compare in lower case, so a quoted spelling is refused too (fail closed).
 */
function checkSourceCode(reach: Reach, own: SourceCode): void {
  if (own.refuseAll) refuse(own.refuseAll);
  const first = (names: Set<string>, defined: ReadonlySet<string>) => [...names].find((n) => defined.has(n));
  const call = first(reach.calls, own.functions);
  if (call) refuse(`${clip(call, 40)}() is also defined by the source outside pg_catalog; it could run the source's own code`);
  const field = first(reach.fields, own.functions);
  if (field) refuse(`${clip(field, 40)} names a function the source defines (t.${clip(field, 40)} calls it on the row)`);
  const op = first(reach.operators, own.operators);
  if (op) refuse(`operator ${clip(op, 20)} is also defined by the source outside pg_catalog`);
  const type = first(reach.types, own.types);
  if (type) refuse(`type ${clip(type, 40)} is defined by the source; casting to it runs its own code`);
  const relation = first(reach.relations, own.relations);
  if (relation) refuse(`${clip(relation, 40)} runs the source's own code when read (a view or row policy calls it)`);
}

const strings = (list: unknown): string[] => ((list ?? []) as { String?: { sval?: string } }[]).map((n) => n.String?.sval ?? "");

function checkFunction(call: Node, bytes: Buffer): void {
  const parts = strings(call.funcname);
  const shown = clip(parts.join("."), 60);
  // A quoted name is case-sensitive: "Now"() is not now(). Built-ins never need quotes, so quoting is refused.
  if (call.funcformat === "COERCE_EXPLICIT_CALL" && typeof call.location === "number" && call.location >= 0) {
    const open = bytes.indexOf("(", call.location);
    if (bytes.subarray(call.location, open < 0 ? undefined : open).includes('"')) {
      refuse(`quoted function name ${shown} is not allowed (write built-in functions unquoted)`);
    }
  }
  const lower = parts.map((p) => p.toLowerCase());
  const denied = deniedFunction("pg", lower);
  if (denied) refuse(denied);
  const name = lower[lower.length - 1];
  const builtIn = PG_READ_ONLY_FUNCTIONS.has(name) || PG_SAFE_VOLATILE.has(name) || REDSHIFT_FUNCTIONS.has(name) || /^pg_stat_get_/.test(name);
  if (!builtIn || (lower.length > 1 && lower[0] !== "pg_catalog") || lower.length > 2) {
    refuse(`function ${shown} is not a reviewed built-in (user-defined and volatile functions may write)`);
  }
  if (name === "generate_series") checkSeries((call.args ?? []) as Node[]);
}

/** User-defined operators call user-defined functions: only built-in symbols, unqualified or in pg_catalog. */
function checkOperator(expr: Node): void {
  const parts = strings(expr.name);
  const op = parts[parts.length - 1] ?? "";
  if (!/^[~!@#%^&*+\-<>=|`?/]+$/.test(op)) return; // BETWEEN, LIKE and friends are spelled as words here
  if ((parts.length > 1 && parts[0] !== "pg_catalog") || !PG_OPERATORS.has(op)) {
    refuse(`operator ${clip(parts.join("."), 30)} is not a built-in operator (user-defined operators run functions)`);
  }
}

/** `generate_series(1, 1e12)` under count(*) burns CPU whatever the LIMIT: literal bounds, at most 10M rows. */
function checkSeries(args: Node[]): void {
  const [start, stop, step] = args.map(literal);
  let rows: number;
  if (typeof start === "number" && typeof stop === "number" && (args.length === 2 || typeof step === "number")) {
    rows = seriesLength(start, stop, typeof step === "number" ? step : 1);
  } else if (typeof start === "string" && typeof stop === "string" && typeof step === "string") {
    rows = seriesLength(Date.parse(start) / 1000, Date.parse(stop) / 1000, intervalSeconds(step));
  } else {
    refuse("generate_series needs literal bounds (numbers, or dates with an interval step)");
  }
  if (rows > MAX_GENERATED_ROWS) {
    refuse(`generate_series over more than ${MAX_GENERATED_ROWS.toLocaleString("en")} rows is not allowed`);
  }
}

function literal(node: Node): number | string | null {
  if (node.TypeCast) return literal((node.TypeCast as Node).arg as Node);
  const c = node.A_Const as { ival?: { ival?: number }; fval?: { fval?: string }; sval?: { sval?: string } } | undefined;
  if (c?.ival) return c.ival.ival ?? 0; // libpg-query omits zero values
  if (c?.fval) return Number(c.fval.fval);
  if (c?.sval) return c.sval.sval ?? "";
  return null;
}

const UNIT_SECONDS: Record<string, number> = {
  ...{ second: 1, sec: 1, minute: 60, min: 60, hour: 3600, day: 86400, week: 604800 },
  ...{ month: 2592000, mon: 2592000, year: 31536000 },
};

function intervalSeconds(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)?\s*(second|sec|minute|min|hour|day|week|month|mon|year)s?\s*$/i.exec(text);
  return m ? Number(m[1] ?? 1) * UNIT_SECONDS[m[2].toLowerCase()] : NaN;
}

/** The statement without leading/trailing comments and semicolons (offsets from libpg-query are in bytes). */
function statementText(sql: string, bytes: Buffer): string {
  const tokens = scanSync(sql).tokens;
  for (const t of tokens) {
    // Redshift (also served as `pg`) may not nest comments the way PostgreSQL does: refused rather than guessed.
    if (t.tokenName === "C_COMMENT" && t.text.indexOf("/*", 2) >= 0) refuse("nested block comments are not allowed");
  }
  const code = tokens.filter((t) => t.tokenName !== "C_COMMENT" && t.tokenName !== "SQL_COMMENT");
  while (code.length > 0 && code[code.length - 1].text === ";") code.pop();
  while (code.length > 0 && code[0].text === ";") code.shift();
  return bytes.subarray(code[0].start, code[code.length - 1].end).toString("utf8");
}

function parseError(sql: string, error: unknown): string {
  const details = (error as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
  const raw = details?.message ?? (error as Error).message ?? "syntax error";
  // The parser quotes the text it stopped at, which can be a whole unterminated string: clipped.
  const message = raw.replace(/"([^"]*)"/, (_m, near: string) => `"${clip(near, 30)}"`);
  const at = details?.cursorPosition;
  if (typeof at !== "number" || at < 0) return clip(message, 120);
  const char = Buffer.from(sql, "utf8").subarray(0, at).toString("utf8").length + 1;
  return `${clip(message, 100)} (at character ${char})`;
}
