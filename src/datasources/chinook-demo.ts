import fs from "node:fs/promises";
import path from "node:path";
import { projectRoot } from "../paths";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres";

/**
 * The bundled Chinook sample (datasets/chinook, MIT) in a second embedded PGlite, so a newcomer has a real
 * database to scan. Loaded once into `<dir>`; later starts only serve it.
 */
export async function startChinookDemo(options: { dir: string | null; port: number }): Promise<EmbeddedPostgres> {
  // Several sockets, so a query engine's small pool can connect; PGlite still runs one query at a time.
  const pg = await startEmbeddedPostgres({ dir: options.dir, port: options.port, maxConnections: 8 });
  try {
    const { rows } = await pg.db.query<{ loaded: boolean }>(`SELECT to_regclass('public.album') IS NOT NULL AS loaded`);
    if (!rows[0].loaded) await pg.db.exec(`BEGIN; ${await chinookSql()} COMMIT;`);
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
