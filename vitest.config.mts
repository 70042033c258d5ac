import { createRequire } from "node:module";
import swc from "unplugin-swc";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  // swc, not Vite's own transform: type-graphql and TypeORM need design:type metadata on every file.
  plugins: [swc.vite({ module: { type: "es6" } })],
  // graphql@16 ships CJS and ESM without an exports map; one realm or "@include from another module" errors.
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }] },
  test: {
    environment: "node",
    setupFiles: ["reflect-metadata"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // `npm test` runs all three; `npm run test:unit` (and the others) one, e.g. for a fast loop while editing.
    // Each project extends this config (the swc plugin and the graphql alias above).
    projects: [
      // Plain code and files on disk: no build, no services, so no global setup.
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      // Every other folder but e2e (integration, contract, security, and any new one, so no test is left out):
      // the real services and the sample datasets; some suites run the built CLI (workers) too.
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: ["test/unit/**", "test/e2e/**"],
          globalSetup: ["test/support/global-setup.ts"],
        },
      },
      // The built CLI as `npm start` runs it, as whole processes.
      { extends: true, test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], globalSetup: ["test/support/global-setup.ts"] } },
    ],
  },
});
