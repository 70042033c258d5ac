import { UnrecoverableError, Worker } from "bullmq";
import type { Logger } from "pino";
import { QUEUE_NAME } from "../datasources/queue/bullmq-queue";
import { parseEmbedPayload, PermanentJobError, type EmbedHandler } from "../datasources/queue/job-queue";
import { connectRedis } from "../datasources/redis/redis";

export interface EmbedWorker {
  /** Stops taking jobs and waits for the running ones to finish. */
  close(): Promise<void>;
}

/**
 * A BullMQ worker for embed-schema jobs. Its lock is short, so a job whose worker was killed is taken over by
 * another within about 20 s; the handler writes each table's vector by key, so a taken-over job writes it once.
 */
export function startEmbedWorker(options: { redisUrl: string; prefix: string; concurrency: number; handler: EmbedHandler; logger: Logger }): EmbedWorker {
  // The "worker" role of redis.ts: BullMQ duplicates this connection for its reads, blocking ones included.
  const connection = connectRedis(options.redisUrl, options.logger, "worker");
  const worker = new Worker(
    QUEUE_NAME,
    async (job) => {
      let payload;
      try {
        payload = parseEmbedPayload(job.data);
      } catch (error) {
        throw new UnrecoverableError((error as Error).message);
      }
      try {
        await options.handler(payload, {
          progress: (fraction) => job.updateProgress(Math.round(fraction * 100)),
          finalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
        });
      } catch (error) {
        if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message);
        throw error;
      }
    },
    { connection: connection.client, prefix: options.prefix, concurrency: options.concurrency, lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 3 },
  );
  worker.on("failed", (job, error) => options.logger.warn({ jobId: job?.id, err: { message: error.message } }, "embed-schema job failed"));
  worker.on("completed", (job) => options.logger.info({ jobId: job.id }, "embed-schema job completed"));
  worker.on("error", (error) => options.logger.warn({ err: { message: error.message } }, "worker error"));
  return {
    async close() {
      await worker.close();
      await connection.close();
    },
  };
}
