import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { ArgumentValidationError } from "type-graphql";
import { ErrorCode, GatewayError, isErrorCode } from "../errors";

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
    if (original.retryAfterSeconds !== undefined) extensions.retryAfter = original.retryAfterSeconds;
    return { ...base, message: original.message, extensions };
  }
  if (original instanceof ArgumentValidationError) {
    const message = original.extensions.validationErrors
      .flatMap((v) => Object.values(v.constraints ?? {}).map((c) => `${v.property}: ${c}`))
      .join("; ");
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
    return { ...base, message: withoutEchoedValue(formatted.message), extensions: { code } };
  }
  if (typeof code === "string" && (OPERATION_CODES.has(code) || isErrorCode(code))) {
    const retryAfter = formatted.extensions?.retryAfter;
    return { ...base, message: formatted.message, extensions: retryAfter === undefined ? { code } : { code, retryAfter } };
  }
  return { ...base, message: "Internal server error", extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

/** graphql-js coercion messages quote the offending value; a client's own secret must not come back in logs or bodies. */
export function withoutEchoedValue(message: string): string {
  const variable = /^Variable "\$[^"]+" got invalid value .*? at "([^"]+)"; (.*)$/s.exec(message);
  if (variable) return `${variable[1]}: ${variable[2].replace(/:\s[\s\S]*$/, "")}`;
  const plain = /^Variable "\$([^"]+)" got invalid value [\s\S]*?; ([\s\S]*)$/.exec(message);
  if (plain) return `${plain[1]}: ${plain[2].replace(/:\s[\s\S]*$/, "")}`;
  return message.replace(/: .*$/s, "");
}

/** The code a client will see for this error: the logging plugin logs details only for INTERNAL_SERVER_ERROR. */
export function clientCodeOf(error: { message: string; extensions?: Record<string, unknown> }): string {
  return String(formatError({ message: error.message, extensions: error.extensions }, error).extensions?.code);
}
