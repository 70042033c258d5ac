import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { freePort, until } from "./faults";
import { makeTestCertificates, type TestCertificates } from "./tls-certs";

export interface TlsPostgres {
  port: number;
  certs: TestCertificates;
  /** The role whose only way in to `certDatabase` is a client certificate. */
  certUser: string;
  certDatabase: string;
  stop(): Promise<void>;
}

/** The machine's PostgreSQL binaries (Debian keeps them in /usr/lib/postgresql/<major>/bin). */
function binDir(): string {
  const root = "/usr/lib/postgresql";
  const majors = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const found = majors.map((m) => path.join(root, m, "bin")).find((d) => fs.existsSync(path.join(d, "initdb")));
  if (!found) throw new Error("no PostgreSQL server binaries under /usr/lib/postgresql (initdb, postgres)");
  return found;
}

/**
 * A throwaway PostgreSQL server with TLS, for testing the TLS modes against a real one: its own data folder and port,
 * a certificate for `localhost` signed by a CA made for the run, plain connections allowed too (for disable), and a
 * database only a client certificate opens. Run as the postgres user when the tests run as root (initdb refuses root).
 */
export async function startTlsPostgres(): Promise<TlsPostgres> {
  const bin = binDir();
  const certUser = "gw_cert_user";
  const certDatabase = "certdb";
  const certs = makeTestCertificates(certUser);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-tls-pg-"));
  const data = path.join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]): [string, string[]] => (asRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args]);
  if (asRoot) execFileSync("chown", ["postgres", dir]);
  execFileSync(...run(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"]), { stdio: "ignore" });
  for (const [file, text] of [
    ["server.crt", certs.server.cert],
    ["server.key", certs.server.key],
    ["ca.crt", certs.ca],
  ]) {
    fs.writeFileSync(path.join(data, file), text, { mode: 0o600 });
    if (asRoot) execFileSync("chown", ["postgres", path.join(data, file)]);
  }
  fs.writeFileSync(
    path.join(data, "pg_hba.conf"),
    ["local all all trust", `hostnossl ${certDatabase} all 127.0.0.1/32 reject`, `hostssl ${certDatabase} all 127.0.0.1/32 cert`, "host all all 127.0.0.1/32 trust", ""].join("\n"),
  );
  const port = await freePort();
  const [command, args] = run(path.join(bin, "postgres"), [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    dir,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "ssl=on",
    "-c",
    "ssl_cert_file=server.crt",
    "-c",
    "ssl_key_file=server.key",
    "-c",
    "ssl_ca_file=ca.crt",
    "-c",
    "fsync=off",
  ]);
  const server: ChildProcess = spawn(command, args, { stdio: "ignore" });
  // Set up through the server's Unix socket, where every role is trusted.
  const admin = (database: string) => new Client({ host: dir, port, user: "postgres", database });
  await until(
    async () => {
      if (server.exitCode !== null) throw new Error(`exited with ${server.exitCode}`);
      const client = admin("postgres");
      client.on("error", () => undefined);
      try {
        await client.connect();
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    30_000,
    "the TLS PostgreSQL to accept connections",
  );
  const setup = admin("postgres");
  await setup.connect();
  for (const sql of [`CREATE ROLE ${certUser} LOGIN`, `CREATE DATABASE ${certDatabase}`, "CREATE TABLE probe (a int)"]) await setup.query(sql);
  await setup.end();
  const certDb = admin(certDatabase);
  await certDb.connect();
  await certDb.query(`CREATE TABLE secret_things (a int); GRANT SELECT ON secret_things TO ${certUser}`);
  await certDb.end();
  return {
    port,
    certs,
    certUser,
    certDatabase,
    async stop() {
      // pg_ctl, not a signal to the child: under runuser the child is runuser, which does not pass signals on.
      if (server.exitCode === null) execFileSync(...run(path.join(bin, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"]), { stdio: "ignore" });
      await new Promise((r) => (server.exitCode !== null ? r(null) : server.once("exit", r)));
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(certs.dir, { recursive: true, force: true });
    },
  };
}
