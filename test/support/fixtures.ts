import { PLAIN } from "./secrets";
import type { ConnectionInput } from "./transports";

/** A valid PostgreSQL connection on a public documentation address (TEST-NET-3: never routed, never dialled here). */
export const pgInput = (label: string, overrides: Partial<ConnectionInput> = {}): ConnectionInput => ({
  label,
  description: "warehouse replica",
  connectionConfigSlug: "postgres",
  config: { host: "1.2.3.10", port: 5432, database: "analytics", user: "reader", password: PLAIN.password },
  ...overrides,
});
