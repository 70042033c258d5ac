import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { Connection } from "../schema/connection.type";
import { CreateConnectionInput, UpdateConnectionInput } from "../schema/connection.input";
import { ConnectionService } from "../services/connection.service";
import { assertOwnAccount } from "../services/principal";
import { principalOf } from "./auth-checker";
import type { GatewayContext } from "./context";

@Resolver(() => Connection)
export class ConnectionResolver {
  constructor(private readonly service: ConnectionService) {}

  @Authorized()
  @Query(() => [Connection], { description: "The account's connections, not deleted ones." })
  connections(@Ctx() ctx: GatewayContext, @Arg("accountId", () => ID, { nullable: true }) accountId?: string) {
    assertOwnAccount(principalOf(ctx), accountId);
    return this.service.list(principalOf(ctx));
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
