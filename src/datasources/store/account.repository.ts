import { randomUUID } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import { AccountEntity } from "./entities/account.entity";

export class AccountRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(name: string, manager: EntityManager = this.dataSource.manager): Promise<AccountEntity> {
    const repo = manager.getRepository(AccountEntity);
    return repo.save(repo.create({ id: randomUUID(), name }));
  }

  find(id: string): Promise<AccountEntity | null> {
    return this.dataSource.getRepository(AccountEntity).findOneBy({ id });
  }
}
