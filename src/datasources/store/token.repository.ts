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

  /** The account's tokens, oldest first: what they are, never their hashes. */
  listByAccount(accountId: string): Promise<Pick<ApiTokenEntity, "id" | "role" | "name" | "created" | "revoked">[]> {
    return this.dataSource.getRepository(ApiTokenEntity).find({
      select: { id: true, role: true, name: true, created: true, revoked: true },
      where: { accountId },
      order: { created: "ASC", id: "ASC" },
    });
  }

  /** Sets `revoked` on an active token; false when there is no such token or it was revoked already. */
  async revoke(id: string): Promise<boolean> {
    const result = await this.dataSource.getRepository(ApiTokenEntity).update({ id, revoked: IsNull() }, { revoked: new Date() });
    return (result.affected ?? 0) > 0;
  }
}
