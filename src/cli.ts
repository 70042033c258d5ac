import "reflect-metadata";
import { parseArgs } from "node:util";
import type { Logger } from "pino";
import { ConfigError, loadConfig, type Config } from "./config";
import { GatewayError } from "./errors";
import { printGatewaySchema } from "./http/graphql";
import { createCore, createGateway } from "./main";
import { startEmbedWorker } from "./workers/embed-worker";

const USAGE = `usage: cli <command>
  serve                                   run the HTTP server (GraphQL, GraphiQL, /v2, health, metrics)
  migrate                                 apply database migrations to DATABASE_URL (or the embedded store)
  account create --name NAME              create an account; prints its id
  token create --account ID [--role admin|reader] [--name LABEL]
                                          create an API token; prints it (shown once, stored hashed)
  worker                                  run BullMQ workers for schema embeddings (needs REDIS_URL)
  keys rotate                             re-encrypt every stored secret with the first ENCRYPTION_KEYS key
  print-schema                            print the GraphQL schema (SDL) that schema.graphql must match`;

const fail = (message: string, code = 2): never => {
  process.stderr.write(message + "\n");
  process.exit(code);
};

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: "string" }, account: { type: "string" }, role: { type: "string" }, help: { type: "boolean" } },
  });
  const command = positionals.join(" ");
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
      return work(config);
    case "migrate": {
      const core = await createCore({ ...config, logLevel: "warn" }, { migrate: true, redis: false });
      process.stdout.write(`migrations up to date (${core.store.kind})\n`);
      return core.close();
    }
    case "account create": {
      if (!values.name) return fail("account create: --name NAME is required");
      const core = await createCore({ ...config, logLevel: "warn" }, { redis: false });
      try {
        process.stdout.write((await core.accounts.create(values.name)).id + "\n");
      } finally {
        await core.close();
      }
      return;
    }
    case "token create": {
      if (!values.account) return fail("token create: --account ID is required");
      const role = values.role ?? "admin";
      if (role !== "admin" && role !== "reader") return fail("token create: --role must be admin or reader");
      const core = await createCore({ ...config, logLevel: "warn" }, { redis: false });
      try {
        process.stdout.write((await core.auth.createToken(values.account, role, values.name ?? null)).token + "\n");
      } finally {
        await core.close();
      }
      return;
    }
    case "keys rotate": {
      const core = await createCore({ ...config, logLevel: "warn" }, { redis: false });
      try {
        const report = await core.keyRotation.rotateAll();
        process.stdout.write(
          `rows ${report.rows}, secrets re-encrypted ${report.rotated}, already current ${report.current}, failed ${report.failed.length}\n`,
        );
        for (const f of report.failed) process.stderr.write(`not readable: connection ${f.id} field ${f.field} (${f.reason})\n`);
        if (report.failed.length > 0) process.exitCode = 1;
      } finally {
        await core.close();
      }
      return;
    }
    default:
      return fail(`unknown command '${command}'\n${USAGE}`);
  }
}

async function work(config: Config): Promise<void> {
  if (!config.redisUrl) return fail("worker: REDIS_URL is required (without it, serve runs embedding jobs in process)", 1);
  // The worker consumes with its own BullMQ connection; the core's Redis client and producer would sit idle.
  const core = await createCore(config, { migrate: false, redis: false });
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

async function serve(config: Config): Promise<void> {
  const gateway = await createGateway(config);
  const url = await gateway.listen();
  gateway.core.logger.info({ url, store: gateway.core.store.kind, redis: Boolean(config.redisUrl) }, "listening");
  process.stdout.write(`Gateway listening on ${url} — GraphiQL at ${url}/graphql\n`);
  stopOnSignals(gateway.core.logger, "shutting down", () => gateway.stop());
}

/** The first SIGTERM or SIGINT logs `message`, runs `stop` and exits 0 (1 if stopping failed); later ones wait. */
function stopOnSignals(logger: Logger, message: string, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, message);
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
