import { describe, expect, it } from "vitest";
import { withoutEchoedValue } from "../../src/http/error-format";

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
