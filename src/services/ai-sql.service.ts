import type { ChatClient, ChatMessage } from "../datasources/ai/chat-client";
import type { EngineRegistry } from "../datasources/engines/engine-registry";
import type { EngineConnection } from "../datasources/engines/query-engine";
import { badInput, ErrorCode, GatewayError } from "../errors";
import { DEFAULT_ROWS, MAX_SEARCH_CHARS } from "../limits";
import type { GeneratedSql } from "../schema/ai-sql.type";
import type { ConnectionService } from "./connection.service";
import type { EmbeddingService } from "./embedding.service";
import type { Principal } from "./principal";
import type { ScanService } from "./scan.service";
import { sqlPrompt, statementOf } from "./sql-prompt";

/** Tables given to the model: the closest by meaning, as Lytics gives its generator. */
const AI_CONTEXT_TABLES = 5;
/** The source's check of a statement (EXPLAIN) needs no more than a few rows and a short time. */
const CHECK_TIMEOUT_MS = 5_000;
const CHECK_MAX_BYTES = 1024 * 1024;

/**
 * AI SQL: the tables closest to the question (schema embeddings) with their columns and comments go into a prompt;
 * the answer must pass the read-only gate and EXPLAIN at the source inside the engine's read-only transaction; a
 * refusal goes back to the model once. With run, the statement is scanned as any other.
 */
export class AiSqlService {
  constructor(
    private readonly chat: ChatClient | null,
    private readonly connections: ConnectionService,
    private readonly engines: EngineRegistry,
    private readonly embeddings: EmbeddingService,
    private readonly scans: ScanService,
  ) {}

  async generate(principal: Principal, connectionId: string, text: string, options: { run?: boolean | null; startedAt?: number } = {}): Promise<GeneratedSql> {
    const question = text.trim();
    if (!question) throw badInput("text: must not be empty");
    if (text.length > MAX_SEARCH_CHARS) throw badInput(`text: longer than ${MAX_SEARCH_CHARS} characters`);
    // A connection that is not there is NOT_FOUND, whatever this deployment can do (a version read; the config is
    // decrypted once per config version and kept).
    const connection = await this.connections.openForQuery(principal, connectionId);
    if (!this.chat) {
      throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, "ai: SQL generation needs an AI endpoint: the gateway's operator sets AI_URL (and AI_MODEL, AI_API_KEY)");
    }
    const matches = await this.embeddings.search(principal, connectionId, question, AI_CONTEXT_TABLES);
    if (matches.length === 0) {
      throw new GatewayError(ErrorCode.CONFLICT, "ai: the connection's schema embeddings are not ready yet (see embedding_status); retry when it is READY");
    }
    const dialect = this.engines.dialectFor(connection.type);
    const messages: ChatMessage[] = sqlPrompt(
      question,
      matches.map((m) => ({ fullyQualifiedName: m.fullyQualifiedName, comment: m.table.comment, columns: m.table.columns })),
      dialect,
    );
    let refusal: string | null = null;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const answer = await this.chat.complete(messages);
      const query = statementOf(answer);
      refusal = await this.check(connection, query);
      if (refusal === null) {
        const scan = options.run ? await this.scans.scan(principal, connectionId, query, DEFAULT_ROWS, { startedAt: options.startedAt }) : null;
        return { query, tables: matches.map((m) => m.fullyQualifiedName), attempts: attempt, scan };
      }
      // Once: the refusal goes back to the model, which may correct its statement.
      messages.push({ role: "assistant", content: answer }, { role: "user", content: `That statement was refused: ${refusal}. Answer with a corrected statement only.` });
    }
    throw new GatewayError(ErrorCode.QUERY_ERROR, `ai: the generated statement was refused twice; the last time: ${refusal}`);
  }

  /** null when the statement passes the gate and the source's EXPLAIN; otherwise why not, in words for the model. */
  private async check(connection: EngineConnection, query: string): Promise<string | null> {
    if (!query) return "the answer held no statement";
    const engine = this.engines.for(connection.type, connection.config);
    const verdict = await this.scans.gate(connection, query);
    if (!verdict.allowed) return verdict.reason;
    try {
      // The engine runs it read-only, bounded in time and bytes, as a scan: EXPLAIN plans without reading rows.
      await engine.scan(connection, { sql: `EXPLAIN ${verdict.sql}`, limit: 100, timeoutMs: CHECK_TIMEOUT_MS, maxBytes: CHECK_MAX_BYTES });
      return null;
    } catch (error) {
      // The statement's own mistake (a missing column, say) is for the model to fix; the source failing is not.
      if (error instanceof GatewayError && error.code === ErrorCode.QUERY_ERROR) return error.message.replace(/^query: /, "");
      throw error;
    }
  }
}
