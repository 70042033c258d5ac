import path from "node:path";
import { DataSource } from "typeorm";
import { Init1764000000000 } from "../../migrations/1764000000000-init";
import { SchemaEmbeddings1764100000000 } from "../../migrations/1764100000000-schema-embeddings";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres";
import { AccountEntity } from "./entities/account.entity";
import { ApiTokenEntity } from "./entities/api-token.entity";
import { ConnectionEntity } from "./entities/connection.entity";
import { SchemaEmbeddingEntity } from "./entities/schema-embedding.entity";

export const ENTITIES = [AccountEntity, ApiTokenEntity, ConnectionEntity, SchemaEmbeddingEntity];
export const MIGRATIONS = [Init1764000000000, SchemaEmbeddings1764100000000];

export interface MetadataStore {
  readonly dataSource: DataSource;
  /** "postgres" for DATABASE_URL, "pglite" for the embedded store. */
  readonly kind: "postgres" | "pglite";
  migrate(): Promise<string[]>;
  pendingMigrations(): Promise<boolean>;
  close(): Promise<void>;
}

/** Opens the metadata store: PostgreSQL at `databaseUrl`, or embedded PGlite under `dataDir` when it is null. */
export async function openMetadataStore(options: {
  databaseUrl: string | null;
  dataDir: string | null;
  poolSize?: number;
}): Promise<MetadataStore> {
  let embedded: EmbeddedPostgres | null = null;
  if (!options.databaseUrl) {
    embedded = await startEmbeddedPostgres({ dir: options.dataDir ? path.join(options.dataDir, "pglite") : null });
  }
  const dataSource = new DataSource({
    type: "postgres",
    url: options.databaseUrl ?? embedded!.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: "each",
    // PGlite serves one socket; a second pooled connection would be refused.
    poolSize: embedded ? 1 : (options.poolSize ?? 10),
    extra: { connectionTimeoutMillis: 5_000 },
    logging: false,
  });
  try {
    await dataSource.initialize();
  } catch (error) {
    await embedded?.close();
    throw error;
  }
  return {
    dataSource,
    kind: embedded ? "pglite" : "postgres",
    async migrate() {
      const ran = await dataSource.runMigrations({ transaction: "each" });
      return ran.map((m) => m.name);
    },
    pendingMigrations: () => dataSource.showMigrations(),
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.close();
    },
  };
}
