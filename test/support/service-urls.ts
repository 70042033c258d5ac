/** Service URLs from the environment (no test-runner imports here: the benchmarks use it too). */
export const serviceUrls = {
  postgres: process.env.DATABASE_URL ?? null,
  redis: process.env.REDIS_URL ?? null,
  mariadb: process.env.MARIADB_URL ?? null,
  trino: process.env.TRINO_URL ?? null,
};
export type ServiceName = keyof typeof serviceUrls;
