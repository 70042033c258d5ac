import "reflect-metadata";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { DestinationStream, Logger } from "pino";
import type { Config } from "./config";
import { AccountRepository } from "./datasources/store/account.repository";
import { startChinookDemo } from "./datasources/store/chinook-demo";
import { ConnectionRepository } from "./datasources/store/connection.repository";
import type { EmbeddedPostgres } from "./datasources/store/embedded/embedded-postgres";
import { EngineRegistry } from "./datasources/engines/engine-registry";
import { ConnectionTestService } from "./services/connection-test.service";
import { ConnectionHealth } from "./services/connection-health";
import { AiSqlService } from "./services/ai-sql.service";
import { ChatClient } from "./datasources/ai/chat-client";
import { MysqlEngine } from "./datasources/engines/mysql.engine";
import { PostgresEngine } from "./datasources/engines/postgres.engine";
import { TrinoEngine } from "./datasources/engines/trino.engine";
import { HostPolicy } from "./datasources/sources/host-policy";
import { BullmqQueue } from "./datasources/queue/bullmq-queue";
import { EmbeddingRepository } from "./datasources/store/embedding.repository";
import type { Embedder } from "./datasources/embedders/embedder";
import { LocalEmbedder } from "./datasources/embedders/local.embedder";
import { OpenAiEmbedder } from "./datasources/embedders/openai.embedder";
import { SentenceModel } from "./datasources/embedders/sentence-model";
import { InProcessQueue } from "./datasources/queue/in-process-queue";
import type { JobQueue } from "./datasources/queue/job-queue";
import { MemorySchemaCache, RedisSchemaCache } from "./datasources/cache/schema-cache";
import { keyringReloader, loadOrCreateKeyring } from "./datasources/secrets/keyring-file";
import { openMetadataStore, type MetadataStore } from "./datasources/store/metadata-store";
import { connectRedis, type RedisClient } from "./datasources/redis/redis";
import { SecretBox } from "./datasources/secrets/secret-box";
import { TokenRepository } from "./datasources/store/token.repository";
import { renderGraphiQLPage } from "./http/graphiql";
import { buildGatewaySchema, createApolloServer } from "./http/graphql";
import { createHttpApp, createHttpServer } from "./http/server";
import { createLogger } from "./logger";
import { GatewayMetrics } from "./metrics";
import { AccountService } from "./services/account.service";
import { AuthService } from "./services/auth.service";
import { BootstrapService } from "./services/bootstrap.service";
import { ConnectionConfigService } from "./services/connection-config.service";
import { ConnectionService } from "./services/connection.service";
import { HealthService, type ReadinessCheck } from "./services/health.service";
import { KeyRotationService } from "./services/key-rotation.service";
import { EmbeddingService } from "./services/embedding.service";
import { ScanService } from "./services/scan.service";
import { SchemaService } from "./services/schema.service";
import { SOURCE_POOL } from "./limits";

/** Everything below the HTTP server: what the CLI commands and the server share. */
export interface Core {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly store: MetadataStore;
  readonly redis: RedisClient | null;
  readonly hostPolicy: HostPolicy;
  readonly accounts: AccountService;
  readonly auth: AuthService;
  readonly connections: ConnectionService;
  readonly connectionConfigs: ConnectionConfigService;
  readonly bootstrap: BootstrapService;
  readonly keyRotation: KeyRotationService;
  readonly engines: EngineRegistry;
  readonly scans: ScanService;
  readonly ai: AiSqlService;
  readonly schemas: SchemaService;
  readonly embeddings: EmbeddingService;
  close(): Promise<void>;
}

/** The composition root: the only place that decides which implementation of each datasource runs. */
export async function createCore(
  config: Config,
  options: { logDestination?: DestinationStream; migrate?: boolean; redis?: boolean; command?: string; requireServer?: boolean } = {},
): Promise<Core> {
  const logger = createLogger(config.logLevel, options.logDestination);
  const metrics = new GatewayMetrics();
  // Embedded mode's key file can be rotated by the CLI while this process runs: the secret box re-reads it.
  const reloadKeys = config.encryptionKeys ? undefined : keyringReloader(config.dataDir);
  const keys = config.encryptionKeys ?? (await loadOrCreateKeyring(config.dataDir));
  const store = await openMetadataStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    command: options.command ?? "serve",
    requireServer: options.requireServer,
    onRestart: (event) => {
      metrics.embeddedRestarted("metadata store");
      logger.error(event, "metadata store restarted");
    },
  });
  try {
    if (options.migrate ?? config.migrateOnStart) {
      const ran = await store.migrate();
      if (ran.length > 0) logger.info({ migrations: ran }, "migrations applied");
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  // Admin commands (migrate, tokens, key rotation) need only the store.
  const redisUrl = options.redis === false ? null : config.redisUrl;
  const redisConnection = redisUrl ? connectRedis(redisUrl, logger) : null;
  const redis = redisConnection?.client ?? null;
  // Producer side only: `serve` enqueues, `worker` processes (BullMQ); embedded mode runs the handler in process.
  const queue: JobQueue = redisUrl ? new BullmqQueue(redisUrl, config.queuePrefix, logger) : new InProcessQueue(logger);
  const secrets = new SecretBox(keys, reloadKeys);
  const hostPolicy = new HostPolicy(config.allowedHosts);
  const accountRows = new AccountRepository(store.dataSource);
  const connectionRows = new ConnectionRepository(store.dataSource);
  const accounts = new AccountService(accountRows);
  const auth = new AuthService(new TokenRepository(store.dataSource), accountRows);
  const engines = config.trinoUrl
    ? new EngineRegistry("trino", {
        trino: new TrinoEngine(hostPolicy, { url: config.trinoUrl, adminUser: config.trinoAdminUser, scanUser: config.trinoScanUser, defaultTimeoutMs: config.scanTimeoutMs }),
      })
    : new EngineRegistry("direct", {
        postgres: new PostgresEngine(hostPolicy, SOURCE_POOL, config.scanTimeoutMs),
        mysql: new MysqlEngine(hostPolicy, SOURCE_POOL, config.scanTimeoutMs),
      });
  // Scans' and tests' verdicts on each source, written in batches (Connection.status).
  const health = new ConnectionHealth(connectionRows, logger, () => metrics.healthWritten());
  health.start();
  const connections = new ConnectionService(
    connectionRows,
    secrets,
    hostPolicy,
    new ConnectionTestService(engines, hostPolicy, SOURCE_POOL.acquireTimeoutMs + config.scanTimeoutMs),
    health,
  );
  const schemas = new SchemaService(connections, engines, redis ? new RedisSchemaCache(redis, logger) : new MemorySchemaCache(), metrics);
  // Built on first use: the local embedder loads 8 MB of word vectors, which admin commands never need.
  const embedder = (): Embedder =>
    config.embeddings.url
      ? new OpenAiEmbedder({ url: config.embeddings.url, model: config.embeddings.model ?? "text-embedding-3-small", apiKey: config.embeddings.apiKey })
      : new LocalEmbedder();
  // The sentence model schema search fuses in: null when switched off; { missing } when on but not loadable (a file
  // missing, onnxruntime without a binary for this platform): search then ranks with the embedder and BM25.
  const sentenceModel = async (): Promise<SentenceModel | { missing: string } | null> => {
    if (!config.embeddings.sentenceModel) return null;
    const loaded = await SentenceModel.load({ threads: config.embeddings.sentenceModelThreads, directory: config.embeddings.sentenceModelDir ?? undefined }).catch(
      (error: Error) => ({ missing: `onnxruntime: ${error.message}` }),
    );
    if (!(loaded instanceof SentenceModel)) logger.warn({ reason: loaded.missing }, "sentence model not available: schema search ranks with the embedder and BM25 only");
    return loaded;
  };
  const embeddings = new EmbeddingService(queue, connections, new EmbeddingRepository(store.dataSource), engines, embedder, logger, sentenceModel);
  // Embedded mode consumes in this process, with the same handler the BullMQ worker runs.
  if (queue instanceof InProcessQueue) queue.consume((payload, context) => embeddings.run(payload, context));
  metrics.watchQueueDepth(() => queue.depth());
  connections.onChange(async ({ accountId, connectionId, sourceChanged, embedGeneration }) => {
    await schemas.invalidate(accountId, connectionId);
    // Only a new config or a delete invalidates pools and Trino catalogs; a relabel or a refresh keeps them.
    if (sourceChanged) await Promise.all(engines.all().map((e) => e.release(connectionId)));
    if (embedGeneration !== null) await embeddings.enqueue({ connectionId, generation: embedGeneration });
  });
  const scans = new ScanService(connections, engines, config.scanTimeoutMs, metrics, config.scanMaxBytes, health);
  return {
    config,
    logger,
    metrics,
    store,
    redis,
    hostPolicy,
    accounts,
    auth,
    connections,
    connectionConfigs: new ConnectionConfigService(engines),
    bootstrap: new BootstrapService(accountRows, connections, connectionRows),
    keyRotation: new KeyRotationService(connectionRows, secrets),
    engines,
    scans,
    ai: new AiSqlService(
      config.ai.url ? new ChatClient({ url: config.ai.url, model: config.ai.model, apiKey: config.ai.apiKey, timeoutMs: config.ai.timeoutMs }) : null,
      connections,
      engines,
      embeddings,
      scans,
    ),
    schemas,
    embeddings,
    async close() {
      // What scans recorded is written before the store closes.
      await health.stop();
      await queue.close();
      await Promise.all(engines.all().map((e) => e.dispose()));
      await redisConnection?.close();
      await store.close();
    },
  };
}

export interface Gateway {
  readonly core: Core;
  readonly server: http.Server;
  /** Set once listening: the base URL, e.g. http://127.0.0.1:4000 */
  url: string;
  listen(): Promise<string>;
  stop(graceMs?: number): Promise<void>;
}

export async function createGateway(config: Config, options: { logDestination?: DestinationStream; out?: (line: string) => void } = {}): Promise<Gateway> {
  const core = await createCore(config, options);
  let demo: EmbeddedPostgres | null = null;
  try {
    const account = await core.bootstrap.ensureDefaultAccount();
    if (account.adminToken) {
      const out = options.out ?? ((line: string) => process.stdout.write(line + "\n"));
      out(`\nFirst start: created the default account ${account.accountId}.`);
      out(`Admin API token (shown once, store it now): ${account.adminToken.token}\n`);
    }
    if (config.demo) {
      demo = await startChinookDemo({
        dir: path.join(config.dataDir, "chinook"),
        port: config.demoDbPort,
        statementTimeoutMs: config.scanTimeoutMs,
        onRestart: (event) => {
          core.metrics.embeddedRestarted("demo database");
          core.logger.warn(event, "demo database restarted");
        },
      });
      core.hostPolicy.exempt(demo.host, demo.port);
      await core.bootstrap.ensureDemoConnection(account.accountId, { host: demo.host, port: demo.port });
    }
  } catch (error) {
    await demo?.close();
    await core.close();
    throw error;
  }

  const checks: ReadinessCheck[] = [
    {
      name: "store",
      check: () =>
        core.store.dataSource.query("SELECT 1").then(
          () => undefined,
          () => Promise.reject(new Error("unreachable")),
        ),
    },
    {
      name: "migrations",
      check: async () => {
        if (await core.store.pendingMigrations()) throw new Error("pending; run the migrate command");
      },
    },
  ];
  for (const engine of core.engines.all()) {
    if (engine.ready) checks.push({ name: engine.name, check: () => engine.ready!() });
  }
  // Secrets that no longer decrypt (a key dropped, the wrong ENCRYPTION_KEYS) make every scan fail: not ready.
  checks.push({ name: "secrets", check: () => core.keyRotation.checkSample() });
  const redis = core.redis;
  if (redis) {
    checks.push({
      name: "redis",
      check: () =>
        redis.ping().then(
          () => undefined,
          () => Promise.reject(new Error("unreachable")),
        ),
    });
  }
  const schema = await buildGatewaySchema({
    connections: core.connections,
    auth: core.auth,
    ai: core.ai,
    connectionConfigs: core.connectionConfigs,
    scans: core.scans,
    schemas: core.schemas,
    embeddings: core.embeddings,
    redis: core.redis,
    metrics: core.metrics,
    logger: core.logger,
  });
  // The sentence model loads and warms up before the server answers: both hold the event loop (~50 and ~90 ms,
  // measured), which must not happen while requests wait.
  await core.embeddings.sentenceModelMissing();
  // Finds PENDING work with no live job (created while Redis was down, or a worker died) and enqueues it again.
  const reconcile = () =>
    core.embeddings.reconcile().then(
      (n) => n > 0 && core.logger.info({ enqueued: n }, "reconciler re-enqueued embedding work"),
      (error) => core.logger.warn({ err: { message: (error as Error).message } }, "reconciler pass failed"),
    );
  void reconcile();
  const reconciler = setInterval(() => void reconcile(), config.reconcileIntervalMs);
  reconciler.unref();
  const apollo = createApolloServer(schema);
  await apollo.start();
  const app = createHttpApp({
    apollo,
    auth: core.auth,
    health: new HealthService(checks),
    metrics: core.metrics,
    logger: core.logger,
    graphiqlHtml: renderGraphiQLPage(),
    corsOrigins: config.corsOrigins,
  });
  const server = createHttpServer(app);

  const gateway: Gateway = {
    core,
    server,
    url: "",
    listen: () =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.port, config.host, () => {
          const { address, port } = server.address() as AddressInfo;
          gateway.url = `http://${address.includes(":") ? `[${address}]` : address}:${port}`;
          core.store.announce(gateway.url);
          resolve(gateway.url);
        });
      }),
    async stop(graceMs = config.shutdownGraceMs) {
      // Stop accepting, let in-flight requests finish, then cut whatever is left after the grace period.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // close() shuts only the sockets idle at that moment; a keep-alive socket whose request finishes later
      // would hold the exit until the grace period ends, so idle ones are swept until all are gone.
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearInterval(sweep);
      clearTimeout(timer);
      clearInterval(reconciler);
      await apollo.stop();
      await demo?.close();
      await core.close();
    },
  };
  return gateway;
}
