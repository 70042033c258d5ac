import { describe } from "vitest";

/**
 * Suites that need a real service run when its URL is set. Without it they are skipped with the reason
 * printed, except under REQUIRE_SERVICES=1 (CI), where a missing service fails the run instead.
 */
import { serviceUrls, type ServiceName } from "./service-urls";

export { serviceUrls, type ServiceName };

const VARIABLE: Record<ServiceName, string> = {
  postgres: "DATABASE_URL",
  redis: "REDIS_URL",
  mariadb: "MARIADB_URL",
  trino: "TRINO_URL",
};

export function requireService(name: ServiceName): string | null {
  const url = serviceUrls[name];
  if (url) return url;
  if (process.env.REQUIRE_SERVICES === "1") {
    throw new Error(`REQUIRE_SERVICES=1 but ${VARIABLE[name]} is not set: the ${name} suites cannot run`);
  }
  console.warn(`skipping ${name} suites: ${VARIABLE[name]} is not set`);
  return null;
}

/** `describe` that runs only with the service, saying why when it does not. */
export function describeWith(name: ServiceName, title: string, body: (url: string) => void): void {
  const url = requireService(name);
  if (url) describe(title, () => body(url));
  else describe.skip(`${title} (skipped: ${VARIABLE[name]} is not set)`, () => undefined);
}

/** The metadata stores every store-backed suite runs against: embedded PGlite always, PostgreSQL when given. */
export function storesUnderTest(): ("pglite" | "postgres")[] {
  return requireService("postgres") ? ["pglite", "postgres"] : ["pglite"];
}
