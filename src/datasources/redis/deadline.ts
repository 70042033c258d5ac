/**
 * How long any one call to Redis may take before the caller takes its fallback (a cache miss, the per-instance
 * limiter, a job left PENDING for the reconciler). Redis answers in well under a millisecond when healthy; a Redis
 * that is down, unreachable from the start, or frozen must never hold a request.
 */
export const REDIS_DEADLINE_MS = 500;

/** BullMQ's calls are Lua scripts of a few commands each: twice the deadline of one command. */
export const QUEUE_DEADLINE_MS = 2 * REDIS_DEADLINE_MS;

/** Settles like `work`, or rejects after `ms` naming `what`; the work itself is left to finish or fail on its own. */
/** What withDeadline rejects with: callers tell a deadline from the work's own failure by its class. */
export class DeadlineExceeded extends Error {}

export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
