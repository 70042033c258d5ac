# syntax=docker/dockerfile:1
# The gateway image: one image for every command (serve, worker, migrate, account/token create, keys rotate).
#   docker build -t connections-gateway .
#   docker run --init -p 4000:4000 -v gateway-data:/data connections-gateway              # embedded mode
#   docker run --init -e DATABASE_URL=... -e ENCRYPTION_KEYS=... connections-gateway migrate
# Signals: serve and worker handle SIGTERM themselves (graceful stop), but run with --init (compose: init: true)
# so that a PID-1 node without handlers (migrate, account create, ...) still stops on SIGTERM/Ctrl-C.
# test/unit/deploy-files.test.ts checks this file against the code (runtime assets, env names, user).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- production dependencies only
# .npmrc keeps onnxruntime-node from fetching CUDA binaries; npm ci's postinstall fetches the sentence model
# (scripts/models/), which --strict then requires: an image without it would search less well, silently.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY scripts/models/ ./scripts/models/
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund && node scripts/models/fetch-sentence-model.mjs --strict

# ---- compile TypeScript (dev dependencies needed)
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY scripts/models/ ./scripts/models/
RUN --mount=type=cache,target=/root/.npm GATEWAY_SKIP_MODEL_FETCH=1 npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

# ---- runtime
FROM ${NODE_IMAGE} AS runtime
# HOST: listen on every interface of the container (the code's default, 127.0.0.1, is unreachable from outside).
# DATA_DIR: embedded mode only (no DATABASE_URL): PGlite, the generated key ring, the demo database. Mount a volume.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/data
WORKDIR /app
# uid/gid 1000 is the image's "node" user; the code stays root-owned and read-only to it.
RUN mkdir -p /data && chown 1000:1000 /data && chmod 700 /data
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/migrations ./dist/migrations
# package.json marks the project root (src/paths.ts); assets below are read relative to it at run time.
COPY package.json ./
# The local embedder's word vectors (with their licence files).
COPY datasets/word-vectors/ ./datasets/word-vectors/
# Schema search's sentence model: its pins, and the files prod-deps fetched and checked against them.
COPY scripts/models/sentence-model.json ./scripts/models/
COPY --from=prod-deps /app/.models ./.models
# The Chinook demo database (DEMO=true, the default in embedded mode).
COPY datasets/chinook/chinook-postgres.sql datasets/chinook/LICENSE.md ./datasets/chinook/
USER 1000:1000
EXPOSE 4000
# Liveness only (the process answers); compose's gateway service checks /readyz instead. Worker and migrate
# containers have no HTTP server: compose overrides or disables this for them.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["serve"]
