import type { DataSource } from "typeorm";
import { IsNull } from "typeorm";
import type { TokenRow } from "./account.repository";
import { ApiTokenEntity } from "./entities/api-token.entity";

export class TokenRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(row: TokenRow): Promise<ApiTokenEntity> {
    const repo = this.dataSource.getRepository(ApiTokenEntity);
    return repo.save(repo.create({ ...row, revoked: null }));
  }

  findActiveByHash(tokenHash: string): Promise<ApiTokenEntity | null> {
    return this.dataSource.getRepository(ApiTokenEntity).findOneBy({ tokenHash, revoked: IsNull() });
  }
}
