import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedPostgres {
  readonly db: PGlite;
  readonly host: string;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * PGlite (PostgreSQL compiled to WASM) served on the wire protocol, so TypeORM and `pg` talk to it as to any
 * PostgreSQL. It runs one query at a time and one socket by default: callers keep their pool at one connection
 * and do everything inside a transaction through that transaction's manager.
 */
export async function startEmbeddedPostgres(options: {
  dir: string | null;
  port?: number;
  maxConnections?: number;
}): Promise<EmbeddedPostgres> {
  const db = await PGlite.create(options.dir ?? "memory://");
  const server = new PGLiteSocketServer({
    db,
    host: "127.0.0.1",
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? 1,
  });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  const [host, portText] = server.getServerConn().split(":");
  const port = Number(portText);
  return {
    db,
    host,
    port,
    url: `postgres://postgres:postgres@${host}:${port}/postgres`,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
