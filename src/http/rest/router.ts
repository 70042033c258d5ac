import type { ApolloServer } from "@apollo/server";
import express, { type Request, type Response, type Router } from "express";
import { ErrorCode, httpStatusOf, isErrorCode, type GatewayError } from "../../errors";
import { assertOwnAccount } from "../../services/principal";
import type { GatewayContext } from "../../resolvers/context";
import { lyticsCodeOf } from "./lytics-codes";
import { openApiDocument } from "./openapi";
import { BODY_KEYS, ROUTES } from "./routes";

type Json = Record<string, unknown>;

/** GraphQL names that every route spells otherwise: the body's fields, and account_id. */
const REST_NAMES: Record<string, string> = { ...Object.fromEntries(Object.entries(BODY_KEYS).map(([rest, gql]) => [gql, rest])), accountId: "account_id" };

/**
 * GraphQL's words → the REST request's own names, so a message names what the client sent: `input.connectionConfigId`
 * → `connection_config_id`, `Variable "$query" of required type …` → `query: required`, `primaryKeys:` →
 * `primary_keys:`, `text:` → `q:` (a route's own names in `restNames`).
 */
export function restMessage(message: string, restNames: Record<string, string> = {}): string {
  const rest = (name: string) => restNames[name] ?? REST_NAMES[name] ?? name;
  const required = /^Variable "\$(\w+)" of required type "[^"]+" was not provided\.?$/.exec(message);
  if (required) return `${rest(required[1])}: required`;
  const unknown = /^input: Field "([^"]+)" is not defined by type "[^"]+"\.?$/.exec(message);
  if (unknown) return `${rest(unknown[1])}: unknown field`;
  return message
    .replace(/^input\.(\w+)/, (_m, field: string) => rest(field))
    .replace(/^input:/, "body:")
    .replace(/^(\w+)(?=[:.])/, (word) => rest(word));
}

const accountId = (req: Request) => (typeof req.query.account_id === "string" ? req.query.account_id : undefined);

export interface RestError {
  code: string;
  message: string;
  /** Lytics' code when a more precise one than the code's nearest applies (a body that is not JSON). */
  lyticsCode?: string;
}

/** The Lytics error envelope; 401 keeps the exact body that existing clients match on. Level as Lytics sets it: warn for the client's mistakes (4xx), error for ours (5xx). */
export function sendRestError(res: Response, requestId: string, status: number, errors: RestError[]): void {
  if (status === 401) {
    res.status(401).json({ message: "Not authorized", status: 401 });
    return;
  }
  res.status(status).json({ ...restErrorBody(status, errors), request_id: requestId });
}

/** The envelope's status and errors, also for answers written before Express has a request (unparsable HTTP). */
export function restErrorBody(status: number, errors: RestError[]) {
  const timestamp = new Date().toISOString();
  const level = status >= 500 ? "error" : "warn";
  return { status, errors: errors.map((e) => ({ code: e.code, lytics_code: e.lyticsCode ?? lyticsCodeOf(e.code), level, message: e.message, timestamp })) };
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
        // A body the JSON parser skipped (another content type) would otherwise look like an empty one. An empty body
        // (Content-Length: 0, as clients send on a bare POST) is no body.
        const sentBody = req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
        if (sentBody && !req.is("application/json")) {
          const given = String(req.headers["content-type"] ?? "none").slice(0, 64);
          const message = `body: send it as JSON with Content-Type: application/json (the request said ${given})`;
          sendRestError(res, contextValue.requestId, 415, [{ code: ErrorCode.BAD_USER_INPUT, message }]);
          return;
        }
        const body = req.body as Json | undefined;
        if (route.readOnlyKeys && body && typeof body === "object" && !Array.isArray(body)) {
          // The object as read, sent back: its read-only fields are dropped, once they are shown to be its own.
          const refusal =
            body.id !== undefined && body.id !== req.params.id
              ? "id: read-only; it names another connection than the path"
              : body.account_id !== undefined && body.account_id !== contextValue.principal.accountId
                ? "account_id: read-only; a connection cannot move to another account"
                : null;
          if (refusal) {
            sendRestError(res, contextValue.requestId, 400, [{ code: ErrorCode.BAD_USER_INPUT, message: refusal }]);
            return;
          }
          for (const key of route.readOnlyKeys) delete body[key];
        }
        const stray = route.bodyKeys && body && typeof body === "object" ? Object.keys(body).find((k) => !route.bodyKeys!.includes(k)) : undefined;
        if (stray !== undefined) {
          const message = `${stray.slice(0, 64)}: unknown field; the body takes ${route.bodyKeys!.join(", ")}${stray === "limit" ? " (give limit as a query parameter)" : ""}`;
          sendRestError(res, contextValue.requestId, 400, [{ code: ErrorCode.BAD_USER_INPUT, message }]);
          return;
        }
        try {
          assertOwnAccount(contextValue.principal, accountId(req));
        } catch (error) {
          const { code, message } = error as GatewayError;
          sendRestError(res, contextValue.requestId, httpStatusOf(code), [{ code, message: restMessage(message, route.restNames) }]);
          return;
        }
      }
      // An absent query parameter must stay absent (so the argument's default applies), not become null.
      const variables = Object.fromEntries(Object.entries(route.variables(req)).filter(([, v]) => v !== undefined));
      const response = await deps.apollo.executeOperation({ query: route.document, variables }, { contextValue });
      for (const [name, value] of response.http.headers) res.setHeader(name, value);
      if (response.body.kind !== "single") throw new Error("incremental delivery is not used by /v2");
      const { data, errors } = response.body.singleResult;
      if (errors?.length) {
        const first = String(errors[0].extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR);
        const status = isErrorCode(first) ? httpStatusOf(first) : first === "INTERNAL_SERVER_ERROR" ? 500 : 400;
        const mapped = errors.map((e) => ({ code: String(e.extensions?.code ?? first), message: restMessage(e.message, route.restNames) }));
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
      const meta = route.meta ? { _meta: route.meta(result as Json) } : {};
      res.status(status).json({ data: route.shape(result as Json), ...meta, status, request_id: contextValue.requestId });
    });
  }
  router.use((req, res) => {
    sendRestError(res, String(res.locals.requestId), 404, [{ code: ErrorCode.NOT_FOUND, message: `no route ${req.method} ${req.baseUrl}${req.path}` }]);
  });
  return router;
}
