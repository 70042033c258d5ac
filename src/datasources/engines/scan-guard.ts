import type { ScanRequest } from "./query-engine";
import { cancelledByClient, toUpstream, upstreamTimeout } from "./upstream-errors";

/**
 * What every direct engine does around one scan on an acquired connection: the client going away, or a backstop
 * timer a second past the source's own time limit (in case the source does not answer it), cancels the statement
 * at the source once; the error then says which happened, or carries the source's own refusal.
 */
export async function guardScan<T>(
  request: ScanRequest,
  source: { cancel(): void; isTimeout(error: unknown): boolean },
  run: () => Promise<T>,
): Promise<T> {
  let reason: "timeout" | "aborted" | null = null;
  const stop = (why: "timeout" | "aborted") => {
    if (reason) return;
    reason = why;
    source.cancel();
  };
  const timer = setTimeout(() => stop("timeout"), request.timeoutMs + 1_000);
  const onAbort = () => stop("aborted");
  request.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    return await run();
  } catch (error) {
    if (reason === "aborted") throw cancelledByClient();
    if (reason === "timeout" || source.isTimeout(error)) throw upstreamTimeout(request.timeoutMs, error);
    throw toUpstream(error, "query");
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener("abort", onAbort);
  }
}
