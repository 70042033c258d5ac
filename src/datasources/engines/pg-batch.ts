import type pg from "pg";
// node-postgres's own row parser (the one pg-cursor uses), so values come back exactly as a normal query's do.
import Result from "pg/lib/result.js";

/** What the batch sends: fixed statements of the gateway's own around one statement whose rows are capped. */
export interface BatchPlan {
  readonly before: readonly string[];
  readonly sql: string;
  /** Rows the server hands over at most; more exist when the portal is suspended. */
  readonly maxRows: number;
  readonly after: readonly string[];
}

export interface BatchOutcome {
  rows: unknown[][];
  fields: pg.FieldDef[];
  /** The portal was suspended: the statement had more rows than maxRows. */
  more: boolean;
}

interface Messages {
  parse(m: { text: string }): void;
  bind(m: { portal?: string; values?: unknown[] }): void;
  describe(m: { type: "P"; name: string }): void;
  execute(m: { portal?: string; rows?: number }): void;
  sync(): void;
}

/** Named, because Redshift answers Describe only for a named portal; the transaction's end closes it. */
const PORTAL = "gw_scan";

/**
 * One round trip for a whole scan: every statement goes out in one write (Parse/Bind/Execute each, the user's
 * statement bound to a portal that hands over at most maxRows, then Sync), and the answers come back together. The
 * server runs them in order and skips the rest after an error, so `BEGIN READ ONLY` before the statement and
 * `ROLLBACK` after it hold exactly as when sent one by one; only the four waits are gone. A node-postgres
 * Submittable, like pg-cursor.
 */
export class PgBatch {
  private readonly result = new Result("array");
  private readonly rows: unknown[][] = [];
  private more = false;
  private failed: Error | null = null;
  private resolve!: (outcome: BatchOutcome) => void;
  private reject!: (error: Error) => void;
  readonly done: Promise<BatchOutcome>;

  constructor(private readonly plan: BatchPlan) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: Messages): void {
    const simple = (text: string) => {
      connection.parse({ text });
      connection.bind({});
      connection.execute({});
    };
    this.plan.before.forEach(simple);
    connection.parse({ text: this.plan.sql });
    connection.bind({ portal: PORTAL, values: [] });
    connection.describe({ type: "P", name: PORTAL });
    connection.execute({ portal: PORTAL, rows: this.plan.maxRows });
    this.plan.after.forEach(simple);
    connection.sync();
  }

  handleRowDescription(msg: { fields: pg.FieldDef[] }): void {
    this.result.addFields(msg.fields);
  }

  handleDataRow(msg: { fields: unknown[] }): void {
    this.rows.push(this.result.parseRow(msg.fields) as unknown[]);
  }

  handlePortalSuspended(): void {
    this.more = true;
  }

  handleCommandComplete(): void {
    // Each statement of the batch completes in turn; nothing to do until the batch is ready.
  }

  handleEmptyQuery(): void {
    // The gate never lets an empty statement through; an empty answer simply has no rows.
  }

  /** An error from the server (the rest of the batch is skipped up to Sync), or the connection's end. */
  handleError(error: Error): void {
    this.failed ??= error;
    this.reject(error);
  }

  handleReadyForQuery(): void {
    if (this.failed) return;
    this.resolve({ rows: this.rows, fields: this.result.fields, more: this.more });
  }
}
