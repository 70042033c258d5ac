import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { ConnectionAuthor } from "../schema/api-token.type";
import { AuthService } from "../services/auth.service";
import { Connection, ConnectionPage } from "../schema/connection.type";
import { CreateConnectionInput, UpdateConnectionInput } from "../schema/connection.input";
import { ConnectionService } from "../services/connection.service";
import { assertOwnAccount } from "../services/principal";
import { principalOf } from "./auth-checker";
import type { GatewayContext } from "./context";

@Resolver(() => Connection)
export class ConnectionResolver {
  constructor(
    private readonly service: ConnectionService,
    private readonly auth: AuthService,
  ) {}

  @FieldResolver(() => ConnectionAuthor, { nullable: true, description: "The token that created it (its id and name); null when it was made by the gateway itself." })
  author(@Root() connection: Connection) {
    return connection.authorId ? this.auth.authorOf(connection.accountId, connection.authorId) : null;
  }

  @Authorized()
  @Query(() => [Connection], { description: "The account's connections, not deleted ones." })
  connections(@Ctx() ctx: GatewayContext, @Arg("accountId", () => ID, { nullable: true }) accountId?: string) {
    assertOwnAccount(principalOf(ctx), accountId);
    return this.service.list(principalOf(ctx));
  }

  @Authorized()
  @Query(() => ConnectionPage, { description: "The account's connections a page at a time, oldest first, filtered by label and type." })
  connectionPage(
    @Ctx() ctx: GatewayContext,
    @Arg("search", () => String, { nullable: true, description: "Part of the label, any case." }) search?: string | null,
    @Arg("type", () => String, { nullable: true, description: "A connection type's id or slug." }) type?: string | null,
    @Arg("first", () => Int, { nullable: true, description: "At most this many (all when left out)." }) first?: number | null,
    @Arg("after", () => String, { nullable: true, description: "pageInfo.endCursor of the page before." }) after?: string | null,
    @Arg("accountId", () => ID, { nullable: true }) accountId?: string,
  ) {
    assertOwnAccount(principalOf(ctx), accountId);
    return this.service.page(principalOf(ctx), { search, type, first, after });
  }

  @Authorized()
  @Query(() => Connection, { nullable: true, description: "null when there is no such connection in the account." })
  connection(@Ctx() ctx: GatewayContext, @Arg("id", () => ID) id: string, @Arg("accountId", () => ID, { nullable: true }) accountId?: string) {
    assertOwnAccount(principalOf(ctx), accountId);
    return this.service.find(principalOf(ctx), id);
  }

  @Authorized("admin")
  @Mutation(() => Connection)
  createConnection(@Ctx() ctx: GatewayContext, @Arg("input") input: CreateConnectionInput, @Arg("accountId", () => ID, { nullable: true }) accountId?: string) {
    assertOwnAccount(principalOf(ctx), accountId);
    return this.service.create(principalOf(ctx), input);
  }

  @Authorized("admin")
  @Mutation(() => Connection)
  updateConnection(
    @Ctx() ctx: GatewayContext,
    @Arg("id", () => ID) id: string,
    @Arg("input") input: UpdateConnectionInput,
    @Arg("accountId", () => ID, { nullable: true }) accountId?: string,
  ) {
    assertOwnAccount(principalOf(ctx), accountId);
    return this.service.update(principalOf(ctx), id, input);
  }

  @Authorized("admin")
  @Mutation(() => Connection, { description: "Soft delete: the connection disappears from reads; its row is kept." })
  deleteConnection(@Ctx() ctx: GatewayContext, @Arg("id", () => ID) id: string, @Arg("accountId", () => ID, { nullable: true }) accountId?: string) {
    assertOwnAccount(principalOf(ctx), accountId);
    return this.service.delete(principalOf(ctx), id);
  }
}
