import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { AccountRepository, TokenRow } from "../datasources/store/account.repository";
import type { Role } from "../datasources/store/entities/api-token.entity";
import type { TokenRepository } from "../datasources/store/token.repository";
import { badInput } from "../errors";
import type { Principal } from "./principal";
import { isUuid } from "../ids";

const TOKEN_PREFIX = "gwt_";

/** Tokens carry 256 random bits, so a plain SHA-256 is enough to store them (no slow hash needed). */
export const hashToken = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

export class AuthService {
  constructor(
    private readonly tokens: TokenRepository,
    private readonly accounts: AccountRepository,
  ) {}

  /** Accepts `<token>` or `Bearer <token>`; null when missing, malformed, unknown or revoked. */
  async authenticate(header: string | undefined): Promise<Principal | null> {
    if (!header) return null;
    const token = header.replace(/^Bearer\s+/i, "").trim();
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 128) return null;
    const row = await this.tokens.findActiveByHash(hashToken(token));
    return row ? { tokenId: row.id, accountId: row.accountId, role: row.role } : null;
  }

  /** Returns the token itself: the only time it exists outside the caller's hands. */
  async createToken(accountId: string, role: Role, name: string | null = null): Promise<{ id: string; token: string }> {
    if (!isUuid(accountId)) throw badInput("account: must be an account id (UUID)");
    if (role !== "admin" && role !== "reader") throw badInput("role: must be admin or reader");
    if (!(await this.accounts.find(accountId))) throw badInput(`account: no account ${accountId}`);
    const { row, token } = issueToken(accountId, role, name);
    await this.tokens.insert(row);
    return { id: row.id, token };
  }
}

/** A new token and the row that stores it (its hash, never the token). */
export function issueToken(accountId: string, role: Role, name: string | null): { row: TokenRow; token: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  return { row: { id: randomUUID(), accountId, role, tokenHash: hashToken(token), name }, token };
}
