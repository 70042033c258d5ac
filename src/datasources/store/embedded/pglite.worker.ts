import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import type { ToThread, FromThread } from "./thread-messages";

/**
 * Runs inside a worker thread: one PGlite, driven by wire-protocol messages from the main thread. PGlite runs on
 * the thread that calls it and cannot cancel a statement, so it lives here, where a runaway statement blocks only
 * this thread and the main thread can end it with terminate().
 */
const port = parentPort!;
const post = (message: FromThread) => port.postMessage(message);

async function main(): Promise<void> {
  const { dir } = workerData as { dir: string | null };
  let db: PGlite;
  try {
    db = await PGlite.create(dir ?? "memory://");
  } catch (error) {
    post({ type: "failed", id: 0, message: `cannot open ${dir ?? "memory://"}: ${(error as Error).message}` });
    return;
  }
  post({ type: "ready" });
  // handle() answers every message with its own "done" or "failed" and catches its errors: nothing here waits on it.
  port.on("message", (message: ToThread) => void handle(db, message));
}

async function handle(db: PGlite, message: ToThread): Promise<void> {
  try {
    if (message.type === "protocol") {
      // Each chunk goes out as soon as PGlite produces it: postMessage does not need this thread's event loop.
      await db.execProtocolRawStream(message.bytes, { onRawData: (chunk) => post({ type: "data", id: message.id, chunk: chunk.slice() }) });
    } else if (message.type === "sql") {
      const results = await db.exec(message.sql);
      post({ type: "done", id: message.id, inTransaction: db.isInTransaction(), rows: results.at(-1)?.rows ?? [] });
      return;
    } else if (message.type === "close") {
      await db.close();
      post({ type: "closed" });
      return;
    }
    post({ type: "done", id: message.id, inTransaction: db.isInTransaction() });
  } catch (error) {
    post({ type: "failed", id: message.id, message: (error as Error).message });
  }
}

void main();
