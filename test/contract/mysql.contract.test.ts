import mysql from "mysql2/promise";
import { afterAll } from "vitest";
import { MysqlEngine } from "../../src/datasources/engines/mysql.engine";
import { HostPolicy } from "../../src/datasources/sources/host-policy";
import { chinookConfig, DATASET_DB } from "../support/datasets";
import { engineConnection } from "../support/engine-connections";
import { describeWith } from "../support/services";
import { engineContract } from "./engine-contract";
import { FIRST_ALBUM } from "./chinook";

describeWith("mariadb", "direct mysql engine → MariaDB", (baseUrl) => {
  const url = new URL(baseUrl);
  const config = { ...chinookConfig(baseUrl), ssl: "disable" };
  let admin: mysql.Connection | null = null;
  afterAll(() => admin?.end());

  engineContract(async () => {
    admin = await mysql.createConnection({ host: config.host, port: config.port, user: config.user, password: decodeURIComponent(url.password) });
    return {
      name: "mysql",
      engine: (pool = { size: 4, acquireTimeoutMs: 5_000 }) => new MysqlEngine(new HostPolicy(["127.0.0.1/32"]), pool, 30_000),
      connection: engineConnection("mariadb", config),
      unreachable: engineConnection("mariadb", { ...config, port: 1 }),
      tables: { album: `${DATASET_DB}.Album`, bigTable: `${DATASET_DB}.big_table`, columnsOfAlbum: ["AlbumId", "Title", "ArtistId"] },
      sql: {
        firstAlbums: "SELECT AlbumId AS id, Title FROM Album ORDER BY AlbumId LIMIT 3",
        bigTable: "SELECT * FROM big_table",
        bigNumbers: "SELECT n FROM big_numbers ORDER BY id",
        slow: (s) => `SELECT SLEEP(${s}) AS gw_contract_sleep`,
        writes: [
          "INSERT INTO Album VALUES (9999, 'x', 1)",
          "DELETE FROM Album WHERE AlbumId = 1",
          "UPDATE Album SET Title = 'x' WHERE AlbumId = 1",
          "CREATE TABLE gw_contract_probe (a int)",
          "SELECT 1; DELETE FROM Album",
        ],
        albumCount: "SELECT COUNT(*) AS n FROM Album",
      },
      firstAlbum: FIRST_ALBUM,
      // column_type names, and what information_schema says of each column.
      catalogue: {
        table: `${DATASET_DB}.gw_types`,
        view: `${DATASET_DB}.slow_3`,
        columns: {
          region: { dataType: "varchar(8)", nullable: false, primaryKey: 2, default: null },
          id: { dataType: "int(11)", nullable: false, primaryKey: 1 },
          price: { dataType: "decimal(10,2)", nullable: true, primaryKey: null, default: "0.00", comment: "Price in euros" },
          seen: { dataType: "datetime(3)" },
          code: { dataType: "char(3)" },
          feeling: { dataType: "enum('sad','ok','happy')" },
          big: { dataType: "bigint(20) unsigned" },
          note: { dataType: "text", comment: null },
        },
        tableMeta: { comment: "Every kind of column", kind: "table", estimatedRows: 2 },
      },
      runningSlowQueries: async () => {
        const [rows] = await admin!.query<mysql.RowDataPacket[]>(
          "SELECT COUNT(*) AS n FROM information_schema.processlist WHERE info LIKE '%gw_contract_sleep%' AND info NOT LIKE '%processlist%' AND command = 'Query'",
        );
        return Number(rows[0].n);
      },
    };
  });
});
