import "reflect-metadata";
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Logger } from "pino";
import { ConfigError, loadConfig, type Config } from "./config";
import { GatewayError } from "./errors";
import { printGatewaySchema } from "./http/graphql";
import { addKeyToKeyring, keyringPath, loadOrCreateKeyring } from "./datasources/secrets/keyring-file";
import { createCore, createGateway } from "./main";
import { TOKEN_LIFETIMES } from "./services/auth.service";
import { startEmbedWorker } from "./workers/embed-worker";

const USAGE = `usage: cli <command>
  serve                                   run the HTTP server (GraphQL, GraphiQL, /v2, health, metrics)
  migrate                                 apply database migrations to DATABASE_URL (or the embedded store)
  account create --name NAME              create an account; prints its id
  account list                            every account: id, number (aid), name, created
  token create --account ID [--role admin|reader] [--name LABEL] [--expires 7|30|90|never]
                                          create an API token; prints it (shown once, stored hashed); it lasts
                                          the days given, or until revoked (never, the default)
  token list --account ID                 the account's tokens: id, role, name, created, expires, revoked (never the token)
  token revoke TOKEN_ID                   revoke a token; every gateway refuses it within a second
  worker                                  run BullMQ workers for schema embeddings (needs REDIS_URL)
  keys rotate                             re-encrypt every stored secret with the first ENCRYPTION_KEYS key
  keys rotate --new-key                   embedded mode: add a new first key to DATA_DIR/encryption-keys
                                          (older keys stay for decryption), then re-encrypt every secret with it

In embedded mode (no DATABASE_URL) every command works while serve runs on the same DATA_DIR: it talks to the
running gateway's store over a Unix socket in DATA_DIR.
  print-schema                            print the GraphQL schema (SDL) that schema.graphql must match`;

const fail = (message: string, code = 2): never => {
  process.stderr.write(message + "\n");
  process.exit(code);
};

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: "string" },
      account: { type: "string" },
      role: { type: "string" },
      expires: { type: "string" },
      "new-key": { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  // Two words name the command; only `token revoke` takes an argument after them.
  const command = positionals.slice(0, 2).join(" ");
  const args = positionals.slice(2);
  if (args.length > (command === "token revoke" ? 1 : 0)) return fail(`${command}: unexpected argument '${args.at(-1)!.slice(0, 64)}'\n${USAGE}`);
  if (values.help || command === "" || command === "help") {
    process.stdout.write(USAGE + "\n");
    return;
  }
  if (command === "print-schema") {
    process.stdout.write(await printGatewaySchema());
    return;
  }
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.problems.map((p) => `config: ${p}`).join("\n"), 1);
    throw error;
  }
  switch (command) {
    case "serve":
      return serve(config);
    case "worker":
      return work(config, command);
    case "migrate": {
      const core = await createCore({ ...config, logLevel: "warn" }, { migrate: true, redis: false, command });
      process.stdout.write(`migrations up to date (${core.store.kind})\n`);
      return core.close();
    }
    case "account create": {
      if (!values.name) return fail("account create: --name NAME is required");
      const core = await createCore({ ...config, logLevel: "warn" }, { redis: false, command });
      try {
        process.stdout.write((await core.accounts.create(values.name)).id + "\n");
      } finally {
        await core.close();
      }
      return;
    }
    case "account list": {
      const core = await createCore({ ...config, logLevel: "warn" }, { redis: false, command });
      try {
        const line = (cells: string[]) => cells.join("\t") + "\n";
        process.stdout.write(line(["id", "aid", "name", "created"]));
        for (const a of await core.accounts.list()) process.stdout.write(line([a.id, String(a.aid), a.name, new Date(a.created).toISOString()]));
      } finally {
        await core.close();
      }
      return;
    }
    case "token create": {
      if (!values.account) return fail("token create: --account ID is required");
      const role = values.role ?? "admin";
      if (role !== "admin" && role !== "reader") return fail("token create: --role must be admin or reader");
      const expires = values.expires ?? "never";
      const lifetimes = [...TOKEN_LIFETIMES.map(String), "never"];
      if (!lifetimes.includes(expires)) return fail(`token create: --expires must be ${TOKEN_LIFETIMES.join(", ")} or never`);
      const core = await createCore({ ...config, logLevel: "warn" }, { redis: false, command });
      try {
        const days = expires === "never" ? null : Number(expires);
        process.stdout.write((await core.auth.createToken(values.account, role, values.name ?? null, days)).token + "\n");
      } finally {
        await core.close();
      }
      return;
    }
    case "token list": {
      if (!values.account) return fail("token list: --account ID is required");
      const core = await createCore({ ...config, logLevel: "warn" }, { redis: false, command });
      try {
        const rows = await core.auth.listTokens(values.account);
        const line = (cells: string[]) => cells.join("\t") + "\n";
        process.stdout.write(line(["id", "role", "name", "created", "expires", "revoked"]));
        for (const t of rows) process.stdout.write(line([t.id, t.role, t.name ?? "", t.created.toISOString(), t.expires?.toISOString() ?? "", t.revoked?.toISOString() ?? ""]));
      } finally {
        await core.close();
      }
      return;
    }
    case "token revoke": {
      if (!args[0]) return fail("token revoke: the token's id is required (see token list)");
      const core = await createCore({ ...config, logLevel: "warn" }, { redis: false, command });
      try {
        await core.auth.revokeToken(args[0]);
        process.stdout.write(`revoked ${args[0]}\n`);
      } finally {
        await core.close();
      }
      return;
    }
    case "keys rotate":
      return rotateKeys(config, values["new-key"] === true);
    default:
      return fail(`unknown command '${command}'\n${USAGE}`);
  }
}

async function work(config: Config, command: string): Promise<void> {
  if (!config.redisUrl) return fail("worker: REDIS_URL is required (without it, serve runs embedding jobs in process)", 1);
  // The worker consumes with its own BullMQ connection; the core's Redis client and producer would sit idle.
  // A long-running process must not hold an embedded data folder: it works through a serving gateway's store.
  const core = await createCore(config, { migrate: false, redis: false, command, requireServer: true });
  // A worker without the model it is configured to use would store rows its servers cannot search, and a server
  // with the model would mark them for redoing again and again: it refuses to start instead.
  const missing = await core.embeddings.sentenceModelMissing();
  if (missing) {
    await core.close();
    return fail(
      `worker: SEARCH_SENTENCE_MODEL is on but the sentence model is not available (${missing}); install it with node scripts/models/fetch-sentence-model.mjs, or set SEARCH_SENTENCE_MODEL=false on every server and worker`,
      1,
    );
  }
  const worker = startEmbedWorker({
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    concurrency: config.workerConcurrency,
    handler: (payload, context) => core.embeddings.run(payload, context),
    logger: core.logger,
  });
  core.logger.info({ concurrency: config.workerConcurrency }, "worker started");
  process.stdout.write(`Worker started (concurrency ${config.workerConcurrency}) — listening for embed-schema jobs\n`);
  stopOnSignals(core.logger, "worker shutting down", async () => {
    await worker.close();
    await core.close();
  });
}

/**
 * Re-encrypts every stored secret with the first key, and says whether the older keys can be dropped. In embedded
 * mode the key file is the key ring whenever ENCRYPTION_KEYS is unset, so moving secrets off the file's keys with
 * ENCRYPTION_KEYS is refused: every secret would be unreadable by the next plain start.
 */
async function rotateKeys(config: Config, newKey: boolean): Promise<void> {
  const embedded = config.databaseUrl === null;
  const file = keyringPath(config.dataDir);
  if (newKey && (!embedded || config.encryptionKeys)) {
    return fail(
      "keys rotate --new-key: adds a key to DATA_DIR/encryption-keys, the embedded store's key file; with ENCRYPTION_KEYS, put a new kid:key first in ENCRYPTION_KEYS and run keys rotate",
    );
  }
  if (newKey) {
    const { added, kept } = await addKeyToKeyring(config.dataDir);
    process.stdout.write(`added key ${added} first in ${file}; kept ${kept.join(", ") || "no older keys"} for decryption\n`);
  }
  const core = await createCore({ ...config, logLevel: "warn" }, { redis: false, command: "keys rotate" });
  try {
    const fileKeys = embedded && config.encryptionKeys && existsSync(file) ? (await loadOrCreateKeyring(config.dataDir)).map((k) => k.id) : null;
    if (fileKeys && !fileKeys.includes(core.keyRotation.currentKeyId)) {
      const onFileKeys = [...(await core.keyRotation.keyUsage()).keys()].filter((kid) => fileKeys.includes(kid));
      if (onFileKeys.length > 0) {
        return fail(
          `keys rotate: secrets here use ${onFileKeys.join(", ")} from ${file}, which a start without ENCRYPTION_KEYS reads; re-encrypting them with ENCRYPTION_KEYS would leave them unreadable there. Unset ENCRYPTION_KEYS and run keys rotate --new-key`,
        );
      }
    }
    const report = await core.keyRotation.rotateAll();
    process.stdout.write(`rows ${report.rows}, secrets re-encrypted ${report.rotated}, already current ${report.current}, failed ${report.failed.length}\n`);
    for (const f of report.failed) process.stderr.write(`not readable: connection ${f.id} field ${f.field} (${f.reason})\n`);
    if (report.failed.length > 0) {
      process.exitCode = 1;
      return;
    }
    const usage = await core.keyRotation.keyUsage();
    const current = core.keyRotation.currentKeyId;
    const ring = config.encryptionKeys ?? (await loadOrCreateKeyring(config.dataDir));
    const older = ring.map((k) => k.id).filter((id) => id !== current);
    const stillUsed = older.filter((id) => usage.has(id));
    if (stillUsed.length > 0) {
      // A secret written with an older key while this ran (a connection created meanwhile): run again.
      process.stdout.write(`secrets still use ${stillUsed.join(", ")}: run keys rotate again before dropping them\n`);
    } else if (older.length > 0) {
      process.stdout.write(`every secret uses ${current}; ${older.join(", ")} can now be dropped from ${config.encryptionKeys ? "ENCRYPTION_KEYS" : file}\n`);
    }
  } finally {
    await core.close();
  }
}

async function serve(config: Config): Promise<void> {
  const gateway = await createGateway(config);
  const url = await gateway.listen();
  gateway.core.logger.info({ url, store: gateway.core.store.kind, redis: Boolean(config.redisUrl) }, "listening");
  process.stdout.write(`Gateway listening on ${url} — GraphiQL at ${url}/graphql\n`);
  // The grace period for requests, then a little for closing the stores.
  stopOnSignals(gateway.core.logger, "shutting down", () => gateway.stop(), config.shutdownGraceMs + 2_000);
}

/**
 * The first SIGTERM or SIGINT logs `message`, runs `stop` and exits 0 (1 if stopping failed); later ones wait.
 * With `deadlineMs`, a stop that has not finished by then (a dependency that never answers) exits 1 anyway.
 */
function stopOnSignals(logger: Logger, message: string, stop: () => Promise<void>, deadlineMs?: number): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, message);
    if (deadlineMs !== undefined) {
      setTimeout(() => {
        logger.error({ deadlineMs }, "shutdown did not finish in time; exiting");
        process.exit(1);
      }, deadlineMs).unref();
    }
    stop().then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof GatewayError) fail(`${error.code}: ${error.message}`, 1);
  const message = error instanceof Error ? error.message : String(error);
  fail(`error: ${message}`, 1);
});
