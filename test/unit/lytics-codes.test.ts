import { describe, expect, it } from "vitest";
import { ErrorCode, httpStatusOf } from "../../src/errors";
import { LYTICS_CODES, LYTICS_INVALID_JSON, LYTICS_SENT } from "../../src/http/rest/lytics-codes";

/** Lytics' published v2 error enum (lioerrors.ApiV2ErrorOut.code), verbatim. */
const LYTICS_ENUM = [
  "UNKNOWN-000",
  "BADREQ-001",
  "JOB-BADREQ-002",
  "NOTFOUND-003",
  "JOB-NOTFOUND-004",
  "WF-NOTFOUND-005",
  "AUTH-NOTFOUND-006",
  "AUTHTYPE-NOTFOUND-007",
  "AUTH-BADREQ-008",
  "TABLE-NOTFOUND-009",
  "SCHEMA-NOTFOUND-010",
  "SCHEMAVERSION-NOTFOUND-011",
  "ENTITY-NOTFOUND-012",
  "QUERY-NOTFOUND-013",
  "STREAM-NOTFOUND-014",
  "PROVIDER-BADREQ-015",
  "PROVIDER-NOTFOUND-016",
  "UNAUTHORIZED-017",
  "SCHEMA-INVALID-018",
  "INTERNAL-019",
  "ROUTERULE-NOTFOUND-020",
  "ACCOUNT-NOTFOUND-021",
  "JOB-FAULT-022",
  "USER-NOTFOUND-023",
  "USER-BADREQ-024",
  "JSON-BADREQ-025",
  "FORBIDDEN-026",
];

/** The HTTP family of each Lytics code, as its name says (UNKNOWN-000 stands for anything else). */
const FAMILY: [RegExp, number][] = [
  [/NOTFOUND/, 404],
  [/BADREQ|INVALID/, 400],
  [/UNAUTHORIZED/, 401],
  [/FORBIDDEN/, 403],
  [/INTERNAL|FAULT/, 500],
];

describe("Lytics error codes", () => {
  it("maps every gateway code to a code of Lytics' published enum", () => {
    expect(Object.keys(LYTICS_CODES).sort()).toEqual(Object.values(ErrorCode).sort());
    for (const code of [...Object.values(LYTICS_CODES), LYTICS_INVALID_JSON]) expect(LYTICS_ENUM).toContain(code);
  });

  it.each(Object.values(ErrorCode))("keeps %s within the family of its status, or unclassified", (code) => {
    const lytics = LYTICS_CODES[code];
    const family = FAMILY.find(([re]) => re.test(lytics))?.[1];
    if (lytics === "UNKNOWN-000") return expect(code).toBe(ErrorCode.RATE_LIMITED);
    const status = httpStatusOf(code);
    // A conflict (409) is a kind of bad request to Lytics, whose enum has no conflict.
    expect(family).toBe(status === 409 ? 400 : status >= 500 ? 500 : status);
  });

  it("lists in the OpenAPI enum exactly what can be sent", () => {
    expect(LYTICS_SENT).toContain(LYTICS_INVALID_JSON);
    expect(LYTICS_SENT).not.toContain("UNAUTHORIZED-017"); // 401 keeps Lytics' own fixed body, without an errors list
  });
});
