import path from "node:path";
import { Worker } from "node:worker_threads";
import { projectRoot } from "../../../paths";
import type { FromThread, ToThread } from "./thread-messages";

/** The worker script: the compiled sibling when running from dist/, the build's copy when running from src/ (Vitest). */
function workerScript(): string {
  if (__filename.endsWith(".js")) return path.join(__dirname, "pglite.worker.js");
  return path.join(projectRoot(), "dist/src/datasources/store/embedded/pglite.worker.js");
}

export interface RunOutcome {
  /** Whether a transaction is open afterwards: its next statements must come from the same client. */
  inTransaction: boolean;
  /** For SQL text: the rows of the last statement. */
  rows: Record<string, unknown>[];
}

export type Work = { type: "protocol"; bytes: Uint8Array } | { type: "sql"; sql: string };

/**
 * One PGlite in its own worker thread, seen from the main thread: one piece of work at a time, answered by a
 * promise, with the response bytes streamed to `onData`. kill() ends it at once, whatever it is running.
 */
export class PgliteThread {
  private nextId = 1;
  private pending: { id: number; onData?: (chunk: Uint8Array) => void; resolve: (outcome: RunOutcome) => void; reject: (e: Error) => void } | null = null;
  private exited: Error | null = null;
  private closing: (() => void) | null = null;
  private opened: ((error: Error | null) => void) | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on("message", (m: FromThread) => this.onMessage(m));
    worker.on("error", (error) => this.fail(new Error(`embedded database thread failed: ${error.message}`)));
    worker.on("exit", (code) => this.fail(new Error(`embedded database thread exited (${code})`)));
  }

  /** Starts a thread and opens the database in it (about 1 s for an existing folder, 4–5 s for a new one). */
  static start(dir: string | null, timeoutMs = 60_000): Promise<PgliteThread> {
    const worker = new Worker(workerScript(), { workerData: { dir } });
    const thread = new PgliteThread(worker);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void worker.terminate();
        reject(new Error(`the embedded database at ${dir ?? "memory://"} did not open within ${timeoutMs} ms`));
      }, timeoutMs);
      thread.opened = (error) => {
        clearTimeout(timer);
        if (error) {
          void worker.terminate();
          reject(error);
        } else resolve(thread);
      };
    });
  }

  get alive(): boolean {
    return this.exited === null;
  }

  /** Runs one wire-protocol message or SQL text. */
  run(work: Work, onData?: (chunk: Uint8Array) => void): Promise<RunOutcome> {
    if (this.exited) return Promise.reject(this.exited);
    if (this.pending) return Promise.reject(new Error("embedded database thread is busy"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending = { id, onData, resolve, reject };
      const message: ToThread = work.type === "protocol" ? { type: "protocol", id, bytes: work.bytes } : { type: "sql", id, sql: work.sql };
      this.worker.postMessage(message);
    });
  }

  /** Ends the thread now; a statement it was running is abandoned (PGlite keeps every committed write). */
  async kill(): Promise<void> {
    this.fail(new Error("embedded database thread was stopped"));
    await this.worker.terminate();
  }

  /** Closes the database cleanly when idle; a busy thread, or one that does not close within `timeoutMs`, is killed. */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.exited) return;
    if (this.pending) return this.kill();
    const closed = new Promise<void>((resolve) => (this.closing = resolve));
    this.worker.postMessage({ type: "close", id: this.nextId++ } satisfies ToThread);
    const timer = setTimeout(() => void this.kill(), timeoutMs);
    await Promise.race([closed, new Promise<void>((resolve) => this.worker.once("exit", () => resolve()))]);
    clearTimeout(timer);
    await this.worker.terminate();
  }

  private onMessage(m: FromThread): void {
    if (m.type === "ready") return this.opened?.(null);
    if (m.type === "closed") return this.closing?.();
    if (m.type === "failed" && m.id === 0) return this.opened?.(new Error(m.message));
    const pending = this.pending;
    if (!pending || pending.id !== m.id) return;
    if (m.type === "data") return pending.onData?.(m.chunk);
    this.pending = null;
    if (m.type === "done") pending.resolve({ inTransaction: m.inTransaction, rows: m.rows ?? [] });
    else pending.reject(new Error(m.message));
  }

  private fail(error: Error): void {
    if (this.exited) return;
    this.exited = error;
    this.opened?.(error);
    this.opened = null;
    this.closing?.();
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
  }
}
