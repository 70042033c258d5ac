import path from "node:path";
import { DataSource } from "typeorm";
import { Init1764000000000 } from "../../../migrations/1764000000000-init";
import { SchemaEmbeddings1764100000000 } from "../../../migrations/1764100000000-schema-embeddings";
import { LyticsFields1764200000000 } from "../../../migrations/1764200000000-lytics-fields";
import { ConnectionHealth1764300000000 } from "../../../migrations/1764300000000-connection-health";
import { SslModes1764400000000 } from "../../../migrations/1764400000000-ssl-modes";
import { TokenExpiry1764500000000 } from "../../../migrations/1764500000000-token-expiry";
import { SearchTableComments1764600000000 } from "../../../migrations/1764600000000-search-table-comments";
import { claimDataDir, type DataDirAccess } from "./embedded/data-dir";
import { EmbeddedPostgres } from "./embedded/embedded-postgres";
import { AccountEntity } from "./entities/account.entity";
import { ApiTokenEntity } from "./entities/api-token.entity";
import { ConnectionEntity } from "./entities/connection.entity";
import { SchemaEmbeddingEntity } from "./entities/schema-embedding.entity";

export const ENTITIES = [AccountEntity, ApiTokenEntity, ConnectionEntity, SchemaEmbeddingEntity];
export const MIGRATIONS = [
  Init1764000000000,
  SchemaEmbeddings1764100000000,
  LyticsFields1764200000000,
  ConnectionHealth1764300000000,
  SslModes1764400000000,
  TokenExpiry1764500000000,
  SearchTableComments1764600000000,
];

export interface MetadataStore {
  readonly dataSource: DataSource;
  /** "postgres" for DATABASE_URL; "pglite" for the embedded store, "pglite via pid N" when a serving gateway runs it. */
  readonly kind: "postgres" | "pglite" | `pglite via pid ${number}`;
  migrate(): Promise<string[]>;
  pendingMigrations(): Promise<boolean>;
  /** Records the gateway's URL in the data folder's lock, so a second server can say who holds the folder. */
  announce(url: string): void;
  close(): Promise<void>;
}

/**
 * A statement of our own that runs this long has gone wrong; past it the embedded store's thread is restarted
 * (committed writes survive) rather than leaving every request waiting.
 */
const EMBEDDED_STATEMENT_TIMEOUT_MS = 60_000;
/** The serving pool, CLI commands and a worker process, with room to spare. */
const EMBEDDED_MAX_CONNECTIONS = 16;

/**
 * Opens the metadata store: PostgreSQL at `databaseUrl`, or the embedded PGlite under `dataDir`. The embedded store
 * runs in a worker thread behind a Unix socket in the data folder; `command` decides who runs it (see claimDataDir).
 */
export async function openMetadataStore(options: {
  databaseUrl: string | null;
  dataDir: string;
  command: string;
  /** For a long-running command other than serve (worker): in embedded mode it needs a serving gateway's store. */
  requireServer?: boolean;
  poolSize?: number;
  onRestart?: (event: { reason: string; restartMs: number }) => void;
}): Promise<MetadataStore> {
  let access: DataDirAccess | null = null;
  let embedded: EmbeddedPostgres | null = null;
  if (!options.databaseUrl) {
    access = await claimDataDir(options.dataDir, options.command, { requireServer: options.requireServer });
    if (access.kind === "owner") {
      try {
        embedded = await EmbeddedPostgres.start({
          dir: path.join(options.dataDir, "pglite"),
          listen: { socketDir: access.socketDir },
          maxConnections: EMBEDDED_MAX_CONNECTIONS,
          statementTimeoutMs: EMBEDDED_STATEMENT_TIMEOUT_MS,
          name: "metadata store",
          onRestart: options.onRestart,
        });
        access.lock.update({ socketDir: access.socketDir });
      } catch (error) {
        await embedded?.close();
        access.release();
        throw error;
      }
    }
  }
  const dataSource = new DataSource({
    type: "postgres",
    ...(access ? { host: access.socketDir, port: 5432, username: "postgres", database: "postgres" } : { url: options.databaseUrl! }),
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: "each",
    // Embedded: one connection, because callers run a transaction's statements on its own manager and PGlite
    // makes every other connection wait while a transaction is open.
    poolSize: access ? 1 : (options.poolSize ?? 10),
    extra: { connectionTimeoutMillis: 5_000 },
    logging: false,
  });
  const closeEmbedded = async () => {
    await embedded?.close();
    if (access?.kind === "owner") access.release();
  };
  try {
    await dataSource.initialize();
  } catch (error) {
    await closeEmbedded();
    throw error;
  }
  return {
    dataSource,
    kind: !access ? "postgres" : access.kind === "owner" ? "pglite" : `pglite via pid ${access.holder.pid}`,
    async migrate() {
      const ran = await dataSource.runMigrations({ transaction: "each" });
      return ran.map((m) => m.name);
    },
    pendingMigrations: () => dataSource.showMigrations(),
    announce(url) {
      if (access?.kind === "owner") access.lock.update({ url });
    },
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await closeEmbedded();
    },
  };
}
