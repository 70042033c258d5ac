import type { Logger } from "pino";
import { withDeadline } from "../datasources/redis/deadline";
import type { ConnectionRepository, HealthEntry } from "../datasources/store/connection.repository";

/** How often scans' verdicts reach the store, and how many connections' verdicts wait at most before they go sooner. */
const HEALTH_FLUSH_MS = 5_000;
const MAX_PENDING = 5_000;
/** A flush is one statement; past this the store is treated as busy and the verdicts wait for the next flush. */
const FLUSH_DEADLINE_MS = 5_000;

/**
 * Connection.status without a store write per scan: scans record their verdict here, in memory, and one statement
 * every HEALTH_FLUSH_MS writes what changed (the latest verdict and last use of each connection). A test's verdict
 * is written at once, since its caller looks at the status next. Bounded: at most MAX_PENDING connections wait.
 */
export class ConnectionHealth {
  private pending = new Map<string, HealthEntry>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  constructor(
    private readonly rows: ConnectionRepository,
    private readonly logger: Logger,
    /** Counts each statement written (/metrics), so batching is visible. */
    private readonly written: () => void,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), HEALTH_FLUSH_MS).unref();
  }

  /**
   * A scan's outcome: `ok` (the source answered, even with an error in the statement), `failing` (it could not be
   * reached or refused the connection), or `used` (no verdict: a time limit, say).
   */
  scanned(connectionId: string, verdict: "ok" | "failing" | "used", error: string | null = null): void {
    const now = new Date().toISOString();
    this.note({ id: connectionId, last_used_at: now, ...(verdict === "used" ? {} : { state: verdict === "ok" ? "OK" : "FAILING", error, checked_at: now }) });
    if (this.pending.size >= MAX_PENDING) void this.flush();
  }

  /** A connection test's verdict, written before the test answers. */
  async tested(connectionId: string, ok: boolean, error: string | null, at: Date): Promise<void> {
    this.note({ id: connectionId, state: ok ? "OK" : "FAILING", error, checked_at: at.toISOString() });
    await this.flush();
  }

  /** Writes what waits, in one statement; verdicts that could not be written wait for the next flush. */
  async flush(): Promise<void> {
    // One flush at a time: a second caller waits for it, then flushes what arrived meanwhile.
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = withDeadline(this.rows.recordHealth([...batch.values()]), FLUSH_DEADLINE_MS, "connection health")
      .then(() => this.written())
      .catch((error: unknown) => {
        // Kept for the next flush unless newer verdicts replaced them meanwhile; bounded like the rest.
        for (const entry of batch.values()) if (!this.pending.has(entry.id) && this.pending.size < MAX_PENDING) this.pending.set(entry.id, entry);
        this.logger.warn({ err: error, connections: batch.size }, "could not write connection health; retrying with the next flush");
      })
      .finally(() => (this.flushing = null));
    await this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private note(change: Partial<HealthEntry> & { id: string }): void {
    const before = this.pending.get(change.id) ?? { id: change.id, state: null, error: null, checked_at: null, last_used_at: null };
    this.pending.set(change.id, { ...before, ...change });
  }
}
