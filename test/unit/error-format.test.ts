import { describe, expect, it } from "vitest";
import { withoutEchoedValue } from "../../src/http/error-format";
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
