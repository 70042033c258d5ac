import { lex } from "./lexer";
import { functionName, type NspDialect } from "./dialects";
import { deniedFunction } from "./side-effect-functions";
import { clip, refuse, type GateOptions } from "./verdict";

/**
 * Every dialect but PostgreSQL, through node-sql-parser. Its grammars are approximations of the real ones, so the
 * gate leans on what they are good at (the shape of a SELECT) and refuses the rest: the text is first lexed with
 * the source's rules (lexer.ts), must start like a query, must parse to exactly one `select`, and the tree is then
 * searched for the classes that write, lock, or reach outside. Anything the grammar cannot read is refused.
 */
type Node = Record<string, unknown>;
interface ParserLike {
  parse(sql: string, options: { database: string }): { ast: unknown; tableList: string[] };
}

const parsers = new Map<string, ParserLike>();

/** Statement types node-sql-parser produces that are not queries, wherever they appear. */
const NON_QUERY: Record<string, string> = {
  insert: "INSERT modifies data",
  replace: "REPLACE modifies data",
  update: "UPDATE modifies data",
  delete: "DELETE modifies data",
  merge: "MERGE modifies data",
  create: "DDL statement (CREATE) is not allowed",
  drop: "DDL statement (DROP) is not allowed",
  alter: "DDL statement (ALTER) is not allowed",
  truncate: "TRUNCATE modifies data",
  rename: "DDL statement (RENAME) is not allowed",
  grant: "GRANT changes privileges",
  revoke: "REVOKE changes privileges",
  use: "USE changes the session's database or role",
  set: "SET changes session settings",
  lock: "LOCK takes a table lock",
  unlock: "UNLOCK changes table locks",
  call: "CALL runs a procedure",
  exec: "EXEC runs a procedure",
  execute: "EXECUTE runs a procedure or dynamic SQL",
  declare: "DECLARE is not a query",
  transaction: "transaction control is not allowed",
  load_data: "LOAD DATA reads a file",
  show: "SHOW is not a query",
  desc: "DESCRIBE is not a query",
  explain: "EXPLAIN is not allowed in this dialect",
  assign: "variable assignment (:=) changes session state",
};

export async function checkWithNodeSqlParser(sql: string, dialect: NspDialect, options: GateOptions): Promise<string> {
  const { text, statements } = lex(sql, dialect.lex);
  if (statements === 0) refuse("the statement is empty");
  if (statements > 1) refuse(`only one statement is allowed (found ${statements})`);
  // Decided on the first word: clearer than a parse error for EXEC, CALL, SET… and the grammars parse some of them.
  const first = /^[(\s]*([A-Za-z_]+)/.exec(text)?.[1]?.toUpperCase() ?? clip(text, 10);
  if (first !== "SELECT" && first !== "WITH") {
    refuse(`only queries (SELECT or WITH) can run; this statement starts with ${clip(first, 20)}`);
  }
  let parsed: { ast: unknown; tableList: string[] } | undefined;
  let firstError: unknown;
  for (const [database, load] of dialect.grammars) {
    try {
      parsed = (await grammar(database, load)).parse(text, { database });
      break;
    } catch (error) {
      firstError ??= error;
    }
  }
  if (!parsed) refuse(`statement does not parse as ${dialect.lex.name}: ${parseError(text, firstError)}`);
  const asts = Array.isArray(parsed.ast) ? parsed.ast : [parsed.ast];
  if (asts.length !== 1) refuse(`only one statement is allowed (found ${asts.length})`);
  const top = asts[0] as Node;
  const type = String(top?.type);
  if (type !== "select") refuse(NON_QUERY[type] ?? `${clip(type, 20).toUpperCase()} is not a query`);
  walk(top, dialect, options, null);
  // tableList names every table with what the statement does to it: anything but select:: is a write somewhere.
  const written = parsed.tableList.find((entry) => !/^select::/i.test(entry));
  if (written) refuse(`${written.split("::")[0].toUpperCase()} of a table is not allowed`);
  return text;
}

function walk(value: unknown, dialect: NspDialect, options: GateOptions, parentKey: string | null): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, dialect, options, parentKey);
    return;
  }
  if (!value || typeof value !== "object") return;
  const node = value as Node;
  const type = typeof node.type === "string" ? node.type.toLowerCase() : null;
  // Subqueries and CTE bodies hang from `ast`; `type` elsewhere also means ASC/DESC, so only there is it checked.
  if (parentKey === "ast" && type !== "select") refuse(NON_QUERY[type ?? ""] ?? "only SELECT subqueries are allowed");
  if (type === "assign") refuse(NON_QUERY.assign);
  const into = node.into as Node | null | undefined;
  if (into && (into.expr || into.keyword || into.type === "into")) {
    const keyword = String(into.keyword ?? "").toUpperCase();
    if (keyword === "OUTFILE" || keyword === "DUMPFILE") refuse(`SELECT … INTO ${keyword} writes a file`);
    refuse("SELECT … INTO creates a table or sets variables");
  }
  if (node.locking_read) {
    const clause = typeof node.locking_read === "string" ? node.locking_read.toUpperCase() : "FOR UPDATE";
    refuse(`row-locking clause ${clip(clause, 30)} is not allowed`);
  }
  if (type === "function" || type === "aggr_func" || type === "window_func") {
    const denied = deniedFunction(dialect.gate, functionName(node.name));
    if (denied) refuse(denied);
  }
  dialect.check?.(node, parentKey, options);
  for (const [key, child] of Object.entries(node)) walk(child, dialect, options, key);
}

async function grammar(database: string, load: () => Promise<unknown>): Promise<ParserLike> {
  let parser = parsers.get(database);
  if (!parser) {
    // One grammar file per dialect, loaded on first use: the all-grammars bundle is 2.4 MB.
    const mod = (await load()) as { Parser?: new () => ParserLike; default?: { Parser?: new () => ParserLike } };
    const Parser = mod.Parser ?? mod.default?.Parser;
    if (!Parser) throw new Error(`node-sql-parser grammar ${database} has no Parser`);
    parser = new Parser();
    parsers.set(database, parser);
  }
  return parser;
}

/** pegjs lists every token it expected; the user gets the place and what was found there. */
function parseError(text: string, error: unknown): string {
  const start = (error as { location?: { start?: { offset: number; line: number; column: number } } }).location?.start;
  if (!start) return "syntax error";
  const near = text.slice(start.offset, start.offset + 20);
  const where = near ? ` near "${clip(near, 20)}"` : " (unexpected end)";
  return `syntax error at line ${start.line}, column ${start.column}${where}`;
}
