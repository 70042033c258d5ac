import path from "node:path";
import { z } from "zod";
import { DEFAULT_SCAN_MAX_BYTES } from "./limits";

/** One validated, frozen view of the environment. Nothing else in src reads process.env. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  readonly redisUrl: string | null;
  readonly trinoUrl: string | null;
  /** Trino identities: the admin manages catalogs, the scan user only reads (Trino's access control says so). */
  readonly trinoAdminUser: string;
  readonly trinoScanUser: string;
  /** null in embedded mode: main.ts then loads or generates the key ring under dataDir. */
  readonly encryptionKeys: readonly EncryptionKey[] | null;
  readonly allowedHosts: readonly string[];
  readonly scanTimeoutMs: number;
  /** The most bytes a source may send for one scan, counted as they arrive. */
  readonly scanMaxBytes: number;
  readonly embeddings: {
    readonly url: string | null;
    readonly model: string | null;
    readonly apiKey: string | null;
    /** Whether schema search fuses in the sentence model (when installed), and onnxruntime's threads for it. */
    readonly sentenceModel: boolean;
    readonly sentenceModelThreads: number;
    /** Where the model's files are; null: where npm install puts them (scripts/models/sentence-model.json). */
    readonly sentenceModelDir: string | null;
  };
  /** An OpenAI-compatible chat completions endpoint for generateSql; null: AI SQL answers 503 naming AI_URL. */
  readonly ai: { readonly url: string | null; readonly model: string; readonly apiKey: string | null; readonly timeoutMs: number };
  readonly corsOrigins: readonly string[];
  readonly logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  readonly migrateOnStart: boolean;
  /** Port of the embedded Chinook demo database; 0 picks a free one at each start. */
  readonly demoDbPort: number;
  readonly demo: boolean;
  /** BullMQ key prefix: instances that share a prefix share the queue. */
  readonly queuePrefix: string;
  readonly workerConcurrency: number;
  /** How often serve looks for embedding work whose job is gone. */
  readonly reconcileIntervalMs: number;
  /** On SIGTERM: how long in-flight requests may take before their sockets are cut. */
  readonly shutdownGraceMs: number;
}

export interface EncryptionKey {
  readonly id: string;
  readonly key: Buffer;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
    this.name = "ConfigError";
  }
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** `kid1:base64,kid2:base64` → key ring; the first entry encrypts. Throws a message naming the bad entry. */
export function parseEncryptionKeys(value: string): EncryptionKey[] {
  const entries = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error("must list at least one kid:base64key");
  const seen = new Set<string>();
  return entries.map((entry, i) => {
    const sep = entry.indexOf(":");
    const id = sep > 0 ? entry.slice(0, sep) : "";
    if (!KEY_ID.test(id)) throw new Error(`entry ${i + 1} needs a key id of 1-32 letters, digits, - or _ before ':'`);
    if (seen.has(id)) throw new Error(`key id '${id}' appears twice`);
    seen.add(id);
    const key = Buffer.from(entry.slice(sep + 1), "base64");
    if (key.length !== 32) throw new Error(`key '${id}' must be 32 bytes of base64 (got ${key.length})`);
    return { id, key };
  });
}

const list = (v: string | undefined) =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? null : v.trim()))
    .refine((v) => v === null || isUrl(v, protocols), `must be a URL starting with ${protocols.join(" or ")}`);

function isUrl(v: string, protocols: string[]): boolean {
  try {
    const { protocol } = new URL(v);
    return protocols.some((p) => p === `${protocol}//`);
  } catch {
    return false;
  }
}

const int = (def: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === "" ? String(def) : v))
    .refine((v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max, `must be an integer from ${min} to ${max}`)
    .transform(Number);

const bool = (def: boolean) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === "" ? String(def) : v.toLowerCase()))
    .refine((v) => ["true", "false", "1", "0"].includes(v), "must be true or false")
    .transform((v) => v === "true" || v === "1");

const envSchema = z.object({
  PORT: int(4000, 0, 65535),
  HOST: z
    .string()
    .optional()
    .transform((v) => v || "127.0.0.1"),
  DATABASE_URL: optionalUrl(["postgres://", "postgresql://"]),
  DATA_DIR: z
    .string()
    .optional()
    .transform((v) => path.resolve(v || "./.data")),
  REDIS_URL: optionalUrl(["redis://", "rediss://"]),
  TRINO_URL: optionalUrl(["http://", "https://"]),
  TRINO_ADMIN_USER: z
    .string()
    .optional()
    .transform((v) => v || "gateway_admin")
    .pipe(z.string().regex(/^[A-Za-z0-9_]{1,64}$/, "must be 1-64 letters, digits or _")),
  TRINO_SCAN_USER: z
    .string()
    .optional()
    .transform((v) => v || "gateway_scan")
    .pipe(z.string().regex(/^[A-Za-z0-9_]{1,64}$/, "must be 1-64 letters, digits or _")),
  ENCRYPTION_KEYS: z.string().optional(),
  ALLOWED_HOSTS: z.string().optional().transform(list),
  SCAN_TIMEOUT_MS: int(30_000, 100, 3_600_000),
  SCAN_MAX_BYTES: int(DEFAULT_SCAN_MAX_BYTES, 1_024, 1024 * 1024 * 1024),
  EMBEDDINGS_URL: optionalUrl(["http://", "https://"]),
  EMBEDDINGS_MODEL: z.string().optional(),
  EMBEDDINGS_API_KEY: z.string().optional(),
  SEARCH_SENTENCE_MODEL: bool(true),
  SEARCH_MODEL_THREADS: int(1, 1, 16),
  SEARCH_MODEL_DIR: z
    .string()
    .optional()
    .transform((v) => (v ? path.resolve(v) : null)),
  AI_URL: optionalUrl(["http://", "https://"]),
  AI_MODEL: z.string().optional(),
  AI_API_KEY: z.string().optional(),
  AI_TIMEOUT_MS: int(30_000, 100, 600_000),
  CORS_ORIGINS: z.string().optional().transform(list),
  LOG_LEVEL: z
    .string()
    .optional()
    .transform((v) => v || "info")
    .pipe(z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], { message: "must be one of fatal, error, warn, info, debug, trace, silent" })),
  MIGRATE_ON_START: bool(true),
  DEMO_DB_PORT: int(54329, 0, 65535),
  QUEUE_PREFIX: z
    .string()
    .optional()
    .transform((v) => v || "gw")
    .pipe(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, - or _")),
  WORKER_CONCURRENCY: int(2, 1, 64),
  RECONCILE_INTERVAL_MS: int(30_000, 100, 86_400_000),
  SHUTDOWN_GRACE_MS: int(10_000, 0, 600_000),
  DEMO: z
    .string()
    .optional()
    .refine((v) => !v || ["true", "false", "1", "0"].includes(v.toLowerCase()), "must be true or false"),
});

/** Parses every variable; throws one ConfigError listing each bad one as "NAME: what is wrong". */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join(".")}: ${issue.message}`);
  }
  let encryptionKeys: EncryptionKey[] | null = null;
  const rawKeys = env.ENCRYPTION_KEYS?.trim();
  if (rawKeys) {
    try {
      encryptionKeys = parseEncryptionKeys(rawKeys);
    } catch (e) {
      problems.push(`ENCRYPTION_KEYS: ${(e as Error).message}`);
    }
  } else if (env.DATABASE_URL?.trim()) {
    problems.push("ENCRYPTION_KEYS: required when DATABASE_URL is set (kid:base64 of 32 random bytes)");
  }
  for (const entry of list(env.ALLOWED_HOSTS)) {
    if (!/^[A-Za-z0-9.:\-_/[\]]+$/.test(entry)) problems.push(`ALLOWED_HOSTS: '${entry}' is not a host name, address or CIDR`);
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    redisUrl: e.REDIS_URL,
    trinoUrl: e.TRINO_URL,
    trinoAdminUser: e.TRINO_ADMIN_USER,
    trinoScanUser: e.TRINO_SCAN_USER,
    encryptionKeys,
    allowedHosts: Object.freeze(e.ALLOWED_HOSTS),
    scanTimeoutMs: e.SCAN_TIMEOUT_MS,
    scanMaxBytes: e.SCAN_MAX_BYTES,
    embeddings: Object.freeze({
      url: e.EMBEDDINGS_URL,
      model: e.EMBEDDINGS_MODEL?.trim() || null,
      apiKey: e.EMBEDDINGS_API_KEY?.trim() || null,
      sentenceModel: e.SEARCH_SENTENCE_MODEL,
      sentenceModelThreads: e.SEARCH_MODEL_THREADS,
      sentenceModelDir: e.SEARCH_MODEL_DIR,
    }),
    ai: Object.freeze({ url: e.AI_URL, model: e.AI_MODEL?.trim() || "gpt-4o-mini", apiKey: e.AI_API_KEY?.trim() || null, timeoutMs: e.AI_TIMEOUT_MS }),
    corsOrigins: Object.freeze(e.CORS_ORIGINS),
    logLevel: e.LOG_LEVEL,
    migrateOnStart: e.MIGRATE_ON_START,
    demoDbPort: e.DEMO_DB_PORT,
    queuePrefix: e.QUEUE_PREFIX,
    workerConcurrency: e.WORKER_CONCURRENCY,
    reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    // The bundled demo database is for the embedded, try-it-out mode; a production store gets none by default.
    demo: e.DEMO === undefined || e.DEMO === "" ? e.DATABASE_URL === null : ["true", "1"].includes(e.DEMO.toLowerCase()),
  });
}
