import { describe, expect, it } from "vitest";
import { TrinoQueryError } from "../../src/datasources/engines/trino-protocol";
import { toUpstream, upstreamTimeout } from "../../src/datasources/engines/upstream-errors";
import { badInput } from "../../src/errors";
import { classifyTestError } from "../../src/services/connection-test";

const driver = (code: string, message = "driver text with secret-ish detail") => Object.assign(new Error(message), { code });
const trino = (message: string) => new TrinoQueryError("JDBC_ERROR", "EXTERNAL", message);

/** Driver and Trino failures, as the engines wrap them, → the stage a test reports; never the driver's text. */
describe("connection test failures", () => {
  it.each([
    [badInput("config.host: cannot resolve host 'x.invalid'"), "dns", "DNS_FAILED"],
    [badInput("config.host: 10.0.0.1 is a private address; …"), "host_policy", "HOST_REFUSED"],
    [toUpstream(driver("ENOTFOUND"), "connection"), "dns", "DNS_FAILED"],
    [toUpstream(driver("ECONNREFUSED"), "connection"), "network", "UNREACHABLE"],
    [upstreamTimeout(5000, driver("57014")), "network", "TIMEOUT"],
    [toUpstream(driver("DEPTH_ZERO_SELF_SIGNED_CERT"), "connection"), "tls", "TLS_FAILED"],
    [toUpstream(driver("ERR_TLS_CERT_ALTNAME_INVALID"), "connection"), "tls", "TLS_FAILED"],
    [toUpstream(new Error("The server does not support SSL connections"), "connection"), "tls", "TLS_FAILED"],
    [toUpstream(driver("28P01"), "connection"), "authentication", "AUTHENTICATION_FAILED"],
    [toUpstream(driver("ER_ACCESS_DENIED_ERROR"), "connection"), "authentication", "AUTHENTICATION_FAILED"],
    [toUpstream(driver("3D000"), "connection"), "database", "DATABASE_NOT_FOUND"],
    [toUpstream(driver("ER_BAD_DB_ERROR"), "connection"), "database", "DATABASE_NOT_FOUND"],
    [toUpstream(trino('Error listing schemas: FATAL: password authentication failed for user "x"'), "query"), "authentication", "AUTHENTICATION_FAILED"],
    [toUpstream(trino('FATAL: database "nope" does not exist'), "query"), "database", "DATABASE_NOT_FOUND"],
    [toUpstream(trino("Connection to 127.0.0.1:1 refused. Check that the hostname and port are correct"), "query"), "network", "UNREACHABLE"],
    [toUpstream(trino("Connection refused (Connection refused)"), "query"), "network", "UNREACHABLE"],
    [toUpstream(trino("java.net.UnknownHostException: db.invalid"), "query"), "dns", "DNS_FAILED"],
    [toUpstream(driver("XX000"), "connection"), "source", "SOURCE_ERROR"],
  ])("%#: %s → %s", (error, stage, code) => {
    const failure = classifyTestError(error);
    expect(failure).toMatchObject({ stage, code });
    expect(failure.message).not.toContain("driver text");
    expect(failure.message).not.toContain("FATAL");
  });
});
