import { randomBytes } from "node:crypto";
import { promises as fs, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseEncryptionKeys, type EncryptionKey } from "../../config";
import { PidLock } from "../store/embedded/pid-lock";

const FILE_NAME = "encryption-keys";

export const keyringPath = (dataDir: string) => path.join(dataDir, FILE_NAME);

/**
 * Embedded mode's key ring: `<dataDir>/encryption-keys`, generated on first start. Losing this file loses every
 * stored secret, so it is written so that neither a crash nor a second process starting at once can replace it.
 */
export async function loadOrCreateKeyring(dataDir: string): Promise<EncryptionKey[]> {
  const file = path.join(dataDir, FILE_NAME);
  const existing = await readKeyring(file);
  if (existing) return existing;

  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const created = [newKey()];
  const kid = created[0].id;
  const won = await publishOnce(file, `${kid}:${created[0].key.toString("base64")}\n`);
  if (won) return created;
  // Another process created the file between our read and our publish: its keys are the ones on disk.
  const theirs = await readKeyring(file);
  if (!theirs) throw new Error(`${file}: disappeared while being created`);
  return theirs;
}

async function readKeyring(file: string): Promise<EncryptionKey[] | null> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  try {
    return parseKeyFile(text);
  } catch (e) {
    // parseEncryptionKeys names entries, ids and lengths only, so its message is safe to pass on.
    throw new Error(`${file}: malformed key ring (${(e as Error).message})`, { cause: e });
  }
}

/**
 * Writes a complete, fsynced temp file, then makes it appear under `file` in one step. link() rather than
 * rename() because rename silently replaces a file a concurrent starter already published (and whose key may
 * already encrypt data); rename remains the fallback where hard links are unsupported. Returns false if `file`
 * already existed.
 */
async function publishOnce(file: string, content: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await fs.open(tmp, "wx", 0o600);
  try {
    await handle.writeFile(content, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.link(tmp, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      await fs.rm(tmp, { force: true });
      return false;
    }
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS" && code !== "EOPNOTSUPP") {
      await fs.rm(tmp, { force: true });
      throw e;
    }
    await fs.rename(tmp, file);
    await syncDir(path.dirname(file));
    return true;
  }
  await fs.rm(tmp, { force: true });
  await syncDir(path.dirname(file));
  return true;
}

/** The new directory entry is only durable once the directory itself is synced; best effort (not on Windows). */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Durability hint only: the file is complete either way.
  }
}

/** One kid:base64 entry per line (ENCRYPTION_KEYS' commas are accepted too). */
const parseKeyFile = (text: string) => parseEncryptionKeys(text.split(/[\r\n]+/).join(","));

const newKey = (): EncryptionKey => ({ id: `k${new Date().toISOString().slice(0, 10).replaceAll("-", "")}${randomBytes(2).toString("hex")}`, key: randomBytes(32) });
const serialise = (keys: readonly EncryptionKey[]) => keys.map((k) => `${k.id}:${k.key.toString("base64")}`).join("\n") + "\n";

/**
 * `keys rotate --new-key`: puts a new key first in the key file and keeps the others after it, so every existing
 * secret still decrypts until it is re-encrypted. Edits are serialised by a lock beside the file (two rotations at
 * once must not each drop the other's new key), and the file is replaced whole, fsynced, in one rename.
 */
export async function addKeyToKeyring(dataDir: string): Promise<{ added: string; kept: string[] }> {
  const file = keyringPath(dataDir);
  const lock = await PidLock.acquire(`${file}.lock`, "keys rotate", 30_000, () => true);
  if (!(lock instanceof PidLock)) throw new Error(`${file} is being edited by pid ${lock.pid}; try again`);
  try {
    const existing = (await readKeyring(file)) ?? [];
    let added = newKey();
    while (existing.some((k) => k.id === added.id)) added = newKey();
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    const handle = await fs.open(tmp, "wx", 0o600);
    try {
      await handle.writeFile(serialise([added, ...existing]), "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
    await syncDir(path.dirname(file));
    return { added: added.id, kept: existing.map((k) => k.id) };
  } finally {
    lock.release();
  }
}

/**
 * For a long-running process: returns the key file's keys when the file changed since `loaded` was read, else null.
 * A stat per call; callers ask only before encrypting and when a value names an unknown key.
 */
export function keyringReloader(dataDir: string): () => EncryptionKey[] | null {
  const file = keyringPath(dataDir);
  const signature = () => {
    try {
      const s = statSync(file);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return "missing";
    }
  };
  let seen = signature();
  return () => {
    const now = signature();
    if (now === seen || now === "missing") return null;
    seen = now;
    try {
      return parseKeyFile(readFileSync(file, "utf8"));
    } catch {
      return null; // a malformed edit: keep the ring in use; /readyz reports secrets that stop decrypting
    }
  };
}
