import { HeaderMap } from "@apollo/server";
import { buildSchema as buildSdl, GraphQLError, type GraphQLDirective, type GraphQLSchema } from "graphql";
import { rateLimitDirective } from "graphql-rate-limit-directive";
import { RateLimiterMemory, RateLimiterRedis, type IRateLimiterOptions } from "rate-limiter-flexible";
import type { RedisClient } from "../datasources/redis";
import { ErrorCode } from "../errors";

/** The budget of API.md for scan and table: 10 per 10 seconds per account and connection. */
export const SCAN_LIMIT = "@rateLimit(limit: 10, duration: 10)";

interface KeyContext {
  principal: { accountId: string } | null;
}

/**
 * The @rateLimit directive. Counters live in Redis when there is one (shared by every gateway instance), in
 * process otherwise; while Redis is unreachable an in-process limiter of the same budget stands in (fails open
 * per instance, never closed). The key is account, connection and field: each aliased use of a field counts.
 */
export function createRateLimit(redis: RedisClient | null): { directive: GraphQLDirective; apply(schema: GraphQLSchema): GraphQLSchema } {
  const limiterOptions: IRateLimiterOptions & Record<string, unknown> = redis
    ? { storeClient: redis, useRedisPackage: true, keyPrefix: "gw:rl", insuranceLimiter: new RateLimiterMemory({ points: 10, duration: 10, keyPrefix: "gw:rl:insurance" }) }
    : { keyPrefix: "gw:rl" };
  const { rateLimitDirectiveTypeDefs, rateLimitDirectiveTransformer } = rateLimitDirective<KeyContext, IRateLimiterOptions>({
    limiterClass: redis ? RateLimiterRedis : RateLimiterMemory,
    limiterOptions,
    keyGenerator: (_directive, source, args, context, info) => {
      const connectionId = (args.connectionId as string | undefined) ?? (source as { id?: string } | null)?.id ?? "-";
      return `${context.principal?.accountId ?? "anonymous"}:${connectionId}:${info.parentType.name}.${info.fieldName}`;
    },
    onLimit: (response, directive) => {
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
