import type { Readable } from "node:stream";
import type { ScanRequest } from "./query-engine";
import { cancelledByClient, resultTooLarge, toUpstream, upstreamTimeout, userQueryError } from "./upstream-errors";

/** Past the time limit, how long the source has to answer itself: the client still hears back within the limit + 1 s. */
const BACKSTOP_MS = 500;

/**
 * What every direct engine does around one scan on an acquired connection: the client going away, or a backstop
 * timer BACKSTOP_MS past the time limit counted from the scan's start (in case the source does not answer it, or the
 * wait for a connection used the time up), cancels the statement at the source once; the error then says which happened, or carries the source's own refusal. The bytes the
 * source sends on `socket` are counted as they arrive: past request.maxBytes the scan is stopped the same way (the
 * driver would otherwise buffer a whole huge value before handing over a single row).
 */
export async function guardScan<T>(
  request: ScanRequest,
  source: { cancel(): void; isTimeout(error: unknown): boolean; socket?: Readable },
  run: () => Promise<T>,
  /** When the scan began, before waiting for a connection: the backstop counts from here, so a long wait is no extra time. */
  startedAt: number = performance.now(),
): Promise<T> {
  let reason: "timeout" | "aborted" | "too-large" | null = null;
  const stop = (why: "timeout" | "aborted" | "too-large") => {
    if (reason) return;
    reason = why;
    source.cancel();
  };
  let received = 0;
  let tooLarge: () => void = () => undefined;
  // Past the budget the answer is certain at once: the driver may still be parsing rows it already has, or wait
  // on a connection that cancel() just closed, so the scan does not wait for it.
  const overBudget = new Promise<never>((_, reject) => (tooLarge = () => reject(resultTooLarge(request.maxBytes))));
  overBudget.catch(() => undefined);
  const count = (chunk: Buffer) => {
    received += chunk.length;
    if (received > request.maxBytes && !reason) {
      stop("too-large");
      tooLarge();
    }
  };
  source.socket?.on("data", count);
  const timer = setTimeout(() => stop("timeout"), Math.max(0, startedAt + request.timeoutMs + BACKSTOP_MS - performance.now()));
  const onAbort = () => stop("aborted");
  request.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const running = run();
    running.catch(() => undefined); // abandoned when the budget ran out
    return await Promise.race([running, overBudget]);
  } catch (error) {
    if (reason === "aborted") throw cancelledByClient();
    if (reason === "too-large") throw resultTooLarge(request.maxBytes);
    if (reason === "timeout" || source.isTimeout(error)) throw upstreamTimeout(request.timeoutMs, error);
    throw userQueryError(error) ?? toUpstream(error, "query");
  } finally {
    clearTimeout(timer);
    source.socket?.off("data", count);
    request.signal?.removeEventListener("abort", onAbort);
  }
}
