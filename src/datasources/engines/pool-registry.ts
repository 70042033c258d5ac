import type { EngineConnection } from "./query-engine";

/**
 * One bounded pool per connection and config version. A new version (the user changed the config) replaces the
 * old pool; creation is shared by concurrent callers so a burst of scans opens one pool, not many.
 */
export class PoolRegistry<P> {
  private readonly pools = new Map<string, { version: number; pool: Promise<P> }>();

  constructor(private readonly close: (pool: P) => Promise<void>) {}

  get(connection: EngineConnection, create: () => Promise<P>): Promise<P> {
    const existing = this.pools.get(connection.id);
    if (existing && existing.version === connection.configVersion) return existing.pool;
    if (existing) void this.evict(connection.id);
    const pool = create();
    this.pools.set(connection.id, { version: connection.configVersion, pool });
    // A failed creation (bad host, say) must not be remembered: the next call tries again.
    pool.catch(() => {
      if (this.pools.get(connection.id)?.pool === pool) this.pools.delete(connection.id);
    });
    return pool;
  }

  /** With `only`, evicts just that pool: a caller that found it broken must not evict a newer one made meanwhile. */
  async evict(connectionId: string, only?: Promise<P>): Promise<void> {
    const entry = this.pools.get(connectionId);
    if (!entry || (only && entry.pool !== only)) return;
    this.pools.delete(connectionId);
    const pool = await entry.pool.catch(() => null);
    if (pool) await this.close(pool).catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.pools.keys()].map((id) => this.evict(id)));
  }
}
