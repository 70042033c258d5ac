import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { printGatewaySchema } from "../../src/http/graphql";

describe("schema.graphql", () => {
  it("matches the schema the code builds (regenerate with npm run schema:print)", async () => {
    const committed = fs.readFileSync(path.resolve(__dirname, "../../schema.graphql"), "utf8");
    expect(await printGatewaySchema()).toBe(committed);
  });

  it("carries the contract's names", async () => {
    const sdl = await printGatewaySchema();
    for (const name of [
      "connections(accountId: ID): [Connection!]!",
      "connectionConfigs: [ConnectionConfig!]!",
      "createConnection(",
      "updateConnection(",
      "deleteConnection(",
      "config: JSON!",
      "created: DateTime!",
      "enum EmbeddingState",
    ]) {
      expect(sdl).toContain(name);
    }
  });

  it("lists each field's arguments in the order its resolver declares them", async () => {
    const sdl = (await printGatewaySchema()).replace(/\s+/g, " ");
    expect(sdl).toContain("scan( connectionId: ID! query: String! limit: Int! = 20");
    expect(sdl).toContain("primaryKeys: [String!] ): ScanResult");
    expect(sdl).toContain("searchSchema(connectionId: ID!, text: String!, k: Int! = 5)");
    expect(sdl).toContain("updateConnection(id: ID!, input: UpdateConnectionInput!, accountId: ID)");
  });
});
