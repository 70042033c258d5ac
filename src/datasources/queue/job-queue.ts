import { isUuid } from "../../ids";
/** The one job of this release: compute a connection's schema embeddings. Payload: ids only, never a secret. */
export const EMBED_SCHEMA_JOB = "embed-schema";

export interface EmbedSchemaPayload {
  readonly connectionId: string;
  /** The connection's embedding generation when the job was asked for; a newer one supersedes it. */
  readonly generation: number;
}

/** Deterministic per connection and generation, so duplicate enqueues collapse (BullMQ ids may not contain ':'). */
export const embedJobId = (p: EmbedSchemaPayload) => `${EMBED_SCHEMA_JOB}_${p.connectionId}_${p.generation}`;

/** A payload that can never succeed (malformed, or its connection is gone): fail at once, no retries. */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentJobError";
  }
}

export function parseEmbedPayload(data: unknown): EmbedSchemaPayload {
  const d = data as Partial<EmbedSchemaPayload> | null;
  if (!d || typeof d.connectionId !== "string" || !isUuid(d.connectionId) || !Number.isInteger(d.generation) || (d.generation as number) < 1) {
    throw new PermanentJobError("embed-schema payload must be { connectionId: uuid, generation: positive integer }");
  }
  return { connectionId: d.connectionId, generation: d.generation as number };
}

export type EmbedHandler = (payload: EmbedSchemaPayload, context: { progress(fraction: number): Promise<void>; finalAttempt: boolean }) => Promise<void>;

/** The producer side: BullMQ on Redis in production, an in-process runner in embedded mode. */
export interface JobQueue {
  /** false when the queue cannot be reached now: the reconciler enqueues again later. */
  enqueue(payload: EmbedSchemaPayload): Promise<boolean>;
  /** Whether a job with this id is waiting, delayed or running; null when the queue cannot be asked. */
  isLive(jobId: string): Promise<boolean | null>;
  /** Jobs waiting, delayed or running; null when the queue cannot be asked. */
  depth(): Promise<number | null>;
  close(): Promise<void>;
}
