/**
 * The processes scan.bench.ts measures, each its own OS process so no server shares an event loop with the client:
 * gateways as operators run them (`cli migrate`, an account and tokens from the CLI, then `cli serve`) on a scratch
 * PostgreSQL metadata store (or the embedded one in a scratch DATA_DIR) with Redis, and the thin wrappers
 * (thin-wrapper.ts) next to them.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { createScratchDatabase, randomKeyRing } from "../support/databases";
import { provision } from "../support/faults";
import { CLI, reapOnExit, ROOT, runCli, serve, type Served } from "../support/processes";

async function start(args: string[], env: Record<string, string>): Promise<Served> {
  return reapOnExit(await serve(process.execPath, args, env));
}

export interface Rig {
  /** The PostgreSQL metadata store; null with the embedded store, which no other process can read. */
  storeUrl: string | null;
  accountId: string;
  admin: string;
  reader: string;
  /** A `cli serve` on the rig's store; `extra` adds to its environment (TRINO_URL for Trino mode). */
  gateway(extra?: Record<string, string>): Promise<Served>;
  /** A thin wrapper process for `kind`, reading `sourceUrl`, knowing the reader token, reading the rig's store if it can. */
  thinWrapper(kind: "postgres" | "mariadb", sourceUrl: string): Promise<Served>;
  close(): Promise<void>;
}

export async function startRig(pgBase: string, redisUrl: string, store: "postgres" | "pglite"): Promise<Rig> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => console.error(`bench cleanup: ${(error as Error).message}`));
  };
  try {
    let storeEnv: Record<string, string>;
    let storeUrl: string | null = null;
    if (store === "postgres") {
      const scratch = await createScratchDatabase(pgBase);
      cleanups.push(() => scratch.drop());
      storeUrl = scratch.url;
      storeEnv = { DATABASE_URL: scratch.url };
    } else {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-bench-"));
      cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
      storeEnv = { DATA_DIR: dataDir };
    }
    // Its own queue prefix: no worker elsewhere on the machine picks up these connections' embedding jobs, and
    // serve with REDIS_URL only enqueues them, so no embedding runs inside the measured gateway either.
    const prefix = `gwbench${randomBytes(4).toString("hex")}`;
    cleanups.push(() => dropKeys(redisUrl, `${prefix}:*`));
    const env = {
      ...storeEnv,
      REDIS_URL: redisUrl,
      ENCRYPTION_KEYS: randomKeyRing(),
      ALLOWED_HOSTS: "127.0.0.1",
      LOG_LEVEL: "warn",
      QUEUE_PREFIX: prefix,
    };
    const { token: admin, accountId } = await provision(env);
    const made = await runCli(["token", "create", "--account", accountId, "--role", "reader"], env);
    if (made.code !== 0) throw new Error(`cli token create: ${made.stderr}`);
    const reader = made.stdout.trim();
    const own = async (served: Served) => {
      cleanups.push(() => served.stop());
      return served;
    };
    return {
      storeUrl,
      accountId,
      admin,
      reader,
      gateway: (extra = {}) => start([CLI, "serve"], { PORT: "0", DEMO: "false", ...env, ...extra }).then(own),
      thinWrapper: (kind, sourceUrl) =>
        start([path.join(ROOT, "dist/test/bench/thin-wrapper.js"), kind], {
          THIN_SOURCE_URL: sourceUrl,
          ...(storeUrl ? { THIN_STORE_URL: storeUrl } : {}),
          THIN_TOKENS: JSON.stringify({ [reader]: accountId }),
        }).then(own),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function dropKeys(redisUrl: string, match: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  try {
    for await (const keys of redis.scanStream({ match, count: 500 }) as AsyncIterable<string[]>) if (keys.length) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}
