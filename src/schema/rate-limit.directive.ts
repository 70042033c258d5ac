import { HeaderMap } from "@apollo/server";
import { buildSchema as buildSdl, GraphQLError, type GraphQLDirective, type GraphQLSchema } from "graphql";
import { rateLimitDirective } from "graphql-rate-limit-directive";
import type { Logger } from "pino";
import { RateLimiterMemory, RateLimiterRedis, type IRateLimiterOptions, type RateLimiterRes } from "rate-limiter-flexible";
import { REDIS_DEADLINE_MS, withDeadline } from "../datasources/redis/deadline";
import type { RedisClient } from "../datasources/redis/redis";
import { ErrorCode, notFound } from "../errors";
import { canonicalId } from "../ids";
import type { GatewayMetrics } from "../metrics";
import { SCAN_BUDGET } from "../limits";

/** The budget of API.md for scan and table: 10 per 10 seconds per account and connection. */
export const SCAN_LIMIT = `@rateLimit(limit: ${SCAN_BUDGET.limit}, duration: ${SCAN_BUDGET.seconds})`;

interface KeyContext {
  principal: { accountId: string } | null;
}

/**
 * The @rateLimit directive. Counters live in Redis when there is one (shared by every gateway instance), in
 * process otherwise; while Redis is unreachable an in-process limiter of the same budget stands in (fails open
 * per instance, never closed), and the log says so once per outage. The key is account, connection and field:
 * each aliased use of a field counts.
 */
export function createRateLimit(
  redis: RedisClient | null,
  observe: { metrics: GatewayMetrics; logger: Logger },
): { directive: GraphQLDirective; apply(schema: GraphQLSchema): GraphQLSchema } {
  const fallback = redis ? new PerInstanceFallback(redis, observe) : null;
  // An ioredis client, rate-limiter-flexible's default (useRedisPackage means node-redis and must stay unset): it
  // defines its Lua script on the client and counts with it, atomically across instances.
  const limiterOptions: IRateLimiterOptions & Record<string, unknown> = redis ? { storeClient: redis, keyPrefix: "gw:rl" } : { keyPrefix: "gw:rl" };
  /**
   * A decision Redis does not give (it failed, or did not answer within the deadline) is taken by the per-instance
   * fallback, here and only here: with rate-limiter-flexible's insuranceLimiter as well, a command that fails after
   * its deadline (one dropped with a frozen Redis's connection, say) would be counted a second time by the fallback.
   */
  class RedisLimiterWithDeadline extends RateLimiterRedis {
    override consume(key: string | number, points?: number, options?: { [key: string]: unknown }): Promise<RateLimiterRes> {
      return withDeadline(super.consume(key, points, options), REDIS_DEADLINE_MS, "rate limit").catch((outcome: unknown) => {
        if (outcome instanceof Error && fallback) return fallback.consume(key, points, options);
        throw outcome; // a RateLimiterRes: over the limit
      });
    }
  }
  const { rateLimitDirectiveTypeDefs, rateLimitDirectiveTransformer } = rateLimitDirective<KeyContext, IRateLimiterOptions>({
    limiterClass: redis ? RedisLimiterWithDeadline : RateLimiterMemory,
    limiterOptions,
    // Keyed by account and canonical connection id: another spelling of the same id is the same budget, and a
    // string that is no id at all is refused before any counter exists (it could not name a connection anyway).
    keyGenerator: (_directive, source, args, context, info) => {
      // An unsaved config has no connection yet: its tests share one budget per account.
      const connectionId = info.fieldName === "testConnectionConfig" ? "unsaved" : canonicalId(args.connectionId ?? args.id ?? (source as { id?: string } | null)?.id);
      if (!connectionId) throw notFound("connection");
      // generateSql with run scans: it spends the scan budget of the connection, not a budget of its own.
      const field = info.fieldName === "generateSql" && args.run === true ? "Query.scan" : `${info.parentType.name}.${info.fieldName}`;
      return `${context.principal?.accountId ?? "anonymous"}:${connectionId}:${field}`;
    },
    // Every use that reaches the source counts: a table listing does only with refresh (otherwise the cache answers).
    pointsCalculator: (_directive, _source, args, _context, info) => (info.fieldName === "tables" && args.refresh !== true ? 0 : 1),
    onLimit: (response, directive, _source, _args, _context, info) => {
      observe.metrics.rateLimitRejected(`${info.parentType.name}.${info.fieldName}`);
      const seconds = Math.max(1, Math.ceil(response.msBeforeNext / 1000));
      throw new GraphQLError(`rate limit: at most ${directive.limit} per ${directive.duration} s for this connection; retry in ${seconds} s`, {
        extensions: {
          code: ErrorCode.RATE_LIMITED,
          retryAfter: seconds,
          // Apollo reads status and headers from here (headers must be its HeaderMap); graphql-yoga's typings,
          // pulled in by the GraphiQL renderer, declare a different shape, hence the cast.
          http: { status: 429, headers: new HeaderMap([["retry-after", String(seconds)]]) } as never,
        },
      });
    },
  });
  return {
    directive: buildSdl(rateLimitDirectiveTypeDefs).getDirective("rateLimit")!,
    apply: rateLimitDirectiveTransformer,
  };
}

/**
 * Takes the decisions Redis does not give. It counts in process with the same budget (so N instances allow up to
 * N times the budget while Redis is down) and logs the switch once, until Redis is ready again.
 */
class PerInstanceFallback extends RateLimiterMemory {
  private fallingBack = false;

  constructor(
    redis: RedisClient,
    private readonly observe: { metrics: GatewayMetrics; logger: Logger },
  ) {
    super({ points: SCAN_BUDGET.limit, duration: SCAN_BUDGET.seconds, keyPrefix: "gw:rl:insurance" });
    redis.on("ready", () => {
      if (this.fallingBack) observe.logger.info("rate limiting is back on shared counters in Redis");
      this.fallingBack = false;
    });
  }

  override consume(key: string | number, points?: number, options?: { [key: string]: unknown }): Promise<RateLimiterRes> {
    if (!this.fallingBack) {
      this.observe.logger.warn("redis unreachable: rate limiting falls back to per-instance counters until it returns");
    }
    this.fallingBack = true;
    this.observe.metrics.rateLimitFellBack();
    return super.consume(key, points, options);
  }
}
