import { Arg, Authorized, Ctx, Directive, ID, Mutation, Resolver } from "type-graphql";
import { GeneratedSql } from "../schema/ai-sql.type";
import { SCAN_LIMIT } from "../schema/rate-limit.directive";
import { AiSqlService } from "../services/ai-sql.service";
import { principalOf } from "./auth-checker";
import type { GatewayContext } from "./context";

@Resolver()
export class AiSqlResolver {
  constructor(private readonly ai: AiSqlService) {}

  @Authorized()
  @Directive(SCAN_LIMIT)
  @Mutation(() => GeneratedSql, {
    description:
      "Writes a read-only statement for a question with the AI endpoint (AI_URL), from the 5 tables closest in meaning; checked by the gate and at the source. run: true also scans it, counted against the scan budget.",
  })
  generateSql(
    @Ctx() ctx: GatewayContext,
    @Arg("connectionId", () => ID) connectionId: string,
    @Arg("text", { description: "The question, in words." }) text: string,
    @Arg("run", () => Boolean, { defaultValue: false }) run: boolean,
  ) {
    return this.ai.generate(principalOf(ctx), connectionId, text, { run, startedAt: ctx.receivedAt });
  }
}
