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
    globalSetup: ["test/support/global-setup.ts"],
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
