import type { Logger } from "pino";
import type { EmbeddingRepository } from "../datasources/store/embedding.repository";
import type { Embedder } from "../datasources/embedders/embedder";
import { documentHash, tableDocument } from "../datasources/embedders/schema-document";
import { SentenceModel } from "../datasources/embedders/sentence-model";
import { packTableVectors, unpackTableVectors } from "../datasources/embedders/table-vectors";
import { TextAnalyzer } from "../datasources/embedders/text-analyzer";
import { loadWordVectors } from "../datasources/embedders/word-vectors";
import type { EngineRegistry } from "../datasources/engines/engine-registry";
import { embedJobId, PermanentJobError, type EmbedSchemaPayload, type JobQueue } from "../datasources/queue/job-queue";
import { badInput, ErrorCode, GatewayError } from "../errors";
import { EmbeddingState } from "../schema/embedding-status.type";
import type { Connection } from "../schema/connection.type";
import type { TableMatch } from "../schema/table.type";
import type { ConnectionService } from "./connection.service";
import type { Principal } from "./principal";
import { MAX_K, MAX_SEARCH_CHARS, SEARCH_INDEX_CACHE_BYTES } from "../limits";
import { SchemaIndexCache } from "./schema-index-cache";
import { buildSchemaIndex, rankTables, type SchemaIndex } from "./schema-ranker";
import { embedQuestion, embedTables, searchModelName } from "./table-embedding";

const BATCH = 64;

/**
 * Schema embeddings: computed by a job per connection generation, searched by the fusion of schema-ranker.ts
 * (the primary embedder, the sentence model's max-sim when it is installed, BM25).
 */
export class EmbeddingService {
  private built: Embedder | null = null;
  private sentence: Promise<SentenceModel | { missing: string } | null> | null = null;
  private analyzer: TextAnalyzer | null = null;
  private readonly indexes = new SchemaIndexCache(SEARCH_INDEX_CACHE_BYTES);

  constructor(
    private readonly queue: JobQueue,
    private readonly connections: ConnectionService,
    private readonly vectors: EmbeddingRepository,
    private readonly engines: EngineRegistry,
    private readonly createEmbedder: () => Embedder,
    private readonly logger: Logger,
    /** The sentence model; null when switched off; { missing } when on but not loadable (search fuses the other two). */
    private readonly loadSentenceModel: () => Promise<SentenceModel | { missing: string } | null> = async () => null,
  ) {}

  private get embedder(): Embedder {
    this.built ??= this.createEmbedder();
    return this.built;
  }

  /** Loaded once, on first use (serve and worker ask at start, before serving): ~0.15 s and ~95 MB; CLI commands skip it. */
  private loaded(): Promise<SentenceModel | { missing: string } | null> {
    this.sentence ??= this.loadSentenceModel();
    return this.sentence;
  }

  private async sentenceModel(): Promise<SentenceModel | null> {
    const loaded = await this.loaded();
    return loaded instanceof SentenceModel ? loaded : null;
  }

  /** Why the sentence model is on but not loadable here, or null (loaded, or switched off). */
  async sentenceModelMissing(): Promise<string | null> {
    const loaded = await this.loaded();
    return loaded && !(loaded instanceof SentenceModel) ? loaded.missing : null;
  }

  private get textAnalyzer(): TextAnalyzer {
    this.analyzer ??= new TextAnalyzer(loadWordVectors());
    return this.analyzer;
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
      const sentence = await this.sentenceModel();
      const model = searchModelName(this.embedder, sentence);
      const stale = documents.filter((d) => {
        const s = stored.get(d.table.fullyQualifiedName);
        return !s || s.hash !== d.hash || s.model !== model;
      });
      for (let i = 0; i < stale.length; i += BATCH) {
        const batch = stale.slice(i, i + BATCH);
        const vectors = await embedTables(
          batch.map((d) => d.table),
          this.embedder,
          sentence,
        );
        await this.vectors.upsert(
          id,
          batch.map((d, j) => ({
            fullyQualifiedName: d.table.fullyQualifiedName,
            tableName: d.table.name,
            comment: d.table.comment ?? null,
            // What searchSchema and the AI SQL prompt show of each column (the vectors are made from the same).
            columns: d.table.columns.map((c) => ({ name: c.name, dataType: c.dataType, comment: c.comment ?? null, primaryKey: c.primaryKey ?? null })),
            documentHash: d.hash,
            model,
            vector: packTableVectors(vectors[j]),
          })),
        );
        const fraction = Math.min(1, (i + batch.length) / stale.length);
        await this.vectors.setStatus(id, payload.generation, { state: "RUNNING", progress: fraction });
        await context.progress(fraction);
      }
      await this.vectors.deleteExcept(
        id,
        documents.map((d) => d.table.fullyQualifiedName),
      );
      await this.vectors.setStatus(id, payload.generation, { state: "READY", progress: 1, tableCount: documents.length, model, error: null });
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
    const sentence = await this.sentenceModel();
    const question = await embedQuestion(text, this.embedder, sentence, this.textAnalyzer);
    // Only stop words ("which of the"): every score would be 0, an arbitrary order dressed up as a ranking.
    if (question.primary.every((x) => x === 0) && question.terms.length === 0) throw badInput("text: has no words to search by");
    // Vectors of another model (EMBEDDINGS_MODEL changed, the sentence model added) are not comparable: they wait
    // for the re-embedding.
    const model = searchModelName(this.embedder, sentence);
    // READY under another model: the process that embedded it has other settings or model files than this one.
    // Say so, rather than answer nothing as if the schema had no tables.
    const made = connection.embedding.model;
    if (connection.embedding.state === EmbeddingState.READY && made && made !== model) {
      throw new GatewayError(
        ErrorCode.UPSTREAM_UNAVAILABLE,
        `search: this connection was embedded with ${made}, and this gateway searches with ${model}: its servers and workers need the same EMBEDDINGS_* and SEARCH_SENTENCE_MODEL settings and model files`,
      );
    }
    // The status time alone can repeat within a millisecond across the job's last writes; state and count cannot.
    const e = connection.embedding;
    const version = `${model}@${e.updatedAt?.getTime() ?? 0}:${e.state}:${e.tableCount ?? ""}`;
    const index = await this.indexes.get(connection.id, version, () => this.buildIndex(connection.id, model));
    return rankTables(index, question, k).map(({ table, score, matchedColumns, matchedWords }) => ({
      fullyQualifiedName: table.fullyQualifiedName,
      score,
      matchedColumns,
      matchedWords,
      table: {
        name: table.name,
        fullyQualifiedName: table.fullyQualifiedName,
        comment: table.comment ?? null,
        numColumns: table.columns.length,
        error: null,
        columns: table.columns.map((c) => ({ name: c.name, dataType: c.dataType, comment: c.comment ?? null, primaryKey: c.primaryKey ?? null })),
      },
    }));
  }

  private async buildIndex(connectionId: string, model: string): Promise<{ index: SchemaIndex; bytes: number }> {
    const rows = await this.vectors.all(connectionId, model);
    const tables = rows.map((r) => ({
      schema: r.fullyQualifiedName.slice(0, Math.max(0, r.fullyQualifiedName.length - r.tableName.length - 1)),
      name: r.tableName,
      comment: r.comment,
      columns: r.columns,
      fullyQualifiedName: r.fullyQualifiedName,
      vectors: unpackTableVectors(r.vector),
    }));
    // What the index holds: the vectors as stored, and per table and column the objects around them (vector
    // headers, term sets, BM25 postings): ~576 bytes each, measured (81 MB for 5,000 tables and 72,784 columns).
    const bytes = rows.reduce((sum, r) => sum + r.vector.length + 576 * (1 + r.columns.length), 0);
    return { index: buildSchemaIndex(tables, this.textAnalyzer), bytes };
  }

  /**
   * Re-enqueues unfinished work whose job is gone (never enqueued, Redis was down, or its worker died), after
   * marking connections embedded with another model as stale: changing the model re-embeds.
   */
  async reconcile(): Promise<number> {
    if (!this.queue) return 0;
    // A process that should have the sentence model but cannot load it does not re-embed what other processes (with
    // the model) embedded: they would redo it, this one would mark it again, for ever. Its searches say why instead.
    if ((await this.sentenceModelMissing()) === null) await this.vectors.markOtherModelsStale(searchModelName(this.embedder, await this.sentenceModel()));
    let enqueued = 0;
    for (const row of await this.vectors.unfinished()) {
      const payload = { connectionId: row.id, generation: row.embeddingGeneration };
      const live = await this.queue.isLive(embedJobId(payload));
      if (live === false && (await this.queue.enqueue(payload))) enqueued++;
    }
    return enqueued;
  }
}
