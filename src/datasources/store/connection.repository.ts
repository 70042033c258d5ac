import type { DataSource, EntityManager } from "typeorm";
import { QueryFailedError } from "typeorm";
import { labelTaken, notFound } from "../../errors";
import { ConnectionEntity } from "./entities/connection.entity";
import { PlainReads } from "./plain-reads";

const UNIQUE_VIOLATION = "23505";

/** One connection's health as ConnectionHealth flushes it: a verdict (state, error, checked_at) and/or a last use. */
export interface HealthEntry {
  id: string;
  state: "OK" | "FAILING" | null;
  error: string | null;
  checked_at: string | null;
  last_used_at: string | null;
}

/** Live means not soft-deleted: a deleted row stays for audit but no read path returns it. */
export class ConnectionRepository {
  private readonly plain: PlainReads;

  constructor(private readonly dataSource: DataSource) {
    this.plain = new PlainReads(dataSource);
  }

  async listLive(accountId: string): Promise<ConnectionEntity[]> {
    return (await this.pageLive(accountId, {})).rows;
  }

  /**
   * One page of the account's live connections, oldest first (created, then id), after the `after` row: `first` + 1
   * rows are read to tell whether another page follows; the total counts every row the filters match (a second
   * statement only when the page is not the whole list).
   */
  async pageLive(
    accountId: string,
    filter: { search?: string; typeId?: string; after?: { created: Date; id: string }; first?: number },
  ): Promise<{ rows: ConnectionEntity[]; total: number; hasMore: boolean }> {
    const where = ["account_id = $1", "deleted IS NULL"];
    const values: unknown[] = [accountId];
    if (filter.search) {
      // A literal substring: LIKE's own wildcards in it are escaped.
      values.push(`%${filter.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`lower(label) LIKE $${values.length}`);
    }
    if (filter.typeId) {
      values.push(filter.typeId);
      where.push(`connection_config_id = $${values.length}`);
    }
    const whole = filter.first === undefined && !filter.after;
    const count = whole ? null : this.plain.rows<{ n: number }>(`SELECT count(*)::int AS n FROM connections WHERE ${where.join(" AND ")}`, [...values]);
    if (filter.after) {
      values.push(filter.after.created, filter.after.id);
      where.push(`(created, id) > ($${values.length - 1}, $${values.length})`);
    }
    const limit = filter.first === undefined ? "" : ` LIMIT ${filter.first + 1}`;
    const [rows, counted] = await Promise.all([
      this.plain.entities(ConnectionEntity, `SELECT * FROM connections WHERE ${where.join(" AND ")} ORDER BY created, id${limit}`, values),
      count,
    ]);
    const hasMore = filter.first !== undefined && rows.length > filter.first;
    return { rows: hasMore ? rows.slice(0, filter.first) : rows, total: counted ? counted[0].n : rows.length, hasMore };
  }

  /** On the path of every get and of a scan whose connection is not cached: a plain read. */
  async findLive(accountId: string, id: string): Promise<ConnectionEntity | null> {
    const [row] = await this.plain.entities(ConnectionEntity, "SELECT * FROM connections WHERE id = $1 AND account_id = $2 AND deleted IS NULL", [id, accountId]);
    return row ?? null;
  }

  /** The live row's config version, or null when it is missing, deleted or another account's: one indexed lookup per scan. */
  async liveVersion(accountId: string, id: string): Promise<number | null> {
    const [row] = await this.plain.rows<{ v: number }>("SELECT config_version AS v FROM connections WHERE id = $1 AND account_id = $2 AND deleted IS NULL", [id, accountId]);
    return row?.v ?? null;
  }

  /**
   * Read-modify-write of one live row of the account under a row lock (a concurrent update must not drop a secret
   * change): NOT_FOUND when it is missing, deleted or another account's; `change` edits the row, which is then
   * saved in the same transaction, a label another live connection has answered as the domain's conflict.
   */
  changeLive(accountId: string, id: string, change: (row: ConnectionEntity) => Promise<void> | void): Promise<ConnectionEntity> {
    return this.dataSource.transaction(async (manager) => {
      const row = await locked(manager).where("c.id = :id AND c.account_id = :accountId AND c.deleted IS NULL", { id, accountId }).getOne();
      if (!row) throw notFound("connection");
      await change(row);
      return saveUnique(manager, row);
    });
  }

  /** The same for any row, deleted or not (key rotation); `change` answers whether there is anything to save. */
  async changeAny(id: string, change: (row: ConnectionEntity) => boolean): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const row = await locked(manager).where("c.id = :id", { id }).getOne();
      if (row && change(row)) await manager.getRepository(ConnectionEntity).save(row);
    });
  }

  /** A new row; a label another live connection of the account has is the domain's conflict. */
  async insert(row: ConnectionEntity): Promise<ConnectionEntity> {
    const [account] = await this.plain.rows<{ aid: number }>("SELECT aid FROM accounts WHERE id = $1", [row.accountId]);
    if (!account) throw new Error(`account ${row.accountId} does not exist`);
    row.aid = account.aid;
    return saveUnique(this.dataSource.manager, row);
  }

  /**
   * Health verdicts and last uses of many connections in one statement. A verdict older than the stored one is
   * ignored (another instance may have flushed a newer one first); last use only moves forward.
   */
  async recordHealth(entries: readonly HealthEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const newer = "v.checked_at IS NOT NULL AND (c.health_checked_at IS NULL OR v.checked_at >= c.health_checked_at)";
    await this.plain.rows(
      `UPDATE connections c SET
         health_state = CASE WHEN ${newer} THEN v.state ELSE c.health_state END,
         health_error = CASE WHEN ${newer} THEN v.error ELSE c.health_error END,
         health_checked_at = CASE WHEN ${newer} THEN v.checked_at ELSE c.health_checked_at END,
         last_used_at = GREATEST(c.last_used_at, v.last_used_at)
       FROM jsonb_to_recordset($1::jsonb) AS v(id uuid, state text, error text, checked_at timestamptz, last_used_at timestamptz)
       WHERE c.id = v.id`,
      [JSON.stringify(entries)],
    );
  }

  /** Any row with this id, deleted or not, in any account: for the gateway's own bookkeeping only. */
  findAnyById(id: string): Promise<ConnectionEntity | null> {
    return this.dataSource.getRepository(ConnectionEntity).findOneBy({ id });
  }

  /** Every row whose config holds ciphertexts, deleted ones included (key rotation must reach them all). */
  listAllIds(): Promise<{ id: string }[]> {
    return this.dataSource.getRepository(ConnectionEntity).find({ select: { id: true }, order: { id: "ASC" } });
  }

  /** The most recently changed rows that hold a secret, deleted ones included: a sample for checking they decrypt. */
  listRecentWithSecrets(limit: number): Promise<ConnectionEntity[]> {
    return this.dataSource
      .getRepository(ConnectionEntity)
      .createQueryBuilder("c")
      .where("c.config::text LIKE :encrypted", { encrypted: '%"enc:v1:%' })
      .orderBy("c.updated", "DESC")
      .addOrderBy("c.id", "ASC")
      .take(limit)
      .getMany();
  }

  /** Every row's config, deleted rows included: which keys stored secrets use. */
  listAllConfigs(): Promise<Pick<ConnectionEntity, "config">[]> {
    return this.dataSource.getRepository(ConnectionEntity).find({ select: { config: true } });
  }

  /** The gateway's own bookkeeping (the demo connection's port): no lock, no label check. */
  save(entity: ConnectionEntity): Promise<ConnectionEntity> {
    return this.dataSource.getRepository(ConnectionEntity).save(entity);
  }
}

const locked = (manager: EntityManager) => manager.getRepository(ConnectionEntity).createQueryBuilder("c").setLock("pessimistic_write");

async function saveUnique(manager: EntityManager, row: ConnectionEntity): Promise<ConnectionEntity> {
  try {
    return await manager.getRepository(ConnectionEntity).save(row);
  } catch (error) {
    if (error instanceof QueryFailedError && (error.driverError as { code?: string })?.code === UNIQUE_VIOLATION) throw labelTaken(row.label, error);
    throw error;
  }
}
