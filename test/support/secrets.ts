import { expect } from "vitest";

/**
 * Every plaintext secret a test sends. Each harness checks everything it captured (response bodies and headers,
 * log lines, child-process output) for all of them, so a leak anywhere in the suite fails the file it happens in.
 */
export const PLAIN = {
  password: "pw-Plain-7f3a91c2-secret",
  password2: "pw-Plain-second-41b07e",
  password3: "pw-Plain-third-9d2c55",
  bigqueryKey: '{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----plainKEY8812-----END PRIVATE KEY-----"}',
} as const;

export function expectNoSecretLeak(captured: readonly string[]): void {
  const text = captured.join("\n");
  for (const [name, secret] of Object.entries(PLAIN)) {
    expect(text.includes(secret), `plaintext secret '${name}' appeared in captured output`).toBe(false);
    // Also in JSON-escaped form, as it would appear inside a logged or returned string.
    expect(text.includes(JSON.stringify(secret).slice(1, -1)), `escaped secret '${name}' appeared`).toBe(false);
  }
  expect(captured.length).toBeGreaterThan(0);
}
