import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { EncryptionKey } from "../../config";

/** Where a secret lives; it is bound into the ciphertext so a value copied to another row does not decrypt. */
export interface SecretContext {
  accountId: string;
  connectionId: string;
  field: string;
}

export type SecretErrorReason = "malformed" | "unknown-key" | "tampered-or-misbound";

/** Messages name only the reason (and at most the key id): never plaintext, ciphertext or key bytes. */
export class SecretError extends Error {
  constructor(
    readonly reason: SecretErrorReason,
    message: string,
  ) {
    super(message);
    this.name = "SecretError";
  }
}

const PREFIX = "enc:v1:";
const ALGORITHM = "aes-256-gcm";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
// Same rule as parseEncryptionKeys; it also guarantees a kid never contains the ':' separator.
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

interface Parts {
  kid: string;
  iv: Buffer;
  sealed: Buffer;
}

export class SecretBox {
  private current!: EncryptionKey;
  private byId = new Map<string, Buffer>();

  /**
   * `reload`, when given, returns a newer key ring or null if unchanged. It is asked before every encryption and when
   * a value names a key this ring lacks, so a ring rotated by another process (embedded mode's key file) is used at
   * once: new secrets get the new first key, and secrets it already re-encrypted still decrypt.
   */
  constructor(
    keys: readonly EncryptionKey[],
    private readonly reload?: () => readonly EncryptionKey[] | null,
  ) {
    this.use(keys);
  }

  private use(keys: readonly EncryptionKey[]): void {
    if (keys.length === 0) throw new Error("SecretBox needs at least one encryption key");
    const byId = new Map<string, Buffer>();
    for (const { id, key } of keys) {
      if (!KEY_ID.test(id)) throw new Error(`encryption key id '${id}' must be 1-32 letters, digits, - or _`);
      if (key.length !== KEY_BYTES) throw new Error(`encryption key '${id}' must be ${KEY_BYTES} bytes`);
      if (byId.has(id)) throw new Error(`encryption key id '${id}' appears twice`);
      byId.set(id, key);
    }
    this.byId = byId;
    this.current = keys[0];
  }

  private refresh(): void {
    const keys = this.reload?.();
    if (keys) this.use(keys);
  }

  /** The id of the key new secrets are encrypted with. */
  get currentKeyId(): string {
    return this.current.id;
  }

  static isEncrypted(value: unknown): value is string {
    return typeof value === "string" && value.startsWith(PREFIX);
  }

  encrypt(plaintext: string, ctx: SecretContext): string {
    this.refresh();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(ctx));
    const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${this.current.id}:${iv.toString("base64url")}:${sealed.toString("base64url")}`;
  }

  decrypt(value: string, ctx: SecretContext): string {
    const { kid, iv, sealed } = parse(value);
    if (!this.byId.has(kid)) this.refresh();
    const key = this.byId.get(kid);
    if (!key) throw new SecretError("unknown-key", `encrypted value uses key '${kid}', which is not in the key ring`);
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(ctx));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      const plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
      return plain.toString("utf8");
    } catch {
      // GCM cannot tell a flipped bit from a value moved to another account/connection/field; both land here.
      throw new SecretError("tampered-or-misbound", "encrypted value was altered or belongs to another connection or field");
    }
  }

  keyIdOf(value: string): string {
    return parse(value).kid;
  }

  needsRotation(value: string): boolean {
    return this.keyIdOf(value) !== this.current.id;
  }

  rotate(value: string, ctx: SecretContext): string {
    // Decrypt even when current, so rotate() never blesses a value that would fail later.
    const plaintext = this.decrypt(value, ctx);
    return this.needsRotation(value) ? this.encrypt(plaintext, ctx) : value;
  }
}

/** JSON array, not a joined string: ("a:b","c") and ("a","b:c") must give different AAD. */
function aad(ctx: SecretContext): Buffer {
  return Buffer.from(JSON.stringify(["v1", ctx.accountId, ctx.connectionId, ctx.field]), "utf8");
}

function parse(value: string): Parts {
  if (!SecretBox.isEncrypted(value)) throw malformed();
  const parts = value.slice(PREFIX.length).split(":");
  if (parts.length !== 3) throw malformed();
  const [kid, ivText, sealedText] = parts;
  if (!KEY_ID.test(kid)) throw malformed();
  const iv = decodeBase64url(ivText);
  const sealed = decodeBase64url(sealedText);
  if (iv.length !== IV_BYTES || sealed.length < TAG_BYTES) throw malformed();
  return { kid, iv, sealed };
}

/** Strict: Node's decoder skips bad characters and ignores spare bits, so one text could alias another. */
function decodeBase64url(text: string): Buffer {
  if (!BASE64URL.test(text)) throw malformed();
  const bytes = Buffer.from(text, "base64url");
  if (bytes.toString("base64url") !== text) throw malformed();
  return bytes;
}

const malformed = () => new SecretError("malformed", "value is not an enc:v1:<kid>:<iv>:<ciphertext> secret");
