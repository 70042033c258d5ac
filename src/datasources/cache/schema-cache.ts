import type { Logger } from "pino";
import { REDIS_DEADLINE_MS, withDeadline } from "../redis/deadline";
import type { RedisClient } from "../redis/redis";

const SCHEMA_TTL_SECONDS = 30 * 60;

/**
 * Schema listings per account and connection. All entries of one connection live under one key, so dropping
 * them on update or delete is one operation. Failures are logged and treated as misses: the cache fails open.
 */
export interface SchemaCache {
  get<T>(accountId: string, connectionId: string, entry: string): Promise<T | null>;
  set(accountId: string, connectionId: string, entry: string, value: unknown): Promise<void>;
  drop(accountId: string, connectionId: string): Promise<void>;
}

const keyOf = (accountId: string, connectionId: string) => `gw:schema:${accountId}:${connectionId}`;

export class RedisSchemaCache implements SchemaCache {
  constructor(
    private readonly redis: RedisClient,
    private readonly logger: Logger,
    private readonly ttlSeconds = SCHEMA_TTL_SECONDS,
  ) {}

  async get<T>(accountId: string, connectionId: string, entry: string): Promise<T | null> {
    try {
      const raw = await withDeadline(this.redis.hget(keyOf(accountId, connectionId), entry), REDIS_DEADLINE_MS, "schema cache read");
      if (!raw) return null;
      const { at, value } = JSON.parse(raw) as { at: number; value: T };
      // The hash's TTL runs from its first entry; each entry also carries its own age.
      return Date.now() - at < this.ttlSeconds * 1000 ? value : null;
    } catch (error) {
      this.logger.warn({ err: { message: (error as Error).message } }, "schema cache read failed; treating as a miss");
      return null;
    }
  }

  async set(accountId: string, connectionId: string, entry: string, value: unknown): Promise<void> {
    const key = keyOf(accountId, connectionId);
    try {
      const write = this.redis
        .multi()
        .hset(key, entry, JSON.stringify({ at: Date.now(), value }))
        .expire(key, this.ttlSeconds)
        .exec();
      // ioredis resolves a transaction with each command's error beside its reply instead of rejecting.
      const failed = (await withDeadline(write, REDIS_DEADLINE_MS, "schema cache write"))?.find(([error]) => error)?.[0];
      if (failed) throw failed;
    } catch (error) {
      this.logger.warn({ err: { message: (error as Error).message } }, "schema cache write failed");
    }
  }

  async drop(accountId: string, connectionId: string): Promise<void> {
    try {
      await withDeadline(this.redis.del(keyOf(accountId, connectionId)), REDIS_DEADLINE_MS, "schema cache drop");
    } catch (error) {
      this.logger.warn({ err: { message: (error as Error).message } }, "schema cache drop failed");
    }
  }
}

/** In-process, bounded: the least recently used connection's entries go first. */
export class MemorySchemaCache implements SchemaCache {
  private readonly entries = new Map<string, Map<string, { at: number; value: unknown }>>();

  constructor(
    private readonly maxConnections = 1_000,
    private readonly ttlSeconds = SCHEMA_TTL_SECONDS,
  ) {}

  async get<T>(accountId: string, connectionId: string, entry: string): Promise<T | null> {
    const key = keyOf(accountId, connectionId);
    const bucket = this.entries.get(key);
    const hit = bucket?.get(entry);
    if (!bucket || !hit || Date.now() - hit.at >= this.ttlSeconds * 1000) return null;
    this.entries.delete(key);
    this.entries.set(key, bucket);
    return hit.value as T;
  }

  async set(accountId: string, connectionId: string, entry: string, value: unknown): Promise<void> {
    const key = keyOf(accountId, connectionId);
    const bucket = this.entries.get(key) ?? new Map<string, { at: number; value: unknown }>();
    bucket.set(entry, { at: Date.now(), value });
    this.entries.delete(key);
    this.entries.set(key, bucket);
    if (this.entries.size > this.maxConnections) this.entries.delete(this.entries.keys().next().value!);
  }

  async drop(accountId: string, connectionId: string): Promise<void> {
    this.entries.delete(keyOf(accountId, connectionId));
  }
}
