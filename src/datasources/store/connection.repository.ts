import type { DataSource, EntityManager } from "typeorm";
import { IsNull } from "typeorm";
import { ConnectionEntity } from "./entities/connection.entity";

/** Live means not soft-deleted: a deleted row stays for audit but no read path returns it. */
export class ConnectionRepository {
  constructor(private readonly dataSource: DataSource) {}

  listLive(accountId: string): Promise<ConnectionEntity[]> {
    return this.dataSource
      .getRepository(ConnectionEntity)
      .find({ where: { accountId, deleted: IsNull() }, order: { created: "ASC", id: "ASC" } });
  }

  findLive(accountId: string, id: string, manager: EntityManager = this.dataSource.manager): Promise<ConnectionEntity | null> {
    return manager.getRepository(ConnectionEntity).findOneBy({ id, accountId, deleted: IsNull() });
  }

  /** Row lock for read-modify-write of the config (a concurrent update must not drop a secret change). */
  lockLive(manager: EntityManager, accountId: string, id: string): Promise<ConnectionEntity | null> {
    return manager
      .getRepository(ConnectionEntity)
      .createQueryBuilder("c")
      .setLock("pessimistic_write")
      .where("c.id = :id AND c.account_id = :accountId AND c.deleted IS NULL", { id, accountId })
      .getOne();
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

  lockById(manager: EntityManager, id: string): Promise<ConnectionEntity | null> {
    return manager
      .getRepository(ConnectionEntity)
      .createQueryBuilder("c")
      .setLock("pessimistic_write")
      .where("c.id = :id", { id })
      .getOne();
  }

  save(entity: ConnectionEntity, manager: EntityManager = this.dataSource.manager): Promise<ConnectionEntity> {
    return manager.getRepository(ConnectionEntity).save(entity);
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
