import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  globalIgnores(["dist/", ".data/", ".tools/", "test-artifacts/", "test/artifacts/"]),
  js.configs.recommended,
  // The scripts: plain JavaScript that Node runs.
  { files: ["**/*.mjs"], languageOptions: { globals: globals.node } },
  {
    files: ["**/*.ts", "**/*.mts"],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      // tsconfig.json for src, test and migrations; the Vitest config is outside it.
      parserOptions: { projectService: { allowDefaultProject: ["vitest.config.mts"] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody waits for loses its errors and its ordering: await it, or `void` it saying why.
      "@typescript-eslint/no-floating-promises": "error",
      // A new member of a union (an engine, an error code, a message type) must reach every switch over it.
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      // A leading underscore marks a parameter a signature requires (Express's error handler) or a rest-split leftover.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Off: `async` without `await` is how Promise-returning interfaces are implemented here, and it turns a throw into a rejection.
      "@typescript-eslint/require-await": "off",
      // Off: String() of parser and driver values typed unknown is deliberate; objects in messages are caught by restrict-template-expressions.
      "@typescript-eslint/no-base-to-string": "off",
      // Off: the validators and the SQL lexer match control characters on purpose.
      "no-control-regex": "off",
    },
  },
  {
    files: ["test/**/*.ts"],
    rules: {
      // Off in tests: JSON answers and driver rows are `any` there, and the expect() on them is the check.
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
);
