import { Queue } from "bullmq";
import type { Logger } from "pino";
import { QUEUE_DEADLINE_MS, withDeadline } from "../redis/deadline";
import { connectRedis, type RedisConnection } from "../redis/redis";
import { EMBED_SCHEMA_JOB, embedJobId, type EmbedSchemaPayload, type JobQueue } from "./job-queue";

export const QUEUE_NAME = EMBED_SCHEMA_JOB;
const LIVE_STATES = new Set(["waiting", "delayed", "active", "prioritized", "waiting-children"]);

/** Retries with exponential backoff; finished jobs are removed so a later generation's id is always free. */
const JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: "exponential", delay: 2_000 },
  removeOnComplete: true,
  removeOnFail: 1_000,
};

/** The producer side of BullMQ: fails fast while Redis is down (the reconciler retries), never blocks a request. */
export class BullmqQueue implements JobQueue {
  private readonly connection: RedisConnection;
  private readonly queue: Queue;

  constructor(
    redisUrl: string,
    prefix: string,
    private readonly logger: Logger,
  ) {
    // A connection of its own (the "queue" role of redis.ts): BullMQ's scripts get a longer deadline than one command.
    this.connection = connectRedis(redisUrl, logger, "queue");
    this.queue = new Queue(QUEUE_NAME, { connection: this.connection.client, prefix, defaultJobOptions: JOB_OPTIONS });
    this.queue.on("error", () => undefined);
  }

  async enqueue(payload: EmbedSchemaPayload): Promise<boolean> {
    try {
      // BullMQ first waits for the connection to be ready, which never happens while Redis is down: a deadline.
      const job = { connectionId: payload.connectionId, generation: payload.generation };
      await withDeadline(this.queue.add(EMBED_SCHEMA_JOB, job, { jobId: embedJobId(payload) }), QUEUE_DEADLINE_MS, "enqueue");
      return true;
    } catch (error) {
      this.logger.warn({ err: { message: (error as Error).message }, connectionId: payload.connectionId }, "could not enqueue embed-schema; the reconciler will retry");
      return false;
    }
  }

  async isLive(jobId: string): Promise<boolean | null> {
    try {
      const job = await withDeadline(this.queue.getJob(jobId), QUEUE_DEADLINE_MS, "job look-up");
      return job ? LIVE_STATES.has(await withDeadline(job.getState(), QUEUE_DEADLINE_MS, "job state")) : false;
    } catch {
      return null;
    }
  }

  async depth(): Promise<number | null> {
    try {
      const counts = await withDeadline(this.queue.getJobCounts("waiting", "delayed", "active"), QUEUE_DEADLINE_MS, "queue depth");
      return Object.values(counts).reduce((a, b) => a + b, 0);
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    await this.connection.close();
  }
}
