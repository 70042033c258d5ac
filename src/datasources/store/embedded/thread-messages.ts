/** What the main thread sends to a PGlite worker thread. */
export type ToThread = { type: "protocol"; id: number; bytes: Uint8Array } | { type: "sql"; id: number; sql: string } | { type: "close"; id: number };

/** What a PGlite worker thread answers: response bytes as they come, then done or failed for the same id. */
export type FromThread =
  | { type: "ready" }
  | { type: "data"; id: number; chunk: Uint8Array }
  | { type: "done"; id: number; inTransaction: boolean; rows?: Record<string, unknown>[] }
  | { type: "failed"; id: number; message: string }
  | { type: "closed" };
