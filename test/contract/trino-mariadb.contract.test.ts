import mysql from "mysql2/promise";
import { afterAll } from "vitest";
import { describeWith } from "../support/services";
import { engineContract } from "./engine-contract";
import { trinoMariadbFixture } from "./trino.fixtures";

describeWith("trino", "trino engine → MariaDB", (trinoUrl) => {
  describeWith("mariadb", "through a mariadb catalog", (mariaBase) => {
    let admin: mysql.Connection | null = null;
    afterAll(() => admin?.end());
    engineContract(async () => {
      const url = new URL(mariaBase);
      admin = await mysql.createConnection({ host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username || "root") });
      return trinoMariadbFixture(trinoUrl, mariaBase, admin);
    });
  });
});
