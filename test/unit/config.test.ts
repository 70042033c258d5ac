import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config";

const KEY = Buffer.alloc(32, 7).toString("base64");

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 4000,
      host: "127.0.0.1",
      databaseUrl: null,
      redisUrl: null,
      trinoUrl: null,
      scanTimeoutMs: 30_000,
      logLevel: "info",
      migrateOnStart: true,
      encryptionKeys: null,
      demo: true,
      ai: { url: null, model: "gpt-4o-mini", apiKey: null, timeoutMs: 30_000 },
      embeddings: { url: null, sentenceModel: true, sentenceModelThreads: 1, sentenceModelDir: null },
    });
    expect(loadConfig({ SEARCH_SENTENCE_MODEL: "false", SEARCH_MODEL_THREADS: "2" }).embeddings).toMatchObject({ sentenceModel: false, sentenceModelThreads: 2 });
    expect(c.dataDir).toMatch(/\.data$/);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("parses a key ring whose first key encrypts", () => {
    const c = loadConfig({ DATABASE_URL: "postgres://u@h/db", ENCRYPTION_KEYS: `new:${KEY}, old:${Buffer.alloc(32, 1).toString("base64")}` });
    expect(c.encryptionKeys?.map((k) => k.id)).toEqual(["new", "old"]);
    expect(c.demo).toBe(false);
  });

  it.each([
    [{ PORT: "abc" }, "PORT: must be an integer"],
    [{ PORT: "70000" }, "PORT: must be an integer from 0 to 65535"],
    [{ DATABASE_URL: "mysql://x/y", ENCRYPTION_KEYS: `k:${KEY}` }, "DATABASE_URL: must be a URL"],
    [{ DATABASE_URL: "postgres://u@h/db" }, "ENCRYPTION_KEYS: required when DATABASE_URL is set"],
    [{ ENCRYPTION_KEYS: "k:c2hvcnQ=" }, "ENCRYPTION_KEYS: key 'k' must be 32 bytes"],
    [{ ENCRYPTION_KEYS: `bad id:${KEY}` }, "ENCRYPTION_KEYS: entry 1 needs a key id"],
    [{ ENCRYPTION_KEYS: `a:${KEY},a:${KEY}` }, "ENCRYPTION_KEYS: key id 'a' appears twice"],
    [{ REDIS_URL: "http://localhost" }, "REDIS_URL: must be a URL starting with redis://"],
    [{ TRINO_URL: "trino" }, "TRINO_URL: must be a URL"],
    [{ SCAN_TIMEOUT_MS: "5" }, "SCAN_TIMEOUT_MS: must be an integer from 100"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL: must be one of"],
    [{ AI_URL: "ftp://models.example" }, "AI_URL:"],
    [{ AI_TIMEOUT_MS: "50" }, "AI_TIMEOUT_MS: must be an integer from 100"],
    [{ MIGRATE_ON_START: "maybe" }, "MIGRATE_ON_START: must be true or false"],
    [{ DEMO: "sometimes" }, "DEMO: must be true or false"],
    [{ SEARCH_SENTENCE_MODEL: "yes please" }, "SEARCH_SENTENCE_MODEL: must be true or false"],
    [{ SEARCH_MODEL_THREADS: "0" }, "SEARCH_MODEL_THREADS: must be an integer from 1 to 16"],
    [{ ALLOWED_HOSTS: "10.0.0.0/8, <script>" }, "ALLOWED_HOSTS: '<script>'"],
  ])("refuses %o naming the variable", (env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join("\n")).toContain(message);
  });

  it("lists every bad variable at once", () => {
    expect(() => loadConfig({ PORT: "x", LOG_LEVEL: "y" })).toThrow(/PORT.*LOG_LEVEL|LOG_LEVEL.*PORT/);
  });
});
