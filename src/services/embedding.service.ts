import type { Logger } from "pino";
import type { EmbeddingRepository } from "../datasources/store/embedding.repository";
import { cosine, type Embedder } from "../datasources/embedders/embedder";
import { documentHash, tableDocument } from "../datasources/embedders/schema-document";
import type { EngineRegistry } from "../datasources/engines/engine-registry";
import { embedJobId, PermanentJobError, type EmbedSchemaPayload, type JobQueue } from "../datasources/queue/job-queue";
import { badInput, GatewayError } from "../errors";
import type { Connection } from "../schema/connection.type";
import type { TableMatch } from "../schema/table.type";
import type { ConnectionService } from "./connection.service";
import type { Principal } from "./principal";
import { MAX_K, MAX_SEARCH_CHARS } from "../limits";

const BATCH = 64;

/** Schema embeddings: computed by a job per connection generation, searched by cosine similarity. */
export class EmbeddingService {
  private built: Embedder | null = null;

  constructor(
    private readonly queue: JobQueue,
    private readonly connections: ConnectionService,
    private readonly vectors: EmbeddingRepository,
    private readonly engines: EngineRegistry,
    private readonly createEmbedder: () => Embedder,
    private readonly logger: Logger,
  ) {}

  private get embedder(): Embedder {
    this.built ??= this.createEmbedder();
    return this.built;
  }

  enqueue(payload: EmbedSchemaPayload): Promise<boolean> {
    return this.queue.enqueue(payload);
  }

  /** The job: list the source's tables, embed those whose document changed, drop vanished ones, report progress. */
  async run(payload: EmbedSchemaPayload, context: { progress(fraction: number): Promise<void>; finalAttempt: boolean }): Promise<void> {
    const opened = await this.connections.openForSystem(payload.connectionId);
    if (!opened) throw new PermanentJobError(`connection ${payload.connectionId} no longer exists`);
    const { row, engine } = opened;
    // A newer generation has its own job; this one has nothing left to do.
    if (row.embeddingGeneration !== payload.generation) return;
    const id = row.id;
    try {
      await this.vectors.setStatus(id, payload.generation, { state: "RUNNING", progress: 0, error: null });
      const tables = await this.engines.for(engine.type, engine.config).listTables(engine);
      const documents = tables.map((t) => {
        const text = tableDocument(t);
        return { table: t, text, hash: documentHash(text) };
      });
      const stored = await this.vectors.hashes(id);
      const stale = documents.filter((d) => {
        const s = stored.get(d.table.fullyQualifiedName);
        return !s || s.hash !== d.hash || s.model !== this.embedder.model;
      });
      for (let i = 0; i < stale.length; i += BATCH) {
        const batch = stale.slice(i, i + BATCH);
        const vectors = await this.embedder.embed(batch.map((d) => d.text));
        await this.vectors.upsert(
          id,
          batch.map((d) => ({
            fullyQualifiedName: d.table.fullyQualifiedName,
            tableName: d.table.name,
            // What searchSchema and the AI SQL prompt show of each column (the vector is made from the document).
            columns: d.table.columns.map((c) => ({ name: c.name, dataType: c.dataType, comment: c.comment ?? null, primaryKey: c.primaryKey ?? null })),
            documentHash: d.hash,
            model: this.embedder.model,
          })),
          vectors,
        );
        const fraction = Math.min(1, (i + batch.length) / stale.length);
        await this.vectors.setStatus(id, payload.generation, { state: "RUNNING", progress: fraction });
        await context.progress(fraction);
      }
      await this.vectors.deleteExcept(
        id,
        documents.map((d) => d.table.fullyQualifiedName),
      );
      await this.vectors.setStatus(id, payload.generation, { state: "READY", progress: 1, tableCount: documents.length, model: this.embedder.model, error: null });
      this.logger.info({ connectionId: id, tables: documents.length, embedded: stale.length }, "schema embeddings ready");
    } catch (error) {
      const message = error instanceof GatewayError ? error.message : "embedding failed; see the worker log";
      this.logger.warn({ connectionId: id, err: { message: (error as Error).message } }, "embed-schema failed");
      await this.vectors.setStatus(id, payload.generation, context.finalAttempt ? { state: "FAILED", error: message } : { state: "PENDING", error: message });
      throw error;
    }
  }

  /** Drops the schema cache's view (through the change listeners) and asks for a fresh embedding run. */
  async refresh(principal: Principal, id: string): Promise<Connection> {
    return (await this.connections.markForEmbedding(principal, id)).connection;
  }

  async search(principal: Principal, connectionId: string, text: string, k: number): Promise<TableMatch[]> {
    if (!text.trim()) throw badInput("text: must not be empty");
    if (text.length > MAX_SEARCH_CHARS) throw badInput(`text: longer than ${MAX_SEARCH_CHARS} characters`);
    if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw badInput(`k: must be from 1 to ${MAX_K}`);
    // The account check only: search reads stored vectors, never the source, so no secret is decrypted.
    const connection = await this.connections.get(principal, connectionId);
    const [query] = await this.embedder.embed([text]);
    // Only stop words ("which of the"): every score would be 0, an arbitrary order dressed up as a ranking.
    if (query.every((x) => x === 0)) throw badInput("text: has no words to search by");
    // Vectors of another model (EMBEDDINGS_MODEL changed) are not comparable: they wait for the re-embedding.
    const stored = await this.vectors.all(connection.id, this.embedder.model);
    if (stored.length === 0) return [];
    return stored
      .map((v) => ({ v, score: cosine(query, v.vector) }))
      .sort((a, b) => b.score - a.score || (a.v.fullyQualifiedName < b.v.fullyQualifiedName ? -1 : 1))
      .slice(0, k)
      .map(({ v, score }) => ({
        fullyQualifiedName: v.fullyQualifiedName,
        score,
        table: { name: v.tableName, fullyQualifiedName: v.fullyQualifiedName, numColumns: v.columns.length, error: null, columns: v.columns },
      }));
  }

  /**
   * Re-enqueues unfinished work whose job is gone (never enqueued, Redis was down, or its worker died), after
   * marking connections embedded with another model as stale: changing the model re-embeds.
   */
  async reconcile(): Promise<number> {
    if (!this.queue) return 0;
    await this.vectors.markOtherModelsStale(this.embedder.model);
    let enqueued = 0;
    for (const row of await this.vectors.unfinished()) {
      const payload = { connectionId: row.id, generation: row.embeddingGeneration };
      const live = await this.queue.isLive(embedJobId(payload));
      if (live === false && (await this.queue.enqueue(payload))) enqueued++;
    }
    return enqueued;
  }
}
