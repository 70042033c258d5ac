import { refuse } from "./verdict";

/**
 * A small lexer that follows the SOURCE's rules for quotes and comments, used before node-sql-parser.
 *
 * Why: a gate is bypassed when it and the server split the text differently. node-sql-parser's grammars read
 * comments their own way (the trino grammar nests block comments and knows `//`, the mysql grammar reads `--1` as a
 * comment where MySQL reads minus minus one), so `SELECT 1 /* /* *\/ , evil() -- *\/` can look harmless to the
 * parser and not to Trino. So this lexer blanks every comment out (same length, newlines kept, positions intact),
 * refuses markers whose meaning differs between the two, counts statements, and hands back the text that both the
 * parser and the engine then see. Nothing inside a string or quoted identifier is ever changed.
 */
export interface LexRules {
  /** For messages: "MySQL". */
  readonly name: string;
  /** Characters that open a quoted token closed by the same character; doubling it inside is a literal one. */
  readonly quotes: string;
  /** `[identifier]` with `]]` inside (T-SQL). */
  readonly brackets?: boolean;
  /** `$$…$$` strings (Snowflake). */
  readonly dollar?: boolean;
  /** `#` starts a line comment (MySQL, BigQuery). */
  readonly hash?: boolean;
  /** `//` starts a line comment (Snowflake). */
  readonly slashes?: boolean;
  /** `--` is a comment only before whitespace or the end (MySQL; `1--1` is 1 - -1 there). */
  readonly dashNeedsSpace?: boolean;
  /** Extra text refused outside strings, e.g. `@` stages in Snowflake. */
  readonly forbid?: readonly (readonly [marker: string, why: string])[];
  /** Refused anywhere, strings included: MySQL's executable comments, BigQuery's triple quotes. */
  readonly forbidAnywhere?: readonly (readonly [pattern: RegExp, why: string])[];
}

interface Lexed {
  /** The statement with comments blanked and the trailing `;` removed, trimmed. */
  readonly text: string;
  readonly statements: number;
}

/** Space-like characters a pasted query often carries; outside strings they become a plain space. */
const ODD_SPACE = /[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/;
/** Invisible or control characters: lexers disagree on them, so they are refused outside strings. */
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u2060-\u2064\ufeff]/;

export function lex(sql: string, rules: LexRules): Lexed {
  for (const [pattern, why] of rules.forbidAnywhere ?? []) if (pattern.test(sql)) refuse(why);
  const out: string[] = [];
  let statements = 0;
  let current = false; // the statement being read has some code
  let i = 0;
  const markers = [...ambiguousMarkers(rules), ...(rules.forbid ?? [])];
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) out.push(sql[k] === "\n" ? "\n" : " ");
  };
  const lineEnd = (from: number) => {
    const end = sql.indexOf("\n", from);
    return end < 0 ? sql.length : end;
  };
  while (i < sql.length) {
    const ch = sql[i];
    const two = sql.slice(i, i + 2);
    let end = -1;
    if (rules.quotes.includes(ch)) end = closeQuoted(sql, i, ch);
    else if (rules.brackets && ch === "[") end = closeQuoted(sql, i, "]");
    else if (rules.dollar && two === "$$") {
      end = sql.indexOf("$$", i + 2);
      if (end < 0) refuse("unterminated $$ string");
      end += 2;
    }
    if (end >= 0) {
      out.push(sql.slice(i, end));
      current = true;
      i = end;
      continue;
    }
    const dashComment = two === "--" && (!rules.dashNeedsSpace || i + 2 >= sql.length || /\s|[\u0000-\u001f]/.test(sql[i + 2]));
    if (dashComment || (rules.hash && ch === "#") || (rules.slashes && two === "//")) {
      end = lineEnd(i);
      blank(i, end);
      i = end;
      continue;
    }
    if (two === "/*") {
      end = sql.indexOf("*/", i + 2);
      if (end < 0) refuse("unterminated /* comment");
      const body = sql.slice(i + 2, end);
      // Nesting differs by server (PostgreSQL and T-SQL nest, MySQL and Trino do not): refused, not guessed.
      if (body.includes("/*")) refuse("nested block comments are not allowed");
      blank(i, end + 2);
      i = end + 2;
      continue;
    }
    for (const [marker, why] of markers) {
      if (sql.startsWith(marker, i)) refuse(why);
    }
    if (ch === ";") {
      if (current) statements++;
      current = false;
      out.push(ch);
    } else if (ODD_SPACE.test(ch)) out.push(" ");
    else if (INVISIBLE.test(ch)) {
      const code = ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
      refuse(`invisible character U+${code} outside a string is not allowed`);
    } else {
      if (!/\s/.test(ch)) current = true;
      out.push(ch);
    }
    i++;
  }
  if (current) statements++;
  const text = out
    .join("")
    .replace(/^[\s;]+/, "")
    .replace(/[\s;]+$/, "");
  return { text, statements };
}

/** Index just past the quote that closes the token opened at `start`; a doubled quote does not close it. */
function closeQuoted(sql: string, start: number, close: string): number {
  let from = start + 1;
  for (;;) {
    const at = sql.indexOf(close, from);
    if (at < 0) refuse("unterminated quoted string or identifier");
    if (sql[at + 1] !== close) return at + 1;
    from = at + 2;
  }
}

/** Comment and quote openers this server does not have but some node-sql-parser grammar does. */
function ambiguousMarkers(rules: LexRules): [string, string][] {
  const why = (m: string) => `"${m}" outside a string is read differently by ${rules.name} and by the gate`;
  const markers: [string, string][] = [
    ["*/", why("*/")],
    ["--", why("--")],
  ];
  if (!rules.hash) markers.push(["#", why("#")]);
  if (!rules.slashes) markers.push(["//", why("//")]);
  if (!rules.dollar) markers.push(["$$", why("$$")]);
  if (!rules.quotes.includes("`")) markers.push(["`", why("`")]);
  return markers;
}
