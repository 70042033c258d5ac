import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { ApiToken, CreatedApiToken, TokenLifetime, TokenRole } from "../schema/api-token.type";
import { AuthService } from "../services/auth.service";
import { principalOf } from "./auth-checker";
import type { GatewayContext } from "./context";

/** An admin's tokens, within the admin's own account. */
@Resolver(() => ApiToken)
export class ApiTokenResolver {
  constructor(private readonly auth: AuthService) {}

  @Authorized("admin")
  @Query(() => [ApiToken], { description: "The account's tokens, oldest first, revoked and expired ones included." })
  apiTokens(@Ctx() ctx: GatewayContext) {
    return this.auth.listTokens(principalOf(ctx).accountId);
  }

  @Authorized("admin")
  @Mutation(() => CreatedApiToken, { description: "A new token for this account; the token itself is in the answer, and only there." })
  async createApiToken(
    @Ctx() ctx: GatewayContext,
    @Arg("role", () => TokenRole) role: TokenRole,
    @Arg("name", () => String, { nullable: true }) name?: string | null,
    @Arg("expiresIn", () => TokenLifetime, { defaultValue: TokenLifetime.DAYS_90 }) expiresIn: TokenLifetime = TokenLifetime.DAYS_90,
  ): Promise<CreatedApiToken> {
    const created = await this.auth.createToken(principalOf(ctx).accountId, role, name ?? null, expiresIn === TokenLifetime.NEVER ? null : expiresIn);
    return { token: created.token, apiToken: created.info as ApiToken };
  }

  @Authorized("admin")
  @Mutation(() => ApiToken, { description: "Every gateway refuses the token within a second. Another account's token is NOT_FOUND." })
  async revokeApiToken(@Ctx() ctx: GatewayContext, @Arg("id", () => ID) id: string): Promise<ApiToken> {
    return (await this.auth.revokeToken(id, principalOf(ctx).accountId)) as ApiToken;
  }
}
