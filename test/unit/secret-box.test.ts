import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { EncryptionKey } from "../../src/config";
import { loadOrCreateKeyring } from "../../src/datasources/secrets/keyring-file";
import { SecretBox, SecretError, type SecretContext, type SecretErrorReason } from "../../src/datasources/secrets/secret-box";

const key = (id: string): EncryptionKey => ({ id, key: randomBytes(32) });
const ctx: SecretContext = { accountId: "acct-1", connectionId: "conn-1", field: "password" };
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function failure(run: () => unknown): SecretError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(SecretError);
    return e as SecretError;
  }
  throw new Error("expected a SecretError");
}

describe(SecretBox.name, () => {
  const box = new SecretBox([key("k1")]);

  it.each([
    ["ascii", "hunter2"],
    ["empty", ""],
    ["unicode", "pä$$wörd 🔑 密码"],
  ])("round-trips a %s plaintext", (_, plaintext) => {
    const value = box.encrypt(plaintext, ctx);
    expect(value).toMatch(/^enc:v1:k1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(SecretBox.isEncrypted(value)).toBe(true);
    expect(box.decrypt(value, ctx)).toBe(plaintext);
  });

  it("gives two different values for the same plaintext, neither containing it", () => {
    const [a, b] = [box.encrypt("correct-horse", ctx), box.encrypt("correct-horse", ctx)];
    expect(a).not.toBe(b);
    for (const v of [a, b]) expect(v).not.toMatch(/correct-horse|Y29ycmVjdC1ob3Jz/);
  });

  it.each([
    ["another account's", { ...ctx, accountId: "acct-2" }],
    ["another connection's", { ...ctx, connectionId: "conn-2" }],
    ["another field's", { ...ctx, field: "sshPassword" }],
  ])("does not decrypt a value moved to %s row", (_, moved) => {
    const error = failure(() => box.decrypt(box.encrypt("s3cret-value", ctx), moved));
    expect(error.reason).toBe("tampered-or-misbound");
    expect(error.message).not.toContain("s3cret-value");
  });

  it('keeps ("a:b", "c") and ("a", "b:c") apart', () => {
    const value = box.encrypt("x", { accountId: "a:b", connectionId: "c", field: "f" });
    const moved = { accountId: "a", connectionId: "b:c", field: "f" };
    expect(failure(() => box.decrypt(value, moved)).reason).toBe("tampered-or-misbound");
  });

  it.each([
    ["iv", 3],
    ["ciphertext and tag", 4],
  ])("rejects every single-character change to the %s", (_, part) => {
    const value = box.encrypt("hunter2", ctx);
    const parts = value.split(":");
    const text = parts[part];
    for (let i = 0; i < text.length; i++) {
      const swapped = B64URL[(B64URL.indexOf(text[i]) + 1 + i) % 64];
      const tampered = [...parts.slice(0, part), text.slice(0, i) + swapped + text.slice(i + 1), ...parts.slice(part + 1)];
      const error = failure(() => box.decrypt(tampered.join(":"), ctx));
      expect(["tampered-or-misbound", "malformed"]).toContain(error.reason);
      expect(error.message).not.toContain("hunter2");
    }
  });

  it("fails with reason unknown-key for a kid outside the ring", () => {
    const value = new SecretBox([key("other")]).encrypt("x", ctx);
    expect(failure(() => box.decrypt(value, ctx)).reason).toBe<SecretErrorReason>("unknown-key");
  });

  const iv = randomBytes(12).toString("base64url");
  const sealed = randomBytes(24).toString("base64url");
  it.each([
    ["plain text", "hunter2"],
    ["a wrong version", `enc:v2:k1:${iv}:${sealed}`],
    ["a missing ciphertext", `enc:v1:k1:${iv}`],
    ["a missing iv and ciphertext", "enc:v1:k1"],
    ["an extra part", `enc:v1:k1:${iv}:${sealed}:x`],
    ["an empty kid", `enc:v1::${iv}:${sealed}`],
    ["standard base64 characters", `enc:v1:k1:${iv}:${randomBytes(24).toString("base64").replace(/^./, "+")}`],
    ["base64 padding", `enc:v1:k1:${iv}:${randomBytes(23).toString("base64url")}=`],
    ["a short iv", `enc:v1:k1:${randomBytes(8).toString("base64url")}:${sealed}`],
    ["a value shorter than the tag", `enc:v1:k1:${iv}:${randomBytes(15).toString("base64url")}`],
  ])("fails with reason malformed for %s, from decrypt and keyIdOf", (_, value) => {
    expect(failure(() => box.decrypt(value, ctx)).reason).toBe("malformed");
    expect(failure(() => box.keyIdOf(value)).reason).toBe("malformed");
  });

  it("rotates a value made with an old key to the new key", () => {
    const oldKey = key("old");
    const newKey = key("new");
    const value = new SecretBox([oldKey]).encrypt("hunter2", ctx);
    const ring = new SecretBox([newKey, oldKey]);

    expect(ring.decrypt(value, ctx)).toBe("hunter2");
    expect(ring.needsRotation(value)).toBe(true);
    const rotated = ring.rotate(value, ctx);
    expect(ring.keyIdOf(rotated)).toBe("new");
    expect(ring.needsRotation(rotated)).toBe(false);
    expect(new SecretBox([newKey]).decrypt(rotated, ctx)).toBe("hunter2");
    expect(ring.rotate(rotated, ctx)).toBe(rotated);
  });

  it("refuses to rotate a value bound to another row", () => {
    const oldKey = key("old");
    const value = new SecretBox([oldKey]).encrypt("x", ctx);
    const ring = new SecretBox([key("new"), oldKey]);
    expect(failure(() => ring.rotate(value, { ...ctx, field: "other" })).reason).toBe("tampered-or-misbound");
  });

  it.each([
    ["an empty ring", []],
    ["a short key", [{ id: "k1", key: randomBytes(16) }]],
    ["a duplicate kid", [key("k1"), key("k1")]],
    ["a kid with ':'", [key("a:b")]],
  ])("rejects %s", (_, keys) => {
    expect(() => new SecretBox(keys)).toThrow();
  });
});

describe(loadOrCreateKeyring.name, () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyring-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("creates a 0600 key file on first call and returns the same keys on the second", async () => {
    const dataDir = path.join(tempDir(), "nested", "data");
    const first = await loadOrCreateKeyring(dataDir);
    expect(first).toEqual([{ id: expect.stringMatching(/^k\d{8}[0-9a-f]{4}$/), key: expect.any(Buffer) }]);
    expect(first[0].key).toHaveLength(32);
    expect(fs.statSync(path.join(dataDir, "encryption-keys")).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dataDir)).toEqual(["encryption-keys"]); // no temp file left behind
    expect(await loadOrCreateKeyring(dataDir)).toEqual(first);
  });

  it("gives every concurrent first caller the same keys", async () => {
    const dataDir = tempDir();
    const rings = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateKeyring(dataDir)));
    for (const ring of rings) expect(ring).toEqual(rings[0]);
  });

  it.each([
    ["garbage", "not a key ring"],
    ["a short key", `k1:${randomBytes(16).toString("base64")}`],
    ["an empty file", ""],
  ])("fails on %s, naming the file but not the key", async (_, content) => {
    const dataDir = tempDir();
    const file = path.join(dataDir, "encryption-keys");
    fs.writeFileSync(file, content);
    const error = await loadOrCreateKeyring(dataDir).then(
      () => new Error("resolved"),
      (e: Error) => e,
    );
    expect(error.message).toContain(file);
    if (content.includes(":")) expect(error.message).not.toContain(content.split(":")[1]);
  });
});
