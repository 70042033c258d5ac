import type { Role } from "../datasources/store/entities/api-token.entity";
import { forbidden } from "../errors";

/** Who is calling: the token's account and role. The token id stands for the user in author_id fields. */
export interface Principal {
  readonly tokenId: string;
  readonly accountId: string;
  readonly role: Role;
}

/** An explicit accountId argument must name the caller's own account. */
export function assertOwnAccount(principal: Principal, accountId: string | null | undefined): void {
  if (accountId !== undefined && accountId !== null && accountId !== principal.accountId) {
    throw forbidden("accountId: a token may only act on its own account");
  }
}
