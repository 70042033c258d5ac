import mysql from "mysql2/promise";
import { Client } from "pg";
import { BasicAuth, Trino } from "trino-client";
import { catalogNameOf } from "../../src/datasources/engines/trino-catalogs";
import { TrinoEngine } from "../../src/datasources/engines/trino.engine";
import { HostPolicy } from "../../src/datasources/sources/host-policy";
import { chinookConfig, DATASET_DB } from "../support/datasets";
import { engineConnection } from "../support/engine-connections";
import type { ContractFixture } from "./engine-contract";
import { FIRST_ALBUM, POSTGRES_CHINOOK } from "./chinook";

const NO_POOL = "Trino holds the source connections; the gateway keeps no pool to exhaust (Trino queues queries itself)";
const trinoEngine = (trinoUrl: string) => () =>
  new TrinoEngine(new HostPolicy(["127.0.0.1/32"]), { url: trinoUrl, adminUser: "gateway_admin", scanUser: "gateway_scan", defaultTimeoutMs: 30_000 });

/** Counted in Trino's own query history, as the admin identity (the scan identity may not read `system`). */
const catalogCreations = (trinoUrl: string) => async (connectionId: string) => {
  const pages = await Trino.create({ server: trinoUrl, auth: new BasicAuth("gateway_admin") }).query(
    `SELECT count(*) FROM system.runtime.queries WHERE query LIKE 'CREATE CATALOG ${catalogNameOf(connectionId)} %'`,
  );
  let n = -1;
  for await (const page of pages) {
    if (page.error) throw new Error(page.error.message);
    if (page.data) n = Number(page.data[0][0]);
  }
  return n;
};

export async function trinoPostgresFixture(trinoUrl: string, pgBase: string, admin: Client): Promise<ContractFixture> {
  const config = { ...chinookConfig(pgBase), ssl: "disable" };
  return {
    name: "trino → postgres",
    engine: trinoEngine(trinoUrl),
    connection: engineConnection("postgres", config),
    unreachable: engineConnection("postgres", { ...config, port: 1 }),
    tables: POSTGRES_CHINOOK.tables,
    sql: {
      ...POSTGRES_CHINOOK.sql,
      slow: (s) => `SELECT * FROM slow_${s <= 3 ? 3 : 30}`,
      writes: [
        "INSERT INTO album VALUES (9999, 'x', 1)",
        "DELETE FROM album WHERE album_id = 1",
        "CREATE TABLE gw_contract_probe (a int)",
        "SELECT * FROM TABLE(system.query(query => 'delete from album'))",
      ],
      albumCount: "SELECT count(*) AS n FROM album",
    },
    firstAlbum: FIRST_ALBUM,
    // Trino's own type names (arrays are left out by the connector's default mapping); no keys, defaults or comments.
    catalogue: {
      table: "public.gw_types",
      view: null,
      columns: {
        region: { dataType: "varchar(8)", nullable: false, primaryKey: null, default: null },
        id: { dataType: "integer", nullable: false },
        price: { dataType: "decimal(10,2)", nullable: true },
        seen: { dataType: "timestamp(3) with time zone" },
        code: { dataType: "char(3)" },
        feeling: { dataType: "varchar" },
        doc: { dataType: "json" },
      },
      tableMeta: { kind: "table" },
    },
    runningSlowQueries: async () =>
      Number((await admin.query("SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE '%slow_%' AND query NOT LIKE '%pg_stat_activity%' AND state = 'active'")).rows[0].n),
    notApplicable: { poolExhaustion: NO_POOL },
    catalogCreations: catalogCreations(trinoUrl),
  };
}

export async function trinoMariadbFixture(trinoUrl: string, mariaBase: string, admin: mysql.Connection): Promise<ContractFixture> {
  const config = { ...chinookConfig(mariaBase), ssl: "disable" };
  return {
    name: "trino → mariadb",
    engine: trinoEngine(trinoUrl),
    connection: engineConnection("mariadb", config),
    unreachable: engineConnection("mariadb", { ...config, port: 1 }),
    tables: { album: `${DATASET_DB}.album`, bigTable: `${DATASET_DB}.big_table`, columnsOfAlbum: ["albumid", "title", "artistid"] },
    sql: {
      firstAlbums: "SELECT albumid AS id, title FROM album ORDER BY albumid LIMIT 3",
      bigTable: "SELECT * FROM big_table",
      bigNumbers: "SELECT n FROM big_numbers ORDER BY id",
      slow: (s) => `SELECT * FROM slow_${s <= 3 ? 3 : 30}`,
      writes: [
        "INSERT INTO album VALUES (9999, 'x', 1)",
        "DELETE FROM album WHERE albumid = 1",
        "CREATE TABLE gw_contract_probe (a int)",
        "SELECT * FROM TABLE(system.query(query => 'delete from Album'))",
      ],
      albumCount: "SELECT count(*) AS n FROM album",
    },
    firstAlbum: FIRST_ALBUM,
    catalogue: {
      table: `${DATASET_DB}.gw_types`,
      view: null,
      columns: {
        region: { dataType: "varchar(8)", nullable: false, primaryKey: null },
        id: { dataType: "integer", nullable: false },
        price: { dataType: "decimal(10,2)", nullable: true },
        seen: { dataType: "timestamp(3)" },
        code: { dataType: "char(3)" },
        feeling: { dataType: "varchar(5)" },
        big: { dataType: "decimal(20,0)" },
        note: { dataType: "varchar(65535)" },
      },
      tableMeta: { kind: "table" },
    },
    runningSlowQueries: async () => {
      const [rows] = await admin.query<mysql.RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM information_schema.processlist WHERE info LIKE '%slow_%' AND info NOT LIKE '%processlist%' AND command = 'Query'",
      );
      return Number(rows[0].n);
    },
    notApplicable: { poolExhaustion: NO_POOL },
    catalogCreations: catalogCreations(trinoUrl),
  };
}
