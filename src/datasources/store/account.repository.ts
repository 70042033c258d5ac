import { randomUUID } from "node:crypto";
import type { DataSource } from "typeorm";
import { AccountEntity } from "./entities/account.entity";
import { ApiTokenEntity, type Role } from "./entities/api-token.entity";

/** Two instances starting together on an empty database must not both create a default account. */
const FIRST_ACCOUNT_LOCK = 7_310_001;

export interface TokenRow {
  id: string;
  accountId: string;
  role: Role;
  tokenHash: string;
  name: string | null;
  expires?: Date | null;
}

export class AccountRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(name: string): Promise<AccountEntity> {
    const repo = this.dataSource.getRepository(AccountEntity);
    return repo.save(repo.create({ id: randomUUID(), name }));
  }

  /** Every account, oldest first, with its number: for `cli account list`. */
  async list(): Promise<{ id: string; aid: number; name: string; created: Date }[]> {
    return this.dataSource.query("SELECT id, aid, name, created FROM accounts ORDER BY created, id");
  }

  find(id: string): Promise<AccountEntity | null> {
    return this.dataSource.getRepository(AccountEntity).findOneBy({ id });
  }

  /**
   * The oldest account; when there is none, creates `name` with the token `tokenFor` describes, in one transaction
   * under an advisory lock (so concurrent first starts make one account). `created` says which happened.
   */
  firstAccount(name: string, tokenFor: (accountId: string) => TokenRow): Promise<{ accountId: string; created: boolean }> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query("SELECT pg_advisory_xact_lock($1)", [FIRST_ACCOUNT_LOCK]);
      const [oldest] = await manager.getRepository(AccountEntity).find({ order: { created: "ASC" }, take: 1 });
      if (oldest) return { accountId: oldest.id, created: false };
      const accounts = manager.getRepository(AccountEntity);
      const account = await accounts.save(accounts.create({ id: randomUUID(), name }));
      const tokens = manager.getRepository(ApiTokenEntity);
      await tokens.save(tokens.create({ ...tokenFor(account.id), revoked: null }));
      return { accountId: account.id, created: true };
    });
  }
}
