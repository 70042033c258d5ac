import type { AccountRepository } from "../datasources/store/account.repository";
import { badInput } from "../errors";

export class AccountService {
  constructor(private readonly accounts: AccountRepository) {}

  list() {
    return this.accounts.list();
  }

  async create(name: string): Promise<{ id: string; name: string }> {
    const trimmed = name?.trim() ?? "";
    if (trimmed.length < 1 || trimmed.length > 200) throw badInput("name: must be 1 to 200 characters");
    const row = await this.accounts.create(trimmed);
    return { id: row.id, name: row.name };
  }
}
