import { ErrorCode } from "../../errors";

/**
 * Each gateway error code → the nearest code of Lytics' published v2 error enum (lioerrors.ApiV2ErrorOut), sent
 * beside ours as `lytics_code`, so a client written for Lytics can branch on the codes it knows. Lytics has no code
 * for a conflict or a rate limit: the nearest are its generic bad request and its unclassified error. Problems at
 * the source are server-side errors to a Lytics client (retry once, then report), as they are to ours.
 */
export const LYTICS_CODES: Record<ErrorCode, string> = {
  [ErrorCode.UNAUTHENTICATED]: "UNAUTHORIZED-017",
  [ErrorCode.FORBIDDEN]: "FORBIDDEN-026",
  [ErrorCode.NOT_FOUND]: "NOTFOUND-003",
  [ErrorCode.CONFLICT]: "BADREQ-001",
  [ErrorCode.BAD_USER_INPUT]: "BADREQ-001",
  [ErrorCode.QUERY_ERROR]: "BADREQ-001",
  [ErrorCode.READ_ONLY_VIOLATION]: "BADREQ-001",
  [ErrorCode.RATE_LIMITED]: "UNKNOWN-000",
  [ErrorCode.UPSTREAM_ERROR]: "INTERNAL-019",
  [ErrorCode.UPSTREAM_TIMEOUT]: "INTERNAL-019",
  [ErrorCode.UPSTREAM_UNAVAILABLE]: "INTERNAL-019",
  [ErrorCode.INTERNAL_SERVER_ERROR]: "INTERNAL-019",
};

/** Lytics' own code for a body that is not valid JSON: more precise than the generic one. */
export const LYTICS_INVALID_JSON = "JSON-BADREQ-025";

/** Every Lytics code the gateway sends (for the OpenAPI enum). */
export const LYTICS_SENT = [...new Set([...Object.values(LYTICS_CODES).filter((c) => c !== LYTICS_CODES.UNAUTHENTICATED), LYTICS_INVALID_JSON])].sort();

export function lyticsCodeOf(code: string): string {
  return LYTICS_CODES[code as ErrorCode] ?? "UNKNOWN-000";
}
