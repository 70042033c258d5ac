import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(__dirname, "../../src");

/** DESIGN.md's floors: a file may import only from its own folder or a lower floor (a larger number). */
const FLOOR: Record<string, number> = {
  "cli.ts": 0,
  "main.ts": 1,
  http: 2,
  workers: 3,
  resolvers: 3,
  services: 4,
  "sql-gate": 5,
  schema: 5,
  datasources: 6,
  "config.ts": 7,
  "errors.ts": 7,
  // Below config: the environment's defaults come from it.
  "limits.ts": 8,
  "logger.ts": 7,
  // Recorded into from every floor, like the logger; it imports only prom-client.
  "metrics.ts": 7,
  "paths.ts": 7,
  "ids.ts": 7,
  // A bounded map with expiry: caches in services and datasources alike.
  "ttl-cache.ts": 7,
  migrations: 7,
};

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? files(full) : e.name.endsWith(".ts") ? [full] : [];
  });
}

const unitOf = (file: string) => {
  const rel = path.relative(SRC, file);
  if (rel.startsWith("..")) return path.relative(path.resolve(SRC, ".."), file).split(path.sep)[0];
  return rel.split(path.sep)[0];
};

describe("architecture", () => {
  const sources = files(SRC);

  it("reads process.env only in config.ts and the CLI entry point", () => {
    const readers = sources
      .filter((f) => /process\.env/.test(fs.readFileSync(f, "utf8")))
      .map((f) => path.relative(SRC, f))
      .sort();
    expect(readers).toEqual(["cli.ts", "config.ts"]);
  });

  it("keeps TypeORM in the datasources (and migrations): services speak in domain terms", () => {
    const users = sources
      .filter((f) => /from "typeorm"/.test(fs.readFileSync(f, "utf8")))
      .map((f) => path.relative(SRC, f))
      .filter((f) => !f.startsWith(`datasources${path.sep}`));
    expect(users).toEqual([]);
  });

  it("imports only down the floors of DESIGN.md", () => {
    const violations: string[] = [];
    for (const file of sources) {
      const from = unitOf(file);
      for (const m of fs.readFileSync(file, "utf8").matchAll(/from\s+"(\.[^"]+)"/g)) {
        const target = path.resolve(path.dirname(file), m[1]);
        const imported = fs.existsSync(target) && fs.statSync(target).isDirectory() ? path.join(target, "index.ts") : `${target}.ts`;
        const to = unitOf(imported);
        if (from === to) continue;
        if (!(to in FLOOR) || !(from in FLOOR)) violations.push(`${path.relative(SRC, file)} → ${m[1]} (unknown floor)`);
        else if (FLOOR[to] <= FLOOR[from]) violations.push(`${path.relative(SRC, file)} → ${m[1]}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
