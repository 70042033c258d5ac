import type { ApolloServer } from "@apollo/server";
import express, { type Request, type Response, type Router } from "express";
import { ErrorCode, httpStatusOf, isErrorCode, type GatewayError } from "../../errors";
import { assertOwnAccount } from "../../services/principal";
import type { GatewayContext } from "../../resolvers/context";
import { openApiDocument } from "./openapi";
import { Operations } from "./operations";
import { restConnection, restConnectionConfig, restMatches, restScan, restTableColumns, restTables } from "./shapes";

type Json = Record<string, unknown>;

interface Route {
  method: "get" | "post" | "put" | "delete";
  path: string;
  operation: keyof typeof Operations;
  variables(req: Request): Json;
  shape(result: Json): unknown;
  status?: number;
  /** What a null result means, for routes whose GraphQL field answers null when nothing is found. */
  missing?: string;
  /** A nested null (a table of an existing connection): the message for a 404, or null when present. */
  missingInside?(result: Json): string | null;
  /** The body's keys, for routes that read some and pass none on: any other key is refused by name, not ignored. */
  bodyKeys?: string[];
}

/** `?limit=5` → 5; anything else goes to GraphQL as given so its coercion error names the argument. */
const intParam = (v: unknown) => (typeof v === "string" && /^-?\d{1,9}$/.test(v) ? Number(v) : v);
const boolParam = (v: unknown) => (v === "true" ? true : v === "false" ? false : v);

/** REST body keys → GraphQL input fields. Unknown keys pass through untouched so GraphQL refuses them by name. */
const BODY_KEYS: Record<string, string> = {
  label: "label",
  description: "description",
  connection_config_id: "connectionConfigId",
  connection_config_slug: "connectionConfigSlug",
  config: "config",
};

const REST_KEY = Object.fromEntries(Object.entries(BODY_KEYS).map(([rest, gql]) => [gql, rest]));

/** GraphQL's words for a bad body → the REST body's own field names (`input.connectionConfigId` → `connection_config_id`). */
function restMessage(message: string): string {
  const unknown = /^input: Field "([^"]+)" is not defined by type "[^"]+"\.?$/.exec(message);
  if (unknown) return `${unknown[1]}: unknown field`;
  return message
    .replace(/^input\.(\w+)/, (_m, field: string) => REST_KEY[field] ?? field)
    .replace(/^input:/, "body:")
    .replace(/^accountId:/, "account_id:");
}

function inputFrom(body: unknown): unknown {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries(body as Json).map(([k, v]) => [BODY_KEYS[k] ?? k, v]));
}

const accountId = (req: Request) => (typeof req.query.account_id === "string" ? req.query.account_id : undefined);
const list = (shape: (j: Json) => unknown) => (r: Json) => (r as unknown as Json[]).map(shape);

export const ROUTES: Route[] = [
  { method: "get", path: "/connection", operation: "listConnections", variables: () => ({}), shape: list(restConnection) },
  { method: "get", path: "/connection/:id", operation: "getConnection", variables: (r) => ({ id: r.params.id }), shape: restConnection, missing: "connection" },
  { method: "post", path: "/connection", operation: "createConnection", status: 201, variables: (r) => ({ input: inputFrom(r.body ?? {}) }), shape: restConnection },
  { method: "put", path: "/connection/:id", operation: "updateConnection", variables: (r) => ({ id: r.params.id, input: inputFrom(r.body ?? {}) }), shape: restConnection },
  { method: "delete", path: "/connection/:id", operation: "deleteConnection", variables: (r) => ({ id: r.params.id }), shape: restConnection },
  {
    method: "post",
    path: "/connection/:id/scan",
    operation: "scan",
    variables: (r) => {
      const body = r.body as { query?: unknown; primary_keys?: unknown } | null | undefined;
      return { id: r.params.id, query: body?.query, limit: intParam(r.query.limit), primaryKeys: body?.primary_keys };
    },
    shape: restScan,
    bodyKeys: ["query", "primary_keys"],
  },
  { method: "get", path: "/connection/:id/schema", operation: "listTables", variables: (r) => ({ id: r.params.id, refresh: boolParam(r.query.refresh) }), shape: restTables, missing: "connection" },
  {
    method: "get",
    path: "/connection/:id/schema/:table",
    operation: "describeTable",
    variables: (r) => ({ id: r.params.id, name: r.params.table }),
    shape: restTableColumns,
    missing: "connection",
    missingInside: (c) => (c.table === null ? "table not found" : null),
  },
  { method: "post", path: "/connection/:id/schema/refresh", operation: "refreshSchema", variables: (r) => ({ id: r.params.id }), shape: restConnection },
  {
    method: "get",
    path: "/connection/:id/search",
    operation: "searchSchema",
    variables: (r) => ({ id: r.params.id, text: r.query.q, k: intParam(r.query.k) }),
    shape: (r) => restMatches(r as unknown as Json[]),
  },
  { method: "get", path: "/connectionconfig", operation: "listConnectionConfigs", variables: () => ({}), shape: list(restConnectionConfig) },
  { method: "get", path: "/connectionconfig/:idOrSlug", operation: "getConnectionConfig", variables: (r) => ({ idOrSlug: r.params.idOrSlug }), shape: restConnectionConfig, missing: "connection config" },
];

export interface RestError {
  code: string;
  message: string;
}

/** The Lytics error envelope; 401 keeps the exact body that existing clients match on. */
export function sendRestError(res: Response, requestId: string, status: number, errors: RestError[]): void {
  if (status === 401) {
    res.status(401).json({ message: "Not authorized", status: 401 });
    return;
  }
  const timestamp = new Date().toISOString();
  res.status(status).json({
    status,
    errors: errors.map((e) => ({ code: e.code, level: "error", message: e.message, timestamp })),
    request_id: requestId,
  });
}

/** Every /v2 route runs its GraphQL operation on the same server and context, then reshapes the result. */
export function restRouter(deps: {
  apollo: ApolloServer<GatewayContext>;
  contextFor(req: Request, res: Response): Promise<GatewayContext>;
  onRoute(res: Response, label: string): void;
}): Router {
  const router = express.Router();
  // Public documentation: no token, no GraphQL, no store.
  router.get("/openapi.json", (_req, res) => {
    deps.onRoute(res, "GET /v2/openapi.json");
    res.json(openApiDocument);
  });
  for (const route of ROUTES) {
    router[route.method](route.path, async (req, res) => {
      deps.onRoute(res, `${route.method.toUpperCase()} /v2${route.path}`);
      const contextValue = await deps.contextFor(req, res);
      // API.md: account_id naming another account is FORBIDDEN on every route, so it is checked here once, not
      // passed on (scan, schema, search and connection types take no accountId). Without a token, 401 comes first.
      if (contextValue.principal) {
        // A parameter given twice (account_id=A&account_id=B) or as a list or object (account_id[]=B) has no single
        // meaning: refused by name before anything reads it, so no check can look at one value and the work the other.
        const repeated = Object.entries(req.query).find(([name, value]) => typeof value !== "string" || name.includes("["));
        if (repeated) {
          const name = repeated[0].split("[")[0].slice(0, 64);
          const message = `${name}: give this query parameter once, as a single value`;
          sendRestError(res, contextValue.requestId, 400, [{ code: ErrorCode.BAD_USER_INPUT, message }]);
          return;
        }
        const stray = route.bodyKeys && req.body && typeof req.body === "object" ? Object.keys(req.body as object).find((k) => !route.bodyKeys!.includes(k)) : undefined;
        if (stray !== undefined) {
          const message = `${stray.slice(0, 64)}: unknown field; the body takes ${route.bodyKeys!.join(", ")}${stray === "limit" ? " (give limit as a query parameter)" : ""}`;
          sendRestError(res, contextValue.requestId, 400, [{ code: ErrorCode.BAD_USER_INPUT, message }]);
          return;
        }
        try {
          assertOwnAccount(contextValue.principal, accountId(req));
        } catch (error) {
          const { code, message } = error as GatewayError;
          sendRestError(res, contextValue.requestId, httpStatusOf(code), [{ code, message: restMessage(message) }]);
          return;
        }
      }
      // An absent query parameter must stay absent (so the argument's default applies), not become null.
      const variables = Object.fromEntries(Object.entries(route.variables(req)).filter(([, v]) => v !== undefined));
      const response = await deps.apollo.executeOperation(
        { query: Operations[route.operation], variables },
        { contextValue },
      );
      for (const [name, value] of response.http.headers) res.setHeader(name, value);
      if (response.body.kind !== "single") throw new Error("incremental delivery is not used by /v2");
      const { data, errors } = response.body.singleResult;
      if (errors?.length) {
        const first = String(errors[0].extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR);
        const status = isErrorCode(first) ? httpStatusOf(first) : first === "INTERNAL_SERVER_ERROR" ? 500 : 400;
        const mapped = errors.map((e) => ({ code: String(e.extensions?.code ?? first), message: restMessage(e.message) }));
        sendRestError(res, contextValue.requestId, status, mapped);
        return;
      }
      const result = data?.result as Json | null;
      if (result === null && route.missing) {
        sendRestError(res, contextValue.requestId, 404, [{ code: ErrorCode.NOT_FOUND, message: `${route.missing} not found` }]);
        return;
      }
      const inside = result && route.missingInside?.(result);
      if (inside) {
        sendRestError(res, contextValue.requestId, 404, [{ code: ErrorCode.NOT_FOUND, message: inside }]);
        return;
      }
      const status = route.status ?? 200;
      res.status(status).json({ data: route.shape(result as Json), status, request_id: contextValue.requestId });
    });
  }
  router.use((req, res) => {
    sendRestError(res, String(res.locals.requestId), 404, [
      { code: ErrorCode.NOT_FOUND, message: `no route ${req.method} ${req.baseUrl}${req.path}` },
    ]);
  });
  return router;
}
