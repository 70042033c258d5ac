import { AiSqlResolver } from "../resolvers/ai-sql.resolver";
import type { AiSqlService } from "../services/ai-sql.service";
import { ApiTokenResolver } from "../resolvers/api-token.resolver";
import type { AuthService } from "../services/auth.service";
import { ConnectionTestResolver } from "../resolvers/connection-test.resolver";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { MapperKind, mapSchema, printSchemaWithDirectives } from "@graphql-tools/utils";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { GraphQLError, Kind, specifiedDirectives, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import { buildSchema, getMetadataStorage } from "type-graphql";
import { ErrorCode } from "../errors";
import { authChecker } from "../resolvers/auth-checker";
import { ConnectionConfigResolver } from "../resolvers/connection-config.resolver";
import { ConnectionSchemaResolver } from "../resolvers/connection-schema.resolver";
import { ConnectionResolver } from "../resolvers/connection.resolver";
import { EmbeddingResolver } from "../resolvers/embedding.resolver";
import { ScanResolver } from "../resolvers/scan.resolver";
import type { EmbeddingService } from "../services/embedding.service";
import type { RedisClient } from "../datasources/redis/redis";
import type { GatewayMetrics } from "../metrics";
import type { Logger } from "pino";
import { createRateLimit } from "../schema/rate-limit.directive";
import type { ScanService } from "../services/scan.service";
import type { SchemaService } from "../services/schema.service";
import type { GatewayContext } from "../resolvers/context";
import { DateTimeScalar } from "../schema/scalars";
import { ConnectionConfigService } from "../services/connection-config.service";
import { ConnectionService } from "../services/connection.service";
import { clientCodeOf, formatError, oneErrorPerField } from "./error-format";
import { aliasLimit, depthLimit } from "./query-limits";
import { MAX_ALIASES, MAX_DEPTH } from "../limits";

export interface GraphQLServices {
  connections: ConnectionService;
  auth: AuthService;
  ai: AiSqlService;
  connectionConfigs: ConnectionConfigService;
  scans: ScanService;
  schemas: SchemaService;
  embeddings: EmbeddingService;
  redis: RedisClient | null;
  metrics: GatewayMetrics;
  logger: Logger;
}

/** The executable schema: resolvers get their services from this explicit map, no global container. */
export async function buildGatewaySchema(services: GraphQLServices): Promise<GraphQLSchema> {
  const instances = new Map<unknown, unknown>([
    [ConnectionResolver, new ConnectionResolver(services.connections, services.auth)],
    [ConnectionConfigResolver, new ConnectionConfigResolver(services.connectionConfigs)],
    [ConnectionSchemaResolver, new ConnectionSchemaResolver(services.schemas)],
    [ScanResolver, new ScanResolver(services.scans)],
    [EmbeddingResolver, new EmbeddingResolver(services.embeddings)],
    [ConnectionTestResolver, new ConnectionTestResolver(services.connections)],
    [ApiTokenResolver, new ApiTokenResolver(services.auth)],
    [AiSqlResolver, new AiSqlResolver(services.ai)],
  ]);
  const rateLimit = createRateLimit(services.redis ?? null, { metrics: services.metrics, logger: services.logger });
  const schema = await buildSchema({
    resolvers: [ConnectionResolver, ConnectionConfigResolver, ConnectionSchemaResolver, ScanResolver, EmbeddingResolver, ConnectionTestResolver, ApiTokenResolver, AiSqlResolver],
    container: { get: (cls) => instances.get(cls) },
    authChecker,
    validate: { forbidUnknownValues: false },
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    // type-graphql hands this list to GraphQLSchema as is: without the specified ones @include and @skip vanish.
    directives: [...specifiedDirectives, rateLimit.directive],
  });
  return rateLimit.apply(inDeclaredOrder(schema));
}

/**
 * type-graphql registers a method's @Arg parameters last to first, so GraphiQL's Docs would list
 * `scan(primaryKeys, limit, query, connectionId)`. Each field's arguments are put back in the order the method
 * declares them (by parameter index).
 */
function inDeclaredOrder(schema: GraphQLSchema): GraphQLSchema {
  const order = new Map<string, Map<string, number>>();
  for (const param of getMetadataStorage().params) {
    if (param.kind !== "arg") continue;
    const byName = order.get(param.methodName) ?? new Map<string, number>();
    byName.set(param.name, param.index);
    order.set(param.methodName, byName);
  }
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName) => {
      const byName = order.get(fieldName);
      const args = Object.entries(field.args ?? {});
      if (!byName || args.some(([name]) => !byName.has(name))) return field;
      return { ...field, args: Object.fromEntries(args.sort(([a], [b]) => byName.get(a)! - byName.get(b)!)) };
    },
  });
}

/** The SDL committed as schema.graphql (directives included); a test keeps the two equal. */
export async function printGatewaySchema(): Promise<string> {
  // Printing needs the types only: resolvers are never called, so they get no services.
  const schema = await buildGatewaySchema({} as GraphQLServices);
  return printSchemaWithDirectives(schema) + "\n";
}

export function createApolloServer(schema: GraphQLSchema): ApolloServer<GatewayContext> {
  return new ApolloServer<GatewayContext>({
    schema,
    csrfPrevention: true,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    persistedQueries: false,
    stopOnTerminationSignals: false,
    validationRules: [depthLimit(MAX_DEPTH), aliasLimit(MAX_ALIASES)],
    formatError,
    plugins: [ApolloServerPluginLandingPageDisabled(), gatewayPlugin()],
  });
}

/** Anonymous callers may introspect (GraphiQL needs the schema before a token is typed), nothing else. */
function isIntrospectionOnly(op: OperationDefinitionNode): boolean {
  return op.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith("__"));
}

function labelOf(op: OperationDefinitionNode): string {
  const names = op.selectionSet.selections.map((s) => (s.kind === Kind.FIELD ? s.name.value : "fragment")).filter((n) => !n.startsWith("__"));
  const unique = [...new Set(names)].sort();
  // Root field names come from the schema, so the label set stays bounded whatever clients send.
  return unique.length === 0 ? "introspection" : `${op.operation}.${unique.slice(0, 3).join(",")}${unique.length > 3 ? ",…" : ""}`;
}

function gatewayPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (!operation) return;
          contextValue.trace.operation = labelOf(operation);
          if (!contextValue.principal && !isIntrospectionOnly(operation)) {
            throw new GraphQLError("Not authorized", {
              extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } },
            });
          }
        },
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            if (clientCodeOf(error) !== ErrorCode.INTERNAL_SERVER_ERROR) continue;
            const original = error.originalError ?? error;
            contextValue.logger.error({ err: original, path: error.path }, "internal error");
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== "single" || !response.body.singleResult.errors) return;
          // The request id lets support find the logged detail behind a bare "Internal server error".
          response.body.singleResult.errors = oneErrorPerField(response.body.singleResult.errors).map((e) =>
            e.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR ? { ...e, extensions: { ...e.extensions, requestId: contextValue.requestId } } : e,
          );
        },
      };
    },
  };
}
