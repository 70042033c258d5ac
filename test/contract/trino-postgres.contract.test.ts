import { Client } from "pg";
import { afterAll } from "vitest";
import { datasetUrl } from "../support/datasets";
import { describeWith } from "../support/services";
import { engineContract } from "./engine-contract";
import { trinoPostgresFixture } from "./trino.fixtures";

describeWith("trino", "trino engine → PostgreSQL", (trinoUrl) => {
  describeWith("postgres", "through a postgresql catalog", (pgBase) => {
    const admin = new Client({ connectionString: datasetUrl(pgBase) });
    afterAll(() => admin.end());
    engineContract(async () => {
      await admin.connect();
      return trinoPostgresFixture(trinoUrl, pgBase, admin);
    });
  });
});
