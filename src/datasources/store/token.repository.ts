import type { DataSource, EntityManager } from "typeorm";
import { IsNull } from "typeorm";
import { ApiTokenEntity, type Role } from "./entities/api-token.entity";

export class TokenRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    row: { id: string; accountId: string; role: Role; tokenHash: string; name: string | null },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ApiTokenEntity> {
    const repo = manager.getRepository(ApiTokenEntity);
    return repo.save(repo.create({ ...row, revoked: null }));
  }

  findActiveByHash(tokenHash: string): Promise<ApiTokenEntity | null> {
    return this.dataSource.getRepository(ApiTokenEntity).findOneBy({ tokenHash, revoked: IsNull() });
  }
}
