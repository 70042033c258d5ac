import type { DataSource } from "typeorm";
import { In, IsNull, Not } from "typeorm";
import { ConnectionEntity, type EmbeddingState } from "./entities/connection.entity";
import { SchemaEmbeddingEntity } from "./entities/schema-embedding.entity";

export interface StoredVector {
  fullyQualifiedName: string;
  tableName: string;
  comment: string | null;
  columns: { name: string; dataType: string; comment?: string | null; primaryKey?: number | null }[];
  documentHash: string;
  model: string;
  /** The table's vectors, packed by datasources/embedders/table-vectors.ts. */
  vector: Buffer;
}

/** Vectors per connection and the embedding status columns of connections: I/O only. */
export class EmbeddingRepository {
  constructor(private readonly dataSource: DataSource) {}

  async hashes(connectionId: string): Promise<Map<string, { hash: string; model: string }>> {
    const rows = await this.dataSource
      .getRepository(SchemaEmbeddingEntity)
      .find({ where: { connectionId }, select: { fullyQualifiedName: true, documentHash: true, model: true } });
    return new Map(rows.map((r) => [r.fullyQualifiedName, { hash: r.documentHash, model: r.model }]));
  }

  /** Insert or replace by (connection, table): a re-run after a crash rewrites a row, never adds a second. */
  async upsert(connectionId: string, rows: StoredVector[]): Promise<void> {
    if (rows.length === 0) return;
    await this.dataSource.getRepository(SchemaEmbeddingEntity).upsert(
      rows.map((r) => ({ connectionId, ...r, updated: new Date() })),
      ["connectionId", "fullyQualifiedName"],
    );
  }

  async deleteExcept(connectionId: string, keep: string[]): Promise<number> {
    const repo = this.dataSource.getRepository(SchemaEmbeddingEntity);
    const result = keep.length === 0 ? await repo.delete({ connectionId }) : await repo.delete({ connectionId, fullyQualifiedName: Not(In(keep)) });
    return result.affected ?? 0;
  }

  /** One model's vectors: those of another model are not comparable and wait for the re-embedding. */
  async all(connectionId: string, model: string): Promise<StoredVector[]> {
    return this.dataSource.getRepository(SchemaEmbeddingEntity).find({
      where: { connectionId, model },
      select: { fullyQualifiedName: true, tableName: true, comment: true, columns: true, documentHash: true, model: true, vector: true },
      order: { fullyQualifiedName: "ASC" },
    });
  }

  /** Writes status only while `generation` is still the connection's current one: a superseded job stays silent. */
  async setStatus(
    connectionId: string,
    generation: number,
    status: { state: EmbeddingState; progress?: number | null; tableCount?: number | null; model?: string | null; error?: string | null },
  ): Promise<boolean> {
    const patch: Pick<Partial<ConnectionEntity>, "embeddingState" | "embeddingUpdatedAt" | "embeddingProgress" | "embeddingTableCount" | "embeddingModel" | "embeddingError"> = {
      embeddingState: status.state,
      embeddingUpdatedAt: new Date(),
    };
    if (status.progress !== undefined) patch.embeddingProgress = status.progress;
    if (status.tableCount !== undefined) patch.embeddingTableCount = status.tableCount;
    if (status.model !== undefined) patch.embeddingModel = status.model;
    if (status.error !== undefined) patch.embeddingError = status.error;
    const result = await this.dataSource.getRepository(ConnectionEntity).update({ id: connectionId, embeddingGeneration: generation, deleted: IsNull() }, patch);
    return (result.affected ?? 0) > 0;
  }

  /** READY connections embedded with another model: back to PENDING in a new generation, so they are redone. */
  async markOtherModelsStale(model: string): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `UPDATE connections SET embedding_state = 'PENDING', embedding_generation = embedding_generation + 1, embedding_updated_at = now()
        WHERE deleted IS NULL AND embedding_state = 'READY' AND embedding_model IS DISTINCT FROM $1 RETURNING id`,
      [model],
    );
    return Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : rows.length;
  }

  /** Live connections whose embeddings are not finished, for the reconciler. */
  unfinished(): Promise<{ id: string; embeddingGeneration: number; embeddingState: EmbeddingState }[]> {
    return this.dataSource.getRepository(ConnectionEntity).find({
      where: { deleted: IsNull(), embeddingState: In(["PENDING", "RUNNING"]) },
      select: { id: true, embeddingGeneration: true, embeddingState: true },
    });
  }
}
