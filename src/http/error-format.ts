import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { ArgumentValidationError } from "type-graphql";
import { ErrorCode, fieldOf, GatewayError, isErrorCode } from "../errors";

/** Apollo's own codes for a malformed operation: their messages are about the query text, safe to show. */
const OPERATION_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
]);

/**
 * The one place errors become what a client sees. Typed errors keep their code and message; argument validation
 * becomes BAD_USER_INPUT naming each field (without echoing values); anything else becomes INTERNAL_SERVER_ERROR
 * with no detail (the request id is added per request, see the logging plugin).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const base = { locations: formatted.locations, path: formatted.path };
  if (original instanceof GatewayError) {
    const extensions: Record<string, unknown> = { code: original.code };
    const field = fieldOf(original.message);
    if (field) extensions.field = field;
    if (original.retryAfterSeconds !== undefined) extensions.retryAfter = original.retryAfterSeconds;
    // Expanded into one error per field just before the response goes out (see oneErrorPerField).
    if (original.problems && original.problems.length > 1) extensions.problems = original.problems;
    return { ...base, message: original.message, extensions };
  }
  if (original instanceof ArgumentValidationError) {
    const message = original.extensions.validationErrors.flatMap((v) => Object.values(v.constraints ?? {}).map((c) => `${v.property}: ${c}`)).join("; ");
    return { ...base, message: message || "invalid argument", extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  const code = formatted.extensions?.code;
  // graphql-js's own argument checks at execution time (a null for a non-null argument): the caller's mistake.
  if (code === undefined && original instanceof GraphQLError && !original.originalError && /^Argument "[^"]+" /.test(original.message)) {
    return { ...base, message: original.message, extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  if (code === ErrorCode.INTERNAL_SERVER_ERROR) {
    const requestId = formatted.extensions?.requestId;
    return { ...base, message: "Internal server error", extensions: requestId ? { code, requestId } : { code } };
  }
  if (code === "BAD_USER_INPUT") {
    const message = withoutEchoedValue(formatted.message);
    const field = fieldOf(message);
    return { ...base, message, extensions: field ? { code, field } : { code } };
  }
  if (typeof code === "string" && (OPERATION_CODES.has(code) || isErrorCode(code))) {
    const retryAfter = formatted.extensions?.retryAfter;
    return { ...base, message: formatted.message, extensions: retryAfter === undefined ? { code } : { code, retryAfter } };
  }
  return { ...base, message: "Internal server error", extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

const NAME = String.raw`[_A-Za-z][_0-9A-Za-z]*`;
const TYPE = String.raw`\[*${NAME}!?\]*!?\]*!?`;
/** graphql-js's own explanations after a coercion failure, as far as they carry no value of the client's. */
const SAFE_REASONS = [
  new RegExp(String.raw`^Field "${NAME}" is not defined by type "${NAME}"\.`),
  new RegExp(String.raw`^Field "${NAME}" of required type "${TYPE}" was not provided\.`),
  new RegExp(String.raw`^Expected non-nullable type "${TYPE}" not to be null\.`),
  new RegExp(String.raw`^Expected type "${TYPE}"\.`),
  new RegExp(String.raw`^(?:Int|Float|String|Boolean|ID) cannot represent [a-z -]+(?=:|$)`),
];

/**
 * graphql-js coercion messages quote the offending value (`Variable "$input" got invalid value {…password…} at
 * "input.label"; Expected type "Int".`), and a value can contain anything, "; " and quotes included, so it cannot be
 * cut out by pattern. Only the variable's name, a path of identifiers and one of graphql-js's own explanations
 * from a fixed list are kept; everything else is dropped, so a client's secret never comes back in a body or a log.
 */
export function withoutEchoedValue(message: string): string {
  const variable = /^Variable "\$([_A-Za-z][_0-9A-Za-z]*)" got invalid value /.exec(message);
  if (!variable) return message.replace(/: .*$/s, "");
  const rest = message.slice(variable[0].length);
  // The last "; " followed by an explanation from the list: graphql-js puts its own text after the value.
  let reason: string | null = null;
  let at = -1;
  for (let i = rest.lastIndexOf("; "); i >= 0 && reason === null; i = rest.lastIndexOf("; ", i - 1)) {
    const tail = rest.slice(i + 2);
    const safe = SAFE_REASONS.map((r) => r.exec(tail)?.[0]).find(Boolean);
    if (safe) [reason, at] = [safe, i];
  }
  if (reason === null) return `${variable[1]}: invalid value`;
  const path = /(?:^|\s)at "([_A-Za-z][_0-9A-Za-z.[\]]*)"$/.exec(rest.slice(0, at))?.[1];
  return `${path ?? variable[1]}: ${reason}`;
}

/** The code a client will see for this error: the logging plugin logs details only for INTERNAL_SERVER_ERROR. */
export function clientCodeOf(error: { message: string; extensions?: Record<string, unknown> }): string {
  return String(formatError({ message: error.message, extensions: error.extensions }, error).extensions?.code);
}

/**
 * An error about several fields becomes one error per field, each with `extensions.field`, so a form can mark every
 * input it is about; the others pass unchanged.
 */
export function oneErrorPerField(errors: readonly GraphQLFormattedError[]): GraphQLFormattedError[] {
  return errors.flatMap((e) => {
    const problems = e.extensions?.problems;
    if (!Array.isArray(problems)) return [e];
    const { problems: _expanded, ...extensions } = e.extensions!;
    return (problems as string[]).map((message) => {
      const field = fieldOf(message);
      return { ...e, message, extensions: field ? { ...extensions, field } : extensions };
    });
  });
}
