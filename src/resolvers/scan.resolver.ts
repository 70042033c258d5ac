import { Arg, Authorized, Ctx, Directive, ID, Int, Query, Resolver } from "type-graphql";
import { SCAN_LIMIT } from "../schema/rate-limit.directive";
import { ScanResult } from "../schema/scan.type";
import { ScanService } from "../services/scan.service";
import { DEFAULT_ROWS, MAX_PRIMARY_KEYS, MAX_ROWS } from "../limits";
import { principalOf } from "./auth-checker";
import type { GatewayContext } from "./context";

@Resolver()
export class ScanResolver {
  constructor(private readonly scans: ScanService) {}

  @Authorized()
  @Directive(SCAN_LIMIT)
  // Nullable: a scan that fails is null with its error, and the other fields of the request (aliased scans) keep theirs.
  @Query(() => ScanResult, {
    nullable: true,
    description: `Runs one read-only statement; rows default ${DEFAULT_ROWS}, at most ${MAX_ROWS} (a larger limit is clamped). Null, with an error, when it fails.`,
  })
  scan(
    @Ctx() ctx: GatewayContext,
    @Arg("connectionId", () => ID) connectionId: string,
    @Arg("query") query: string,
    @Arg("limit", () => Int, { defaultValue: DEFAULT_ROWS }) limit: number,
    @Arg("primaryKeys", () => [String], { nullable: true, description: `Columns that identify a row (at most ${MAX_PRIMARY_KEYS}); each must be in the result.` })
    primaryKeys?: string[] | null,
  ) {
    return this.scans.scan(principalOf(ctx), connectionId, query, limit, { signal: ctx.signal, primaryKeys, startedAt: ctx.receivedAt });
  }
}
