import { Arg, Authorized, Ctx, Directive, ID, Mutation, Resolver } from "type-graphql";
import { ConnectionTest, TestConnectionConfigInput } from "../schema/connection-test.type";
import { SCAN_LIMIT } from "../schema/rate-limit.directive";
import { ConnectionService } from "../services/connection.service";
import { assertOwnAccount } from "../services/principal";
import { principalOf } from "./auth-checker";
import type { GatewayContext } from "./context";

/** Connection tests: mutations, since each logs in to the source (and is rate limited as a scan is). */
@Resolver()
export class ConnectionTestResolver {
  constructor(private readonly connections: ConnectionService) {}

  @Authorized()
  @Directive(SCAN_LIMIT)
  @Mutation(() => ConnectionTest, { description: "Logs in to a saved connection's source afresh and says what answered, or where it stopped." })
  testConnection(@Ctx() ctx: GatewayContext, @Arg("id", () => ID) id: string, @Arg("accountId", () => ID, { nullable: true }) accountId?: string) {
    assertOwnAccount(principalOf(ctx), accountId);
    return this.connections.test(principalOf(ctx), id);
  }

  @Authorized("admin")
  @Directive(SCAN_LIMIT)
  @Mutation(() => ConnectionTest, { description: "Tests a config before it is saved; nothing is stored, its secrets included." })
  testConnectionConfig(@Ctx() ctx: GatewayContext, @Arg("input") input: TestConnectionConfigInput, @Arg("accountId", () => ID, { nullable: true }) accountId?: string) {
    assertOwnAccount(principalOf(ctx), accountId);
    return this.connections.testConfig(principalOf(ctx), input);
  }
}
