import fs from "node:fs/promises";
import path from "node:path";
import { projectRoot } from "../../paths";
import { EmbeddedPostgres } from "./embedded/embedded-postgres";

/** Loading the whole sample takes a few seconds; it happens once, before anyone can scan. */
const LOAD_TIMEOUT_MS = 5 * 60_000;

/**
 * The bundled Chinook sample (datasets/chinook, MIT) in a second embedded PGlite, so a newcomer has a real
 * database to scan. Loaded once into `<dir>`; later starts only serve it. Users' statements run here, so a
 * statement past `statementTimeoutMs` is stopped by restarting the database's thread (SCAN_TIMEOUT_MS holds).
 */
export async function startChinookDemo(options: {
  dir: string;
  port: number;
  statementTimeoutMs: number;
  onRestart?: (event: { reason: string; restartMs: number }) => void;
}): Promise<EmbeddedPostgres> {
  const pg = await EmbeddedPostgres.start({
    dir: options.dir,
    listen: { host: "127.0.0.1", port: options.port },
    // A query engine's pool (4) per demo connection, the cancel requests it sends, and a few spare.
    maxConnections: 16,
    statementTimeoutMs: options.statementTimeoutMs,
    name: "demo database",
    onRestart: options.onRestart,
  });
  try {
    const [{ loaded }] = await pg.query<{ loaded: boolean }>(`SELECT to_regclass('public.album') IS NOT NULL AS loaded`);
    if (!loaded) {
      await pg.query(`BEGIN; ${await chinookSql()} COMMIT;`, LOAD_TIMEOUT_MS);
      await pg.recycle();
    }
    return pg;
  } catch (error) {
    await pg.close();
    throw error;
  }
}

/** The upstream script creates and switches to its own database; PGlite has one, so start after `\c chinook;`. */
async function chinookSql(): Promise<string> {
  const sql = await fs.readFile(path.join(projectRoot(), "datasets/chinook/chinook-postgres.sql"), "utf8");
  const marker = "\\c chinook;";
  const at = sql.indexOf(marker);
  if (at < 0) throw new Error("chinook-postgres.sql: expected a '\\c chinook;' line");
  return sql.slice(at + marker.length);
}
