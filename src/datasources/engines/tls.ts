import net from "node:net";
import type { ConnectionOptions } from "node:tls";
import { sslModeOf } from "../sources/connection-types";

/**
 * A connection's TLS settings as Node's tls options, for the direct drivers: null for disable; require encrypts and
 * checks nothing; verify-ca checks the chain (against ssl_ca when given, else the public CAs) but not the name;
 * verify-full checks both, the name being the host as configured (the driver dials the checked address).
 */
export function tlsOptions(config: Readonly<Record<string, unknown>>, host: string): ConnectionOptions | null {
  const mode = sslModeOf(config.ssl);
  if (mode === "disable") return null;
  const text = (name: string) => (typeof config[name] === "string" && config[name] !== "" ? String(config[name]) : undefined);
  const files = { ca: text("ssl_ca"), cert: text("ssl_cert"), key: text("ssl_key") };
  const given = Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined));
  if (mode === "require") return { ...given, rejectUnauthorized: false };
  if (mode === "verify-ca") return { ...given, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  // An IP address is checked against the certificate's IP entries; a name is sent as SNI and checked.
  return { ...given, rejectUnauthorized: true, ...(net.isIP(host) ? {} : { servername: host }) };
}
