import type { DataSource } from "typeorm";
import { In, IsNull } from "typeorm";
import type { TokenRow } from "./account.repository";
import { ApiTokenEntity } from "./entities/api-token.entity";

export type TokenInfo = Pick<ApiTokenEntity, "id" | "role" | "name" | "created" | "revoked" | "expires">;

export class TokenRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(row: TokenRow): Promise<ApiTokenEntity> {
    const repo = this.dataSource.getRepository(ApiTokenEntity);
    return repo.save(repo.create({ ...row, revoked: null }));
  }

  /** A token that is neither revoked nor past its expiry (the store's clock decides, the same for every instance). */
  findActiveByHash(tokenHash: string): Promise<ApiTokenEntity | null> {
    return this.dataSource
      .getRepository(ApiTokenEntity)
      .createQueryBuilder("t")
      .where("t.token_hash = :tokenHash AND t.revoked IS NULL AND (t.expires IS NULL OR t.expires > now())", { tokenHash })
      .getOne();
  }

  /** The account's tokens, oldest first: what they are, never their hashes. */
  listByAccount(accountId: string): Promise<TokenInfo[]> {
    return this.dataSource.getRepository(ApiTokenEntity).find({
      select: { id: true, role: true, name: true, created: true, revoked: true, expires: true },
      where: { accountId },
      order: { created: "ASC", id: "ASC" },
    });
  }

  /** Sets `revoked` on an active token (of `accountId` when given); false when there is no such token or it was revoked already. */
  /** The token as revoked, or null when there was no active one (within the account, when given). */
  async revoke(id: string, accountId?: string): Promise<TokenInfo | null> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(ApiTokenEntity)
      .set({ revoked: new Date() })
      .where({ id, revoked: IsNull(), ...(accountId ? { accountId } : {}) })
      .returning(["id", "role", "name", "created", "revoked", "expires"])
      .execute();
    const row = (result.raw as TokenInfo[])[0];
    return row ? { id: row.id, role: row.role, name: row.name, created: row.created, revoked: row.revoked, expires: row.expires } : null;
  }

  /** Names of tokens by id, within an account: who created a connection. */
  async namesOf(accountId: string, ids: string[]): Promise<Map<string, string | null>> {
    const rows = await this.dataSource.getRepository(ApiTokenEntity).find({ select: { id: true, name: true }, where: { accountId, id: In(ids) } });
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
