import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface TestCertificates {
  dir: string;
  /** PEM text of the CA certificate. */
  ca: string;
  server: { cert: string; key: string };
  /** A client certificate for `clientUser` (its CN), signed by the same CA. */
  client: { cert: string; key: string };
  /** Another CA's own certificate: trusting it instead of `ca` must fail verification. */
  otherCa: string;
}

const openssl = (dir: string, ...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });

/**
 * A private CA made for this test run with openssl, a server certificate for `localhost` only (so an IP address
 * fails verify-full and passes verify-ca), and a client certificate: nothing is committed, nothing is fetched.
 */
export function makeTestCertificates(clientUser: string): TestCertificates {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-tls-"));
  const ca = (name: string) => {
    openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.crt`);
  };
  const signed = (name: string, subject: string, san: string | null) => {
    openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", `${name}.key`, "-out", `${name}.csr`);
    if (san) fs.writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
    openssl(
      dir,
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-out",
      `${name}.crt`,
      ...(san ? ["-extfile", `${name}.ext`] : []),
    );
  };
  ca("ca");
  ca("other-ca");
  signed("server", "/CN=localhost", "DNS:localhost");
  signed("client", `/CN=${clientUser}`, null);
  const read = (file: string) => fs.readFileSync(path.join(dir, file), "utf8");
  fs.chmodSync(path.join(dir, "server.key"), 0o600);
  return {
    dir,
    ca: read("ca.crt"),
    server: { cert: read("server.crt"), key: read("server.key") },
    client: { cert: read("client.crt"), key: read("client.key") },
    otherCa: read("other-ca.crt"),
  };
}
