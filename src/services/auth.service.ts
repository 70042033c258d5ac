import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { AccountRepository, TokenRow } from "../datasources/store/account.repository";
import type { Role } from "../datasources/store/entities/api-token.entity";
import type { TokenInfo, TokenRepository } from "../datasources/store/token.repository";
import { badInput, notFound } from "../errors";
import type { Principal } from "./principal";
import { isUuid } from "../ids";
import { TtlCache } from "../ttl-cache";

const TOKEN_PREFIX = "gwt_";
/** How long a token may live, in days (Lytics offers the same), besides never. */
export const TOKEN_LIFETIMES = [7, 30, 90];
const TOKEN_NAME_MAX = 200;

/** Tokens carry 256 random bits, so a plain SHA-256 is enough to store them (no slow hash needed). */
export const hashToken = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

/**
 * A verified token is trusted this long without asking the store again. Revocation is a write to the store that no
 * instance is told of, so this bounds how long a revoked token keeps working anywhere: under a second.
 */
export const TOKEN_CACHE_MS = 500;

export class AuthService {
  // Hash → principal, for tokens the store confirmed; unknown tokens are never remembered (they would fill it).
  private readonly verified = new TtlCache<string, Principal>(TOKEN_CACHE_MS, 10_000);

  constructor(
    private readonly tokens: TokenRepository,
    private readonly accounts: AccountRepository,
  ) {}

  /** Accepts `<token>` or `Bearer <token>`; null when missing, malformed, unknown or revoked. */
  async authenticate(header: string | undefined): Promise<Principal | null> {
    if (!header) return null;
    const token = header.replace(/^Bearer\s+/i, "").trim();
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 128) return null;
    const hash = hashToken(token);
    const cached = this.verified.get(hash);
    if (cached) return cached;
    const row = await this.tokens.findActiveByHash(hash);
    if (!row) return null;
    const principal: Principal = { tokenId: row.id, accountId: row.accountId, role: row.role };
    this.verified.set(hash, principal);
    return principal;
  }

  /** The account's tokens (id, role, name, created, expires, revoked): for `cli token list` and `apiTokens`. */
  async listTokens(accountId: string): Promise<TokenInfo[]> {
    if (!isUuid(accountId)) throw badInput("account: must be an account id (UUID)");
    if (!(await this.accounts.find(accountId))) throw badInput(`account: no account ${accountId}`);
    return this.tokens.listByAccount(accountId);
  }

  /**
   * Revokes a token in the store. This instance stops accepting it at once; every other instance within
   * TOKEN_CACHE_MS, when its cached verification expires.
   */
  async revokeToken(id: string, accountId?: string): Promise<TokenInfo> {
    if (!isUuid(id)) throw badInput("token: must be a token id (UUID)");
    const revoked = await this.tokens.revoke(id, accountId);
    if (!revoked) throw accountId ? notFound("token") : badInput(`token: no active token ${id}`);
    this.verified.clear();
    return revoked;
  }

  /**
   * Returns the token itself: the only time it exists outside the caller's hands. It expires after `expiresInDays`
   * (7, 30 or 90, as Lytics' tokens do) or never (null).
   */
  async createToken(accountId: string, role: Role, name: string | null = null, expiresInDays: number | null = null): Promise<{ id: string; token: string; info: TokenInfo }> {
    if (!isUuid(accountId)) throw badInput("account: must be an account id (UUID)");
    if (role !== "admin" && role !== "reader") throw badInput("role: must be admin or reader");
    if (name !== null && (name.length > TOKEN_NAME_MAX || /[\u0000-\u001f\u007f]/.test(name))) throw badInput(`name: at most ${TOKEN_NAME_MAX} characters, no control characters`);
    if (expiresInDays !== null && !TOKEN_LIFETIMES.includes(expiresInDays)) throw badInput(`expiresIn: ${TOKEN_LIFETIMES.join(", ")} days, or never`);
    if (!(await this.accounts.find(accountId))) throw badInput(`account: no account ${accountId}`);
    const expires = expiresInDays === null ? null : new Date(Date.now() + expiresInDays * 86_400_000);
    const { row, token } = issueToken(accountId, role, name);
    const saved = await this.tokens.insert({ ...row, expires });
    return { id: row.id, token, info: { id: saved.id, role: saved.role, name: saved.name, created: saved.created, expires: saved.expires, revoked: saved.revoked } };
  }

  /** The names of the tokens that made connections, asked for together: one query per request, however many. */
  authorOf(accountId: string, tokenId: string): Promise<{ id: string; name: string | null }> {
    let batch = this.authorBatches.get(accountId);
    if (!batch) {
      const ids = new Set<string>();
      const names = Promise.resolve().then(() => {
        this.authorBatches.delete(accountId);
        return this.tokens.namesOf(accountId, [...ids]);
      });
      batch = { ids, names };
      this.authorBatches.set(accountId, batch);
    }
    batch.ids.add(tokenId);
    return batch.names.then((names) => ({ id: tokenId, name: names.get(tokenId) ?? null }));
  }

  private readonly authorBatches = new Map<string, { ids: Set<string>; names: Promise<Map<string, string | null>> }>();
}

/** A new token and the row that stores it (its hash, never the token). */
export function issueToken(accountId: string, role: Role, name: string | null): { row: TokenRow; token: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  return { row: { id: randomUUID(), accountId, role, tokenHash: hashToken(token), name }, token };
}
