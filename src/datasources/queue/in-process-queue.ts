import type { Logger } from "pino";
import { embedJobId, PermanentJobError, type EmbedHandler, type EmbedSchemaPayload, type JobQueue } from "./job-queue";

const ATTEMPTS = 3;

/**
 * Embedded mode's queue: the same handler as the BullMQ worker, run in this process one job at a time, with the
 * same dedupe by job id and a short exponential backoff between attempts. Nothing survives a restart; the
 * reconciler re-enqueues PENDING work at start.
 */
export class InProcessQueue implements JobQueue {
  private readonly live = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private handler: EmbedHandler | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly backoffMs = 500,
  ) {}

  /**
   * The consumer, as a BullMQ worker is one: registered once the service that handles jobs exists, so the queue
   * can be built before the services that enqueue. Until then jobs wait in order.
   */
  consume(handler: EmbedHandler): void {
    this.handler = handler;
  }

  async enqueue(payload: EmbedSchemaPayload): Promise<boolean> {
    const id = embedJobId(payload);
    if (this.closed) return false;
    if (this.live.has(id)) return true;
    this.live.add(id);
    this.chain = this.chain.then(() => this.run(id, payload));
    return true;
  }

  async isLive(jobId: string): Promise<boolean> {
    return this.live.has(jobId);
  }

  async depth(): Promise<number> {
    return this.live.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
  }

  private async run(id: string, payload: EmbedSchemaPayload): Promise<void> {
    try {
      for (let attempt = 1; attempt <= ATTEMPTS && !this.closed; attempt++) {
        try {
          if (!this.handler) throw new Error("no consumer registered for the in-process queue");
          await this.handler(payload, { progress: async () => undefined, finalAttempt: attempt === ATTEMPTS });
          return;
        } catch (error) {
          this.logger.warn({ jobId: id, attempt, err: { message: (error as Error).message } }, "embed-schema attempt failed");
          if (error instanceof PermanentJobError) return;
          await new Promise((r) => setTimeout(r, this.backoffMs * 2 ** (attempt - 1)));
        }
      }
    } finally {
      this.live.delete(id);
    }
  }
}
