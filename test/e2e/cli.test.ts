import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { SecretBox } from "../../src/datasources/secrets/secret-box";
import { createCore } from "../../src/main";
import { pgInput } from "../support/fixtures";
import { runCli } from "../support/processes";
import { expectNoSecretLeak, PLAIN } from "../support/secrets";

const key = (id: string) => `${id}:${randomBytes(32).toString("base64")}`;

describe("cli", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-cli-"));
  const oldKey = key("old");
  const newKey = key("new");
  const env = { DATA_DIR: dataDir, LOG_LEVEL: "warn", DEMO: "false" };
  const captured: string[] = [];
  const run = async (args: string[], extra: Record<string, string> = {}) => {
    const r = await runCli(args, { ...env, ...extra });
    captured.push(r.stdout, r.stderr);
    return r;
  };
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    expectNoSecretLeak(captured);
  });

  let accountId = "";
  it("creates an account and prints only its id", async () => {
    const r = await run(["account", "create", "--name", "acme"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    accountId = r.stdout.trim();
  });

  it("creates a reader token for it and prints only the token", async () => {
    const r = await run(["token", "create", "--account", accountId, "--role", "reader"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^gwt_[A-Za-z0-9_-]{43}\n$/);
  });

  it("lists the account's tokens without the tokens themselves, and revokes one", async () => {
    const token = (await run(["token", "create", "--account", accountId, "--role", "admin", "--name", "to revoke"])).stdout.trim();
    const listed = await run(["token", "list", "--account", accountId]);
    expect(listed.code).toBe(0);
    const [header, ...rows] = listed.stdout
      .replace(/\n$/, "")
      .split("\n")
      .map((l) => l.split("\t"));
    expect(header).toEqual(["id", "role", "name", "created", "expires", "revoked"]);
    expect(rows.map((r) => [r[1], r[2], r[4], r[5]])).toEqual([
      ["reader", "", "", ""],
      ["admin", "to revoke", "", ""],
    ]);
    expect(listed.stdout).not.toContain(token);
    const id = rows[1][0];
    const revoked = await run(["token", "revoke", id]);
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked ${id}\n` });
    const after = (await run(["token", "list", "--account", accountId])).stdout.replace(/\n$/, "").split("\n").at(-1)!.split("\t");
    expect(after[5]).toMatch(/^\d{4}-\d\d-\d\dT/);
    // Once is enough: a second revoke, or an id that is no token, says so and changes nothing.
    const again = await run(["token", "revoke", id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`no active token ${id}`);
  });

  it("lists accounts with their numbers, and makes tokens that expire (the way to replace a lost first token)", async () => {
    const accounts = (await run(["account", "list"])).stdout
      .replace(/\n$/, "")
      .split("\n")
      .map((l) => l.split("\t"));
    expect(accounts[0]).toEqual(["id", "aid", "name", "created"]);
    expect(accounts.slice(1).find((a) => a[0] === accountId)).toEqual([accountId, expect.stringMatching(/^\d+$/), "acme", expect.stringMatching(/^\d{4}-/)]);
    const made = await run(["token", "create", "--account", accountId, "--expires", "7", "--name", "weekly"]);
    expect(made.code).toBe(0);
    const weekly = (await run(["token", "list", "--account", accountId])).stdout
      .split("\n")
      .find((l) => l.includes("weekly"))!
      .split("\t");
    const days = (new Date(weekly[4]).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    const bad = await run(["token", "create", "--account", accountId, "--expires", "365"]);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining("--expires must be 7, 30, 90 or never") });
  });

  it.each([
    [["account", "create"], 2, "--name NAME is required"],
    [["token", "create"], 2, "--account ID is required"],
    [["token", "create", "--account", "7d444840-9dc0-4b4c-9a5f-1d1b5d1a0f00"], 1, "no account 7d444840"],
    [["token", "create", "--account", "x", "--role", "owner"], 2, "--role must be admin or reader"],
    [["frobnicate"], 2, "unknown command 'frobnicate'"],
    [["token", "list"], 2, "--account ID is required"],
    [["token", "list", "--account", "not-a-uuid"], 1, "account: must be an account id"],
    [["token", "revoke"], 2, "the token's id is required"],
    [["token", "revoke", "not-a-uuid"], 1, "token: must be a token id"],
    [["token", "revoke", "7d444840-9dc0-4b4c-9a5f-1d1b5d1a0f00"], 1, "no active token 7d444840"],
    [["token", "revoke", "a", "b"], 2, "unexpected argument 'b'"],
    [["account", "create", "extra"], 2, "unexpected argument 'extra'"],
  ])("refuses %j with exit %i", async (args, code, message) => {
    const r = await run(args);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message);
  });

  it("stops at start with one line naming a bad variable", async () => {
    const r = await run(["serve"], { PORT: "four thousand" });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual(["config: PORT: must be an integer from 0 to 65535"]);
  });

  it("refuses to run a worker on an embedded data folder no gateway serves", async () => {
    const r = await run(["worker"], { REDIS_URL: "redis://127.0.0.1:1" });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`error: 'worker' in embedded mode works through a running gateway: start serve on DATA_DIR ${dataDir} first (or set DATABASE_URL)`);
  });

  it("applies migrations with the migrate command", async () => {
    const r = await run(["migrate"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("migrations up to date (pglite)");
  });

  describe("keys rotate", () => {
    const ids: string[] = [];
    it("re-encrypts every secret with the first key; old rows stay readable until then", async () => {
      const core = await createCore(loadConfig({ ...env, ENCRYPTION_KEYS: oldKey }));
      const principal = { tokenId: "00000000-0000-4000-8000-000000000001", accountId, role: "admin" as const };
      for (const [i, password] of [PLAIN.password, PLAIN.password2, PLAIN.password3].entries()) {
        ids.push((await core.connections.create(principal, pgInput(`rot ${i}`, { config: { host: "1.2.3.20", database: "d", user: "u", password } }) as never)).id);
      }
      await core.connections.delete(principal, ids[2]); // deleted rows are re-encrypted too
      await core.close();

      const r = await run(["keys", "rotate"], { ENCRYPTION_KEYS: `${newKey},${oldKey}` });
      expect(r.stdout).toContain("rows 3, secrets re-encrypted 3, already current 0, failed 0");
      expect(r.code).toBe(0);

      // With only the new key left, every secret still decrypts to what was stored.
      const after = await createCore(loadConfig({ ...env, ENCRYPTION_KEYS: newKey }));
      const rows = await after.store.dataSource.query("SELECT id, account_id, config FROM connections ORDER BY label");
      await after.close();
      const box = new SecretBox(loadConfig({ ENCRYPTION_KEYS: newKey }).encryptionKeys!);
      const plain = rows.map((row: { id: string; account_id: string; config: { password: string } }) => {
        expect(box.keyIdOf(row.config.password)).toBe("new");
        return box.decrypt(row.config.password, { accountId: row.account_id, connectionId: row.id, field: "password" });
      });
      expect(plain).toEqual([PLAIN.password, PLAIN.password2, PLAIN.password3]);
      captured.push(JSON.stringify(rows));
    }, 90_000); // an embedded store starts inside: 17 s on a loaded machine

    it("is idempotent: a second run finds every secret current", async () => {
      const r = await run(["keys", "rotate"], { ENCRYPTION_KEYS: newKey });
      expect(r.stdout).toContain("rows 3, secrets re-encrypted 0, already current 3, failed 0");
    }, 90_000);

    it("reports a ciphertext moved to another row as unreadable, fails, and leaves that row untouched", async () => {
      const core = await createCore(loadConfig({ ...env, ENCRYPTION_KEYS: newKey }));
      await core.store.dataSource.query(
        `UPDATE connections SET config = jsonb_set(config, '{password}', (SELECT config->'password' FROM connections WHERE id = $1)) WHERE id = $2`,
        [ids[0], ids[1]],
      );
      const before = await core.store.dataSource.query("SELECT config FROM connections WHERE id = $1", [ids[1]]);
      await core.close();
      const r = await run(["keys", "rotate"], { ENCRYPTION_KEYS: `${key("newer")},${newKey}` });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("secrets re-encrypted 2, already current 0, failed 1");
      expect(r.stderr).toContain(`not readable: connection ${ids[1]} field password (tampered-or-misbound)`);
      const check = await createCore(loadConfig({ ...env, ENCRYPTION_KEYS: newKey }));
      const afterRows = await check.store.dataSource.query("SELECT config FROM connections WHERE id = $1", [ids[1]]);
      await check.close();
      expect(afterRows).toEqual(before);
    }, 90_000);
  });
});
