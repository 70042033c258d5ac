/**
 * Typed errors. Code that fails throws one of these; the edge (src/http/error-format.ts) maps the code to a
 * GraphQL extension and an HTTP status in one switch. Messages are written for users: they name the field or
 * limit and never carry driver text, SQL or secrets (put those in `cause`, which only reaches the server log).
 */
export const ErrorCode = {
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  BAD_USER_INPUT: "BAD_USER_INPUT",
  QUERY_ERROR: "QUERY_ERROR",
  READ_ONLY_VIOLATION: "READ_ONLY_VIOLATION",
  RATE_LIMITED: "RATE_LIMITED",
  UPSTREAM_ERROR: "UPSTREAM_ERROR",
  UPSTREAM_TIMEOUT: "UPSTREAM_TIMEOUT",
  UPSTREAM_UNAVAILABLE: "UPSTREAM_UNAVAILABLE",
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class GatewayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number; problems?: string[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GatewayError";
    this.retryAfterSeconds = options?.retryAfterSeconds;
    this.problems = options?.problems;
  }
  readonly retryAfterSeconds?: number;
  /** One "field: what is wrong" per bad field, when there are several: the edge answers one error for each. */
  readonly problems?: string[];
}

/** The first few problems in full: an answer must not grow with what was sent (2,000 unknown keys). */
const PROBLEMS_SHOWN = 5;

/** Several bad fields at once: one message listing the first few, and each of them on its own for the edge. */
export function badFields(problems: string[]): GatewayError {
  const more = problems.length - PROBLEMS_SHOWN;
  const shown = problems.slice(0, PROBLEMS_SHOWN);
  // The rest, counted, under the top-level field they share (config.a and config.b → config).
  const all = more > 0 ? [...shown, `${(fieldOf(shown[0]) ?? "input").split(".")[0]}: and ${more} more problems`] : shown;
  return new GatewayError(ErrorCode.BAD_USER_INPUT, all.join("; "), { problems: all });
}

/** The field a message is about, when it starts with one ("config.host: required" → config.host). */
export function fieldOf(message: string): string | null {
  return /^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*): /.exec(message)?.[1] ?? null;
}

export const unauthenticated = () => new GatewayError(ErrorCode.UNAUTHENTICATED, "Not authorized");
export const forbidden = (message: string) => new GatewayError(ErrorCode.FORBIDDEN, message);
export const notFound = (what: string) => new GatewayError(ErrorCode.NOT_FOUND, `${what} not found`);
export const badInput = (message: string, cause?: unknown) => new GatewayError(ErrorCode.BAD_USER_INPUT, message, { cause });
/** Labels are unique among an account's live connections: a duplicate is a conflict (409), as Lytics answers it. */
export const labelTaken = (label: string, cause?: unknown) => new GatewayError(ErrorCode.CONFLICT, `label: a connection labelled '${label}' already exists`, { cause });

/** The HTTP status for every code: the single table that both GraphQL and /v2 use. */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.UNAUTHENTICATED:
      return 401;
    case ErrorCode.FORBIDDEN:
      return 403;
    case ErrorCode.NOT_FOUND:
      return 404;
    case ErrorCode.CONFLICT:
      return 409;
    case ErrorCode.BAD_USER_INPUT:
    case ErrorCode.QUERY_ERROR:
    case ErrorCode.READ_ONLY_VIOLATION:
      return 400;
    case ErrorCode.RATE_LIMITED:
      return 429;
    case ErrorCode.UPSTREAM_ERROR:
      return 502;
    case ErrorCode.UPSTREAM_TIMEOUT:
      return 504;
    case ErrorCode.UPSTREAM_UNAVAILABLE:
      return 503;
    case ErrorCode.INTERNAL_SERVER_ERROR:
      return 500;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && value in ErrorCode;
}
