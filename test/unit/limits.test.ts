import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { limitsMarkdown, LIMIT_TABLE } from "../../src/limits";

describe("limits", () => {
  it("docs/limits.md is what src/limits.ts generates (run npm run docs:limits after changing a limit)", () => {
    expect(fs.readFileSync(path.resolve(__dirname, "../../docs/limits.md"), "utf8")).toBe(limitsMarkdown());
  });

  it("lists every exported limit once", async () => {
    const exported = Object.keys(await import("../../src/limits")).filter((k) => /^[A-Z][A-Z_]+$/.test(k) && k !== "LIMIT_TABLE");
    const documented = LIMIT_TABLE.map(([name]) => (name === "SCAN_MAX_BYTES" ? "DEFAULT_SCAN_MAX_BYTES" : name));
    expect([...documented].sort()).toEqual([...exported].sort());
  });
});
