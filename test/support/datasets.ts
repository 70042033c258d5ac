import fs from "node:fs";
import path from "node:path";
import mysql from "mysql2/promise";
import { Client } from "pg";
import { projectRoot } from "../../src/paths";

/**
 * The sources the query-layer suites read: Chinook (datasets/chinook, MIT) plus `big_table` (1,000,000 rows) and
 * `big_numbers` (BIGINT beyond 2^53), in a database named gw_chinook on the machine's PostgreSQL and MariaDB.
 * Loaded once (a marker row records the version), before any test runs.
 */
export const DATASET_DB = "gw_chinook";
export const DATASET_VERSION = 5;
export const BIG_ROWS = 1_000_000;
export const BEYOND_2_53 = "9007199254740993";
const ROOT = projectRoot();

/** The config of a connection to the database of `url` (PostgreSQL or MySQL/MariaDB), or to `database` there. */
export function sourceConfig(url: string, database?: string) {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol.startsWith("mysql") ? 3306 : 5432));
  return { host: u.hostname, port, database: database ?? u.pathname.slice(1), user: decodeURIComponent(u.username || "root") };
}

/** The config of a connection to the loaded Chinook database on the server of `baseUrl`. */
export const chinookConfig = (baseUrl: string) => sourceConfig(baseUrl, DATASET_DB);

/** The REST body that registers that connection. */
export const chinookConnection = (label: string, slug: "postgres" | "mariadb", baseUrl: string) => ({ label, connection_config_slug: slug, config: chinookConfig(baseUrl) });

export function datasetUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${DATASET_DB}`;
  return url.toString();
}

export async function ensurePostgresDataset(baseUrl: string): Promise<void> {
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query("SELECT pg_advisory_lock(7310002)");
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATASET_DB]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATASET_DB}`);
    const db = new Client({ connectionString: datasetUrl(baseUrl) });
    await db.connect();
    try {
      const marker = await db.query("SELECT to_regclass('public.gw_dataset') IS NOT NULL AS present");
      if (marker.rows[0].present) {
        const v = await db.query("SELECT version FROM gw_dataset");
        if (v.rows[0]?.version === DATASET_VERSION) return;
      }
      const started = Date.now();
      await db.query("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
      const sql = fs.readFileSync(path.join(ROOT, "datasets/chinook/chinook-postgres.sql"), "utf8");
      await db.query(sql.slice(sql.indexOf("\\c chinook;") + "\\c chinook;".length));
      await db.query(`CREATE TABLE big_table AS SELECT g::bigint AS id, md5(g::text) AS payload FROM generate_series(1, ${BIG_ROWS}) g`);
      await db.query(`CREATE TABLE big_numbers (id int PRIMARY KEY, n bigint); INSERT INTO big_numbers VALUES (1, ${BEYOND_2_53}), (2, 42)`);
      // Slow views: a statement that takes a known time at the source, reachable through Trino too.
      await db.query(`CREATE VIEW slow_3 AS SELECT 1 AS x FROM pg_sleep(3); CREATE VIEW slow_30 AS SELECT 1 AS x FROM pg_sleep(30)`);
      // Every kind of column whose type name, nullability, key position, default and comment the schema routes report.
      await db.query(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
        CREATE TABLE gw_types (region varchar(8) NOT NULL, id integer NOT NULL, price numeric(10,2) DEFAULT 0, tags varchar(20)[], scores integer[],
          seen timestamp(3) with time zone DEFAULT now(), code character(3), feeling mood, doc jsonb, PRIMARY KEY (id, region));
        COMMENT ON TABLE gw_types IS 'Every kind of column'; COMMENT ON COLUMN gw_types.price IS 'Price in euros';
        INSERT INTO gw_types VALUES ('eu', 1, 9.5, '{a,b}', '{1,2}', now(), 'abc', 'happy', '{"k": 1}'), ('us', 1, 3, NULL, NULL, now(), NULL, NULL, NULL);
        ANALYZE gw_types`);
      // A sequence: nextval() is a write that a plain SELECT carries, refused only by the read-only transaction.
      await db.query("CREATE SEQUENCE gw_seq");
      await db.query(`CREATE TABLE gw_dataset (version int); INSERT INTO gw_dataset VALUES (${DATASET_VERSION})`);
      console.log(`loaded Chinook and ${BIG_ROWS} rows into PostgreSQL ${DATASET_DB} in ${Date.now() - started} ms`);
    } finally {
      await db.end();
    }
  } finally {
    await admin.query("SELECT pg_advisory_unlock(7310002)").catch(() => undefined);
    await admin.end();
  }
}

/** A connection to MariaDB as the user of MARIADB_URL (root on this machine), for setting up what tests need. */
export function mariaAdmin(baseUrl: string, options: mysql.ConnectionOptions = {}): Promise<mysql.Connection> {
  const url = new URL(baseUrl);
  return mysql.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || "root"),
    password: decodeURIComponent(url.password),
    ...options,
  });
}

export async function ensureMariadbDataset(baseUrl: string): Promise<void> {
  const conn = await mariaAdmin(baseUrl, { multipleStatements: true });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${DATASET_DB}`);
    await conn.query(`USE ${DATASET_DB}`);
    const [marker] = await conn.query<mysql.RowDataPacket[]>("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = 'gw_dataset'", [
      DATASET_DB,
    ]);
    if (marker[0].n > 0) {
      const [v] = await conn.query<mysql.RowDataPacket[]>("SELECT version FROM gw_dataset");
      if (v[0]?.version === DATASET_VERSION) return;
    }
    const started = Date.now();
    await conn.query(`DROP DATABASE ${DATASET_DB}; CREATE DATABASE ${DATASET_DB}; USE ${DATASET_DB}`);
    const sql = fs.readFileSync(path.join(ROOT, "datasets/chinook/chinook-mysql.sql"), "utf8");
    await conn.query(sql.slice(sql.indexOf("USE `Chinook`;") + "USE `Chinook`;".length));
    await conn.query(`CREATE TABLE big_table (id BIGINT PRIMARY KEY, payload VARCHAR(64))`);
    await conn.query(`INSERT INTO big_table SELECT seq, md5(seq) FROM seq_1_to_${BIG_ROWS}`);
    await conn.query(`CREATE TABLE big_numbers (id INT PRIMARY KEY, n BIGINT); INSERT INTO big_numbers VALUES (1, ${BEYOND_2_53}), (2, 42)`);
    await conn.query(`CREATE VIEW slow_3 AS SELECT SLEEP(3) AS x; CREATE VIEW slow_30 AS SELECT SLEEP(30) AS x`);
    await conn.query(`CREATE TABLE gw_types (region VARCHAR(8) NOT NULL, id INT NOT NULL, price DECIMAL(10,2) DEFAULT 0 COMMENT 'Price in euros',
        seen DATETIME(3), code CHAR(3), feeling ENUM('sad', 'ok', 'happy'), big BIGINT UNSIGNED, note TEXT, PRIMARY KEY (id, region)) COMMENT 'Every kind of column';
      INSERT INTO gw_types VALUES ('eu', 1, 9.5, NOW(3), 'abc', 'happy', 18446744073709551615, 'n'), ('us', 1, 3, NULL, NULL, NULL, NULL, NULL);
      ANALYZE TABLE gw_types`);
    await conn.query(`CREATE TABLE gw_dataset (version INT); INSERT INTO gw_dataset VALUES (${DATASET_VERSION})`);
    console.log(`loaded Chinook and ${BIG_ROWS} rows into MariaDB ${DATASET_DB} in ${Date.now() - started} ms`);
  } finally {
    await conn.end();
  }
}
