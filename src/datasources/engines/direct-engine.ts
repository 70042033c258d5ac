import type { Readable } from "node:stream";
import type { GatewayError } from "../../errors";
import type { HostPolicy } from "../sources/host-policy";
import { PoolRegistry } from "./pool-registry";
import type { ColumnInfo, EngineConnection, ProbeResult, QueryEngine, ScanOutcome, ScanRequest, TableInfo } from "./query-engine";
import { guardScan } from "./scan-guard";
import { cancelledByClient } from "./upstream-errors";

export interface PoolLimits {
  /** Connections per source connection. */
  readonly size: number;
  /** How long a scan waits for a free connection before it is refused. */
  readonly acquireTimeoutMs: number;
}

/** What a driver's scan step gets: its connection, and the cancel that stops the statement at the source. */
export interface ScanStep<P, C> {
  readonly pool: P;
  readonly conn: C;
  readonly connection: EngineConnection;
  readonly request: ScanRequest;
  readonly cancel: () => void;
}

/**
 * The skeleton every direct driver shares, as Cube's drivers share their base driver: one bounded pool per
 * connection and config version; a connection acquired within a deadline; the scan run under the guard (deadline,
 * byte budget, client cancel); a connection that failed or was cancelled is destroyed, never reused, since its
 * session state is unknown. A driver says only how to open, acquire, cancel and query.
 */
export abstract class DirectEngine<P, C> implements QueryEngine {
  abstract readonly name: string;
  private readonly pools = new PoolRegistry<P>((pool) => this.closePool(pool));

  constructor(
    protected readonly hosts: HostPolicy,
    protected readonly limits: PoolLimits,
    protected readonly defaultTimeoutMs: number,
  ) {}

  abstract listTables(connection: EngineConnection): Promise<TableInfo[]>;
  abstract describeTable(connection: EngineConnection, table: string): Promise<ColumnInfo[] | null>;
  abstract probe(connection: EngineConnection): Promise<ProbeResult>;

  /** Opens the pool of one connection: its host checked, the checked address dialled. */
  protected abstract openPool(connection: EngineConnection): Promise<P>;
  protected abstract closePool(pool: P): Promise<void>;
  /** A connection from the pool, or UPSTREAM_UNAVAILABLE once limits.acquireTimeoutMs has passed. */
  protected abstract acquire(pool: P): Promise<C>;
  /** Back to the pool when healthy; otherwise closed. */
  protected abstract releaseConnection(pool: P, conn: C, healthy: boolean): void;
  /** The socket the guard counts bytes on. */
  protected abstract socketOf(conn: C): Readable;
  /** Stops the running statement at the source and cuts what is still arriving. */
  protected abstract cancelRunning(pool: P, conn: C): void;
  protected abstract isTimeout(error: unknown): boolean;
  /** The scan itself, inside a read-only transaction, leaving the session clean for the next scan. */
  protected abstract runScan(step: ScanStep<P, C>): Promise<ScanOutcome>;
  /** One catalogue query under the default deadline; errors already mapped to the gateway's. */
  protected abstract runMetadata<R>(conn: C, sql: string, params: unknown[]): Promise<R[]>;
  /** The gateway's error for a catalogue query that failed. */
  protected abstract metadataError(error: unknown): GatewayError;

  async scan(connection: EngineConnection, request: ScanRequest): Promise<ScanOutcome> {
    if (request.signal?.aborted) throw cancelledByClient();
    const started = request.startedAt ?? performance.now();
    const pool = await this.pool(connection);
    const conn = await this.acquire(pool);
    let healthy = true;
    const cancel = () => {
      healthy = false;
      this.cancelRunning(pool, conn);
    };
    try {
      return await guardScan(
        request,
        { cancel, isTimeout: (e) => this.isTimeout(e), socket: this.socketOf(conn) },
        () => this.runScan({ pool, conn, connection, request, cancel }),
        started,
      );
    } catch (error) {
      healthy = false;
      throw error;
    } finally {
      this.releaseConnection(pool, conn, healthy);
    }
  }

  release(connectionId: string): Promise<void> {
    return this.pools.evict(connectionId);
  }

  dispose(): Promise<void> {
    return this.pools.closeAll();
  }

  protected pool(connection: EngineConnection): Promise<P> {
    return this.pools.get(connection, () => this.openPool(connection));
  }

  protected async metadata<R>(connection: EngineConnection, sql: string, params: unknown[]): Promise<R[]> {
    const pool = await this.pool(connection);
    const conn = await this.acquire(pool);
    let healthy = true;
    try {
      return await this.runMetadata<R>(conn, sql, params);
    } catch (error) {
      healthy = false;
      throw this.metadataError(error);
    } finally {
      this.releaseConnection(pool, conn, healthy);
    }
  }
}
