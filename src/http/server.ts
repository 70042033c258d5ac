import { randomUUID } from "node:crypto";
import http from "node:http";
import type { Duplex } from "node:stream";
import type { ApolloServer } from "@apollo/server";
import { expressMiddleware } from "@as-integrations/express5";
import cors from "cors";
import express, { type NextFunction, type Request, type Response } from "express";
import { GraphQLError } from "graphql";
import type { Logger } from "pino";
import { ErrorCode } from "../errors";
import type { GatewayContext } from "../resolvers/context";
import type { AuthService } from "../services/auth.service";
import type { HealthService } from "../services/health.service";
import type { GatewayMetrics } from "../metrics";
import { LYTICS_INVALID_JSON } from "./rest/lytics-codes";
import { restErrorBody, restRouter, sendRestError } from "./rest/router";
import { BODY_LIMIT } from "../limits";

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface HttpDeps {
  apollo: ApolloServer<GatewayContext>;
  auth: AuthService;
  health: HealthService;
  metrics: GatewayMetrics;
  logger: Logger;
  graphiqlHtml: string;
  corsOrigins: readonly string[];
}

/** The HTTP edge: request ids, access log and metrics, GraphiQL, GraphQL, /v2, health. No rules live here. */
export function createHttpApp(deps: HttpDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", false);
  app.use(requestIdAndAccessLog(deps));

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    const readiness = await deps.health.readiness();
    res.status(readiness.ready ? 200 : 503).json({ status: readiness.ready ? "ready" : "not ready", checks: readiness.checks });
  });
  app.get("/metrics", async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  const corsMiddleware = cors({ origin: deps.corsOrigins.length ? [...deps.corsOrigins] : false, maxAge: 600 });
  const contextFor = async (req: Request, res: Response): Promise<GatewayContext> => {
    const requestId = String(res.locals.requestId);
    let principal;
    try {
      principal = await deps.auth.authenticate(req.header("authorization"));
    } catch (error) {
      // The store behind the token lookup is down: say so without its driver text, keep the detail in the log.
      deps.logger.error({ err: error, requestId }, "token lookup failed");
      throw new GraphQLError("Internal server error", {
        extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId, http: { status: 503 } },
      });
    }
    const disconnected = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) disconnected.abort();
    });
    const ctx: GatewayContext = {
      requestId,
      principal,
      logger: deps.logger.child({ requestId }),
      trace: {},
      signal: disconnected.signal,
      receivedAt: res.locals.receivedAt as number,
    };
    res.locals.context = ctx;
    return ctx;
  };

  app.get("/graphql", (req, res, next) => {
    // Browsers asking for a page get GraphiQL; GET queries from API clients fall through to Apollo.
    if (req.accepts(["application/json", "text/html"]) !== "text/html" || req.query.query !== undefined) return next();
    res.locals.operation = "graphiql";
    res.setHeader(
      "Content-Security-Policy",
      "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'",
    );
    res.type("html").send(deps.graphiqlHtml);
  });
  app.use("/graphql", corsMiddleware, express.json({ limit: BODY_LIMIT }), expressMiddleware(deps.apollo, { context: ({ req, res }) => contextFor(req, res) }));
  app.use(
    "/v2",
    corsMiddleware,
    express.json({ limit: BODY_LIMIT }),
    restRouter({
      apollo: deps.apollo,
      contextFor,
      onRoute: (res, label) => {
        res.locals.operation = label;
      },
    }),
  );
  app.use((req, res) => {
    res.status(404).json({ message: `no route ${req.method} ${req.path}`, status: 404 });
  });
  app.use(errorHandler(deps.logger));
  return app;
}

function requestIdAndAccessLog(deps: HttpDeps) {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = req.header("x-request-id");
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.locals.receivedAt = performance.now();
    res.setHeader("x-request-id", requestId);
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const ctx = res.locals.context as GatewayContext | undefined;
      // /v2 routes and the GraphiQL page name themselves; GraphQL requests by the root fields they select.
      const operation = (res.locals.operation as string | undefined) ?? ctx?.trace.operation ?? "other";
      deps.metrics.observe(operation, res.statusCode, seconds);
      deps.logger.info({ requestId, method: req.method, path: req.originalUrl.split("?")[0], status: res.statusCode, operation, ms: Math.round(seconds * 1000) }, "request");
    });
    next();
  };
}

/** Body-parser and unexpected errors: same envelopes as everything else, no detail but the request id. */
function errorHandler(logger: Logger) {
  return (error: { type?: string; status?: number }, req: Request, res: Response, _next: NextFunction) => {
    const requestId = String(res.locals.requestId);
    let status = 500;
    let code: string = ErrorCode.INTERNAL_SERVER_ERROR;
    let message = `Internal server error (request id ${requestId})`;
    if (error.type === "entity.too.large") {
      [status, code, message] = [413, ErrorCode.BAD_USER_INPUT, `request body exceeds the ${BODY_LIMIT} limit`];
    } else if (error.type === "entity.parse.failed") {
      [status, code, message] = [400, ErrorCode.BAD_USER_INPUT, "request body is not valid JSON"];
    } else if (error.status && error.status >= 400 && error.status < 500) {
      [status, code, message] = [error.status, ErrorCode.BAD_USER_INPUT, "malformed request"];
    } else {
      logger.error({ err: error, requestId }, "unhandled error");
    }
    const lyticsCode = error.type === "entity.parse.failed" ? LYTICS_INVALID_JSON : undefined;
    if (req.originalUrl.startsWith("/v2")) sendRestError(res, requestId, status, [{ code, message, lyticsCode }]);
    else res.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
}

export function createHttpServer(app: express.Express): http.Server {
  const server = http.createServer(app);
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
  server.on("clientError", answerUnparsable);
  return server;
}

/**
 * A request Node cannot parse (headers or URL over 16 KB, bad framing, too slow) never reaches Express; Node would
 * answer it with a bare status line. It gets the same JSON envelope as every other refusal instead.
 */
function answerUnparsable(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || error.code === "ECONNRESET") {
    socket.destroy();
    return;
  }
  const [status, reason, message] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [431, "Request Header Fields Too Large", "the request line and headers exceed 16 KB (is an id or a query parameter too long?)"]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "Request Timeout", "the request did not arrive in time"]
        : [400, "Bad Request", "the request is not valid HTTP"];
  const body = JSON.stringify(restErrorBody(status, [{ code: ErrorCode.BAD_USER_INPUT, message }]));
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
