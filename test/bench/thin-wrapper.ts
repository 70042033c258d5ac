/**
 * The thin wrapper of issue 12: the least a service must do to answer a scan or a connection read over HTTP, run as
 * its own process so the benchmark can hold the gateway to it. No framework, no GraphQL, no SQL gate, no limiter:
 * a token looked up in a Map, a pooled read-only transaction around the statement, JSON out.
 *
 *   node dist/test/bench/thin-wrapper.js postgres|mariadb
 *
 * THIN_SOURCE_URL  the database scans read (postgres://… or mysql://…/db)
 * THIN_STORE_URL   optional: the gateway's PostgreSQL metadata store, for GET /connection/:id
 * THIN_TOKENS      JSON object, token → account id
 *
 * Routes: POST /scan {"query": "…"}, GET /connection/:id. Prints "thin wrapper listening on <url>" when ready.
 */
import http from "node:http";
import mysql from "mysql2/promise";
import { Pool } from "pg";

type Scan = (sql: string) => Promise<{ columns: string[]; rows: unknown[] }>;

/** pg: BEGIN READ ONLY, the statement, ROLLBACK, on a pooled client. */
function postgresScan(url: string): Scan {
  const pool = new Pool({ connectionString: url, max: 4 });
  return async (sql) => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN READ ONLY");
      const result = await client.query(sql);
      await client.query("ROLLBACK");
      client.release();
      return { columns: result.fields.map((f) => f.name), rows: result.rows };
    } catch (error) {
      client.release(error as Error); // a client in an unknown state is dropped, not reused
      throw error;
    }
  };
}

/** mysql2: START TRANSACTION READ ONLY, the statement, ROLLBACK, on a pooled connection. */
function mariadbScan(url: string): Scan {
  const u = new URL(url);
  const pool = mysql.createPool({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || "root"),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1),
    connectionLimit: 4,
  });
  return async (sql) => {
    const conn = await pool.getConnection();
    try {
      await conn.query("START TRANSACTION READ ONLY");
      const [rows, fields] = await conn.query(sql);
      await conn.query("ROLLBACK");
      conn.release();
      return { columns: (fields ?? []).map((f) => f.name), rows: rows as unknown[] };
    } catch (error) {
      conn.destroy();
      throw error;
    }
  };
}

// Every column of the row, as the gateway's repository reads it (migrations/1764000000000-init.ts).
const CONNECTION_ROW = `SELECT id, account_id, label, description, connection_config_id, config, config_version, created, updated,
  deleted, author_id, updated_by_user_id, embedding_state, embedding_progress, embedding_table_count, embedding_model,
  embedding_error, embedding_updated_at FROM connections WHERE id = $1 AND account_id = $2 AND deleted IS NULL`;

function main(): void {
  const kind = process.argv[2] ?? process.env.THIN_SOURCE;
  const sourceUrl = process.env.THIN_SOURCE_URL;
  if ((kind !== "postgres" && kind !== "mariadb") || !sourceUrl) throw new Error("usage: THIN_SOURCE_URL=… thin-wrapper postgres|mariadb");
  const scan = kind === "postgres" ? postgresScan(sourceUrl) : mariadbScan(sourceUrl);
  const store = process.env.THIN_STORE_URL ? new Pool({ connectionString: process.env.THIN_STORE_URL, max: 4 }) : null;
  const tokens = new Map<string, string>(Object.entries(JSON.parse(process.env.THIN_TOKENS ?? "{}") as Record<string, string>));

  const send = (res: http.ServerResponse, status: number, value: unknown) => {
    const body = JSON.stringify(value);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const accountId = tokens.get((req.headers.authorization ?? "").replace(/^Bearer\s+/i, ""));
      if (!accountId) return send(res, 401, { error: "unauthorized" });
      const connection = /^\/connection\/([0-9a-f-]{36})$/.exec(req.url ?? "");
      let work: Promise<unknown>;
      if (req.method === "POST" && req.url === "/scan") {
        let query: unknown;
        try {
          query = JSON.parse(Buffer.concat(chunks).toString("utf8")).query;
        } catch {
          query = undefined;
        }
        if (typeof query !== "string") return send(res, 400, { error: 'body must be {"query": "…"}' });
        work = scan(query).then(({ columns, rows }) => send(res, 200, { data: { columns, rows, row_count: rows.length } }));
      } else if (req.method === "GET" && connection && store) {
        work = store.query(CONNECTION_ROW, [connection[1], accountId]).then((r) => (r.rows[0] ? send(res, 200, { data: r.rows[0] }) : send(res, 404, { error: "not found" })));
      } else return send(res, 404, { error: "no such route" });
      work.catch((error: Error) => send(res, 500, { error: error.message }));
    });
  });
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as { port: number };
    process.stdout.write(`thin wrapper (${kind}) listening on http://127.0.0.1:${port}\n`);
  });
}

main();
