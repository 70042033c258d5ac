import { buildSchema, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { aliasLimit, depthLimit } from "../../src/http/query-limits";

// A recursive schema: the gateway's own is too shallow today to reach the depth limit through real fields.
const schema = buildSchema(`type Node { name: String child: Node } type Query { node: Node }`);
const nested = (depth: number) => `{ ${"node { ".repeat(1)}${"child { ".repeat(depth - 2)}name${" }".repeat(depth - 1)} }`;

describe("depthLimit", () => {
  it("allows an operation at the limit and refuses one past it, naming the limit", () => {
    expect(validate(schema, parse(nested(5)), [depthLimit(5)])).toEqual([]);
    const errors = validate(schema, parse(nested(6)), [depthLimit(5)]);
    expect(errors.map((e) => e.message)).toEqual(["query depth 6 exceeds the limit of 5"]);
  });

  it("counts depth through fragments and ignores introspection", () => {
    const doc = parse(`query { node { ...F } __schema { types { fields { type { ofType { name } } } } } }
      fragment F on Node { child { child { child { name } } } }`);
    expect(validate(schema, doc, [depthLimit(5)])).toEqual([]);
    expect(validate(schema, doc, [depthLimit(4)]).map((e) => e.message)).toEqual(["query depth 5 exceeds the limit of 4"]);
  });
});

describe("aliasLimit", () => {
  it("reports once when the alias count passes the limit", () => {
    const doc = (n: number) => parse(`{ ${Array.from({ length: n }, (_, i) => `a${i}: node { name }`).join(" ")} }`);
    expect(validate(schema, doc(3), [aliasLimit(3)])).toEqual([]);
    expect(validate(schema, doc(5), [aliasLimit(3)]).map((e) => e.message)).toEqual(["more than 3 aliases in one document"]);
  });
});
