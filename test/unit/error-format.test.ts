import { describe, expect, it } from "vitest";
import { badFields, fieldOf } from "../../src/errors";
import { formatError, oneErrorPerField, withoutEchoedValue } from "../../src/http/error-format";
import { restMessage } from "../../src/http/rest/router";

/** graphql-js quotes the value it could not coerce; what reaches a client or a log keeps none of it. */
describe("withoutEchoedValue", () => {
  it.each([
    [
      'Variable "$input" got invalid value { label: "x", config: { password: "s3cret\\"; \\"" }, foo: 1 }; Field "foo" is not defined by type "CreateConnectionInput".',
      'input: Field "foo" is not defined by type "CreateConnectionInput".',
    ],
    [
      'Variable "$input" got invalid value "abc; Field \\"x\\" is" at "input.label"; Expected type "Int". Int cannot represent non-integer value: "abc; Field"',
      'input.label: Expected type "Int".',
    ],
    ['Variable "$q" got invalid value 5; String cannot represent a non string value: 5', "q: String cannot represent a non string value"],
    [
      'Variable "$input" got invalid value { config: { password: "pw" } }; Field "label" of required type "String!" was not provided.',
      'input: Field "label" of required type "String!" was not provided.',
    ],
    ['Variable "$id" got invalid value "pw\\"; \\""; ID cannot represent value: "pw\\"; \\""', "id: ID cannot represent value"],
    ['Variable "$input" got invalid value "secret-; -tail"', "input: invalid value"],
  ])("%s", (message, expected) => {
    expect(withoutEchoedValue(message)).toBe(expected);
  });

  it("never returns a character of the secret", () => {
    const secret = 'pw-"; Field "a" is-9f3';
    const message = `Variable "$input" got invalid value { config: { password: ${JSON.stringify(secret)} }, x: 1 }; Field "x" is not defined by type "CreateConnectionInput".`;
    expect(withoutEchoedValue(message)).not.toContain("pw-");
    expect(withoutEchoedValue(message)).not.toContain("9f3");
  });
});

/** /v2 messages name what the REST client sent, never the GraphQL operation's variables or argument names. */
describe("restMessage", () => {
  it.each([
    ['Variable "$query" of required type "String!" was not provided.', {}, "query: required"],
    ['Variable "$text" of required type "String!" was not provided.', { text: "q" }, "q: required"],
    ["text: must not be empty", { text: "q" }, "q: must not be empty"],
    ["primaryKeys: 'b' is not a column of the result", { primaryKeys: "primary_keys" }, "primary_keys: 'b' is not a column of the result"],
    ['input: Field "connectionConfigId" is not defined by type "UpdateConnectionInput".', {}, "connection_config_id: unknown field"],
    ['input: Field "colour" is not defined by type "CreateConnectionInput".', {}, "colour: unknown field"],
    ["input.connectionConfigSlug: String cannot represent a non string value", {}, "connection_config_slug: String cannot represent a non string value"],
    ["connectionConfigSlug: unknown connection type 'oracle'", {}, "connection_config_slug: unknown connection type 'oracle'"],
    ['input: Expected type "CreateConnectionInput" to be an object.', {}, 'body: Expected type "CreateConnectionInput" to be an object.'],
    ["accountId: another account", {}, "account_id: another account"],
    ["config.host: required", {}, "config.host: required"],
    ["connection not found", {}, "connection not found"],
  ])("%s → %s", (message, names, expected) => {
    expect(restMessage(message, names)).toBe(expected);
  });
});

describe("one error per field", () => {
  it("names the field a message starts with, and nothing else", () => {
    expect(fieldOf("config.host: required for PostgreSQL")).toBe("config.host");
    expect(fieldOf("label: a connection labelled 'x' already exists")).toBe("label");
    expect(fieldOf("connection not found")).toBeNull();
    expect(fieldOf('query: relation "x" does not exist')).toBe("query");
  });

  it("expands an error about several fields into one per field, the rest counted in one more", () => {
    const problems = Array.from({ length: 7 }, (_, i) => `config.k${i}: unknown field`);
    const formatted = formatError({ message: "x" }, badFields(problems));
    const errors = oneErrorPerField([formatted, { message: "other", extensions: { code: "NOT_FOUND" } }]);
    expect(errors.map((e) => e.message)).toEqual([...problems.slice(0, 5), "config: and 2 more problems", "other"]);
    expect(errors.map((e) => e.extensions?.field)).toEqual(["config.k0", "config.k1", "config.k2", "config.k3", "config.k4", "config", undefined]);
    expect(errors.every((e) => !e.extensions || !("problems" in e.extensions))).toBe(true);
  });
});
