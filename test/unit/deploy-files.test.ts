import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
// yaml comes with the dev dependencies (vite, the OpenAPI validator); it is not a dependency of the gateway.
import { parse as parseYaml } from "yaml";
import { loadConfig } from "../../src/config";

/**
 * The deployment files (Dockerfile, .dockerignore, docker-compose.yml, deploy/trino/) cannot be run here (no Docker
 * engine), so this checks what can drift from the code: variable names, runtime assets, users, versions, and the
 * Trino settings that scripts/trino/start.sh writes for the local node.
 */
const ROOT = path.resolve(__dirname, "../..");
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), "utf8");

/** Read by libraries, not by src/config.ts: NODE_ENV=production is what Express and npm expect in an image. */
const LIBRARY_ENV = new Set(["NODE_ENV"]);
/** Compose-only knobs, interpolated into the file and never passed to the gateway under these names. */
const COMPOSE_ONLY = new Set(["POSTGRES_PASSWORD", "GATEWAY_PORT"]);
const KEY = `k1:${Buffer.alloc(32, 7).toString("base64")}`;

// ------------------------------------------------------------------ src/config.ts

/** Every variable src/config.ts reads: the keys of envSchema and every env.NAME in the file. */
function configEnvNames(): Set<string> {
  const text = read("src/config.ts");
  const start = text.indexOf("const envSchema = z.object({");
  const end = text.indexOf("\n});", start);
  if (start < 0 || end < 0) throw new Error("src/config.ts: envSchema = z.object({ ... }) not found");
  const names = new Set([...text.slice(start, end).matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]));
  for (const m of text.matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)) names.add(m[1]);
  return names;
}

// ------------------------------------------------------------------ Dockerfile

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  name: string | null;
  from: string;
  instructions: Instruction[];
}

function parseDockerfile(text: string): Stage[] {
  const logical = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, op, args] = /^(\S+)\s*(.*)$/.exec(line)!;
    if (op.toUpperCase() === "FROM") {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)!;
      stages.push({ from: m[1], name: m[2] ?? null, instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

const all = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op);
const last = (stage: Stage, op: string) => all(stage, op).at(-1);

function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of all(stage, "ENV")) {
    for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) env[m[1]] = m[2].replace(/^"|"$/g, "");
  }
  return env;
}

interface Copy {
  from: string | null;
  sources: string[];
  dest: string;
}

function copiesOf(stage: Stage): Copy[] {
  return all(stage, "COPY").map(({ args }) => {
    const words = args.split(/\s+/);
    const flags = words.filter((w) => w.startsWith("--"));
    const paths = words.filter((w) => !w.startsWith("--"));
    const from = flags.find((f) => f.startsWith("--from="))?.slice("--from=".length) ?? null;
    return { from, sources: paths.slice(0, -1), dest: paths.at(-1)! };
  });
}

/** Where a file of the build context lands in the image, or null when no COPY of the stage brings it. */
function imagePathOf(file: string, stage: Stage): string | null {
  const workdir = last(stage, "WORKDIR")?.args ?? "/";
  let found: string | null = null;
  for (const copy of copiesOf(stage).filter((c) => c.from === null)) {
    const dest = path.posix.resolve(workdir, copy.dest);
    for (const source of copy.sources) {
      const src = source.replace(/\/+$/, "");
      if (fs.statSync(path.join(ROOT, src)).isDirectory()) {
        if (file.startsWith(src + "/")) found = path.posix.join(dest, file.slice(src.length + 1));
      } else if (file === src) {
        found = copy.dest.endsWith("/") ? path.posix.join(dest, path.posix.basename(src)) : dest;
      }
    }
  }
  return found;
}

/**
 * Files under the project root that src/ names by a relative path literal (read with projectRoot() at run
 * time), e.g. datasets/word-vectors/glove-100d.wvec. Modules that src imports are compiled into dist/ instead.
 */
function runtimeAssets(): string[] {
  const files = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const full = path.join(dir, e.name);
      return e.isDirectory() ? files(full) : e.name.endsWith(".ts") ? [full] : [];
    });
  const assets = new Set<string>();
  for (const file of files(path.join(ROOT, "src"))) {
    for (const m of fs.readFileSync(file, "utf8").matchAll(/["'`]([A-Za-z0-9_][\w.-]*\/[\w./-]+)["'`]/g)) {
      const rel = m[1];
      const top = rel.split("/")[0];
      if (["src", "node_modules", "dist", "test"].includes(top)) continue;
      const full = path.join(ROOT, rel);
      if (fs.existsSync(full) && fs.statSync(full).isFile()) assets.add(rel);
    }
  }
  return [...assets].sort();
}

// ------------------------------------------------------------------ .dockerignore

function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      re += glob[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += glob[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** Docker's rule: the last pattern that matches the path or one of its parent folders decides; "!" re-includes. */
function inBuildContext(file: string, dockerignore: string): boolean {
  const patterns = dockerignore
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const prefixes = file.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
  let included = true;
  for (const raw of patterns) {
    const negate = raw.startsWith("!");
    const re = globToRegExp(path.posix.normalize((negate ? raw.slice(1) : raw).replace(/^\/+/, "")));
    if (prefixes.some((p) => re.test(p))) included = negate;
  }
  return included;
}

// ------------------------------------------------------------------ docker-compose.yml

type Env = Record<string, string | undefined>;

/** Compose's interpolation: $$, $NAME, ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error},
 * ${NAME:+alternative}, ${NAME+alternative}, nested in the default, error or alternative (evaluated lazily). */
function interpolate(text: string, env: Env): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== "$") {
      out += text[i];
      continue;
    }
    if (text[i + 1] === "$") {
      out += "$";
      i++;
    } else if (text[i + 1] === "{") {
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === "{") depth++;
        else if (text[j] === "}" && --depth === 0) break;
      }
      if (j >= text.length) throw new Error(`unclosed \${ in ${text}`);
      const body = text.slice(i + 2, j);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(body);
      if (!m) throw new Error(`invalid interpolation \${${body}}`);
      const [, name, op, arg = ""] = m;
      const value = env[name];
      const unset = value === undefined || (op?.startsWith(":") && value === "");
      if (op === ":-" || op === "-") out += unset ? interpolate(arg, env) : value;
      else if (op === ":?" || op === "?") {
        if (unset) throw new Error(`required variable ${name} is missing a value: ${interpolate(arg, env)}`);
        out += value;
      } else if (op === ":+" || op === "+") out += unset ? "" : interpolate(arg, env);
      else out += value ?? "";
      i = j;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
      if (m) {
        out += env[m[0]] ?? "";
        i += m[0].length;
      } else out += "$";
    }
  }
  return out;
}

function interpolateAll(value: unknown, env: Env): unknown {
  if (typeof value === "string") return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolateAll(v, env));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, env)]));
  }
  return value;
}

/** Names used by interpolation anywhere in the file ($$ is an escaped dollar, not a variable). */
function interpolatedNames(text: string): Set<string> {
  return new Set([...text.replace(/\$\$/g, "").matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]));
}

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  volumes?: string[];
  ports?: string[];
}
interface ComposeFile {
  services: Record<string, Service>;
}

const environmentOf = (s: Service): Record<string, string> => {
  const env = s.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((e) => [e.split("=")[0], e.slice(e.indexOf("=") + 1)]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? "" : String(v)]));
};

const composeText = read("docker-compose.yml");
const composeRaw = parseYaml(composeText, { merge: true }) as ComposeFile;
const composeWith = (env: Env) => interpolateAll(composeRaw, env) as ComposeFile;
const GATEWAY_IMAGE = composeRaw.services.gateway?.image;
/** The services that run the gateway image (serve, worker, migrate, ...). */
const appServices = (c: ComposeFile) => Object.entries(c.services).filter(([, s]) => s.build !== undefined || s.image === GATEWAY_IMAGE);

// ------------------------------------------------------------------ scripts/trino/start.sh

/** The shell variables common.sh and start.sh set, each at its default (VAR=${VAR:-default}, VAR=value, A=$B C=$D). */
function trinoScriptDefaults(): Record<string, string> {
  const vars: Record<string, string> = {};
  const expand = (s: string) => s.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n: string) => vars[n] ?? `$${n}`);
  for (const file of ["scripts/trino/common.sh", "scripts/trino/start.sh"]) {
    for (const line of read(file).split("\n")) {
      if (/^[A-Z]=\$[A-Z_]+( [A-Z]=\$[A-Z_]+)+\s*$/.test(line)) {
        for (const m of line.matchAll(/([A-Z])=\$([A-Z_]+)/g)) vars[m[1]] = vars[m[2]];
        continue;
      }
      const m = /^([A-Z_][A-Z0-9_]*)=(\S+)\s*(#.*)?$/.exec(line);
      if (!m || m[2].startsWith("$(")) continue;
      const withDefault = new RegExp(`^\\$\\{${m[1]}:-(.*)\\}$`).exec(m[2]);
      vars[m[1]] = expand(withDefault ? withDefault[1] : m[2].replace(/^"(.*)"$/, "$1"));
    }
  }
  // start.sh derives the query memory from the heap (half of it) when it is not given.
  if (vars.TRINO_QUERY_MAX_MEMORY === undefined && /^\d+G$/.test(vars.TRINO_HEAP ?? "")) {
    const halfMb = (Number(vars.TRINO_HEAP.slice(0, -1)) * 1024) / 2;
    vars.TRINO_QUERY_MAX_MEMORY = halfMb % 1024 === 0 ? `${halfMb / 1024}GB` : `${halfMb}MB`;
  }
  return vars;
}

/** The body of a `cat >"$TRINO_ETC_DIR/<file>" <<EOF` in start.sh, with the script's default values filled in. */
function startShWrites(file: string, vars = trinoScriptDefaults()): string {
  const text = read("scripts/trino/start.sh");
  const re = new RegExp(`cat >"\\$TRINO_ETC_DIR/${file.replace(/\./g, "\\.")}" <<EOF\\n([\\s\\S]*?)\\nEOF`);
  const body = re.exec(text)?.[1];
  if (body === undefined) throw new Error(`start.sh writes no ${file} with a heredoc any more`);
  return body.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => {
    if (vars[name] === undefined) throw new Error(`start.sh ${file}: no default for $${name}`);
    return vars[name];
  });
}

/** The unconditional lines of start.sh's jvm.config: the `cat <<EOF` block inside the braces. */
function startShJvmFlags(vars = trinoScriptDefaults()): string[] {
  const block = /\{\n\s*cat <<EOF\n([\s\S]*?)\nEOF\n[\s\S]*?\}\s*>"\$TRINO_ETC_DIR\/jvm\.config"/.exec(read("scripts/trino/start.sh"))?.[1];
  if (block === undefined) throw new Error("start.sh writes no jvm.config block any more");
  return block.split("\n").map((l) => l.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n: string) => vars[n] ?? `$${n}`));
}

const properties = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"))
      .map((l) => [l.slice(0, l.indexOf("=")).trim(), l.slice(l.indexOf("=") + 1).trim()]),
  );
const lines = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));

// ================================================================== tests

describe("Dockerfile", () => {
  const stages = parseDockerfile(read("Dockerfile"));
  const runtime = stages.at(-1)!;
  const configNames = configEnvNames();

  it("reads the variable list of src/config.ts", () => {
    expect(configNames).toContain("DATABASE_URL");
    expect(configNames).toContain("ENCRYPTION_KEYS");
    expect(configNames.size).toBeGreaterThan(20);
  });

  it("sets only environment variables that src/config.ts reads (NODE_ENV aside)", () => {
    const named = stages.flatMap((s) => Object.keys(envOf(s)));
    for (const m of read("Dockerfile").matchAll(/process\.env\.([A-Za-z_][A-Za-z0-9_]*)/g)) named.push(m[1]);
    const unknown = named.filter((n) => !configNames.has(n) && !LIBRARY_ENV.has(n));
    expect(unknown, "not read by src/config.ts").toEqual([]);
  });

  it("runs production code as a numeric non-root user", () => {
    const user = last(runtime, "USER")?.args;
    expect(user, "USER in the runtime stage").toMatch(/^\d+(:\d+)?$/);
    expect(Number(user!.split(":")[0])).toBeGreaterThan(0);
    expect(envOf(runtime).NODE_ENV).toBe("production");
  });

  it("listens where it exposes, checks its health with node, and runs the CLI", () => {
    const env = envOf(runtime);
    const config = loadConfig(env);
    expect(config.host).toBe("0.0.0.0");
    expect(last(runtime, "EXPOSE")?.args.split(/\s+/)).toContain(String(config.port));
    expect(last(runtime, "HEALTHCHECK")?.args).toMatch(/CMD \["node",.*\/healthz/);
    expect(JSON.parse(last(runtime, "ENTRYPOINT")!.args)).toEqual(["node", "dist/src/cli.js"]);
    expect(JSON.parse(last(runtime, "CMD")!.args)).toEqual(["serve"]);
  });

  it("copies the compiled output and production-only node_modules from earlier stages", () => {
    const fromStage = (dest: string) => copiesOf(runtime).find((c) => c.from !== null && path.posix.normalize(c.dest) === dest);
    const tsconfigBuild = JSON.parse(read("tsconfig.build.json")) as { include: string[] };
    const compiledDirs = [...new Set(tsconfigBuild.include.map((g) => g.split("/")[0]))];
    expect(compiledDirs).toEqual(expect.arrayContaining(["src", "migrations"]));
    for (const dir of compiledDirs) expect(fromStage(`dist/${dir}`), `COPY --from=... dist/${dir}`).toBeDefined();
    // The sentence model comes from the stage that fetched it with --strict (it is local state, not in the context).
    const model = fromStage(JSON.parse(read("scripts/models/sentence-model.json")).directory.split("/")[0]);
    expect(model, "COPY --from=... .models").toBeDefined();
    expect(
      all(
        stages.find((s) => s.name === model!.from)!,
        "RUN",
      )
        .map((r) => r.args)
        .join("\n"),
    ).toMatch(/fetch-sentence-model\.mjs --strict/);
    const deps = fromStage("node_modules");
    expect(deps, "COPY --from=... node_modules").toBeDefined();
    const depsStage = stages.find((s) => s.name === deps!.from)!;
    expect(
      all(depsStage, "RUN")
        .map((r) => r.args)
        .join("\n"),
    ).toMatch(/npm (ci|prune) [^\n]*--omit=dev/);
  });

  it("copies every file the code reads from the project root at run time, where the code looks for it", () => {
    const assets = runtimeAssets();
    expect(assets).toEqual(expect.arrayContaining(["datasets/word-vectors/glove-100d.wvec", "datasets/chinook/chinook-postgres.sql"]));
    const workdir = last(runtime, "WORKDIR")!.args;
    // package.json marks the project root that src/paths.ts looks for.
    for (const file of ["package.json", ...assets]) {
      expect(imagePathOf(file, runtime), file).toBe(path.posix.join(workdir, file));
    }
  });

  it("has a build context (.dockerignore) with every file it copies and none of the local state", () => {
    const dockerignore = read(".dockerignore");
    const copied = stages.flatMap((s) =>
      copiesOf(s)
        .filter((c) => c.from === null)
        .flatMap((c) => c.sources.map((p) => p.replace(/\/+$/, ""))),
    );
    for (const file of [...copied, ...runtimeAssets()]) expect(inBuildContext(file, dockerignore), file).toBe(true);
    for (const file of [
      "node_modules/pg/package.json",
      "dist/src/cli.js",
      ".data/encryption-keys",
      ".tools/trino/etc/rules.json",
      ".models/all-minilm-l6-v2-q/model.onnx",
      ".git/HEAD",
      ".env",
      "test/unit/config.test.ts",
      "test-artifacts/x.log",
      "src/.env",
    ]) {
      expect(inBuildContext(file, dockerignore), file).toBe(false);
    }
  });
});

describe("docker-compose.yml", () => {
  const configNames = configEnvNames();
  const operatorEnv = { ENCRYPTION_KEYS: KEY, POSTGRES_PASSWORD: "pw" };
  const compose = composeWith(operatorEnv);

  it("has the services of the deployment, each with a health check (the one-shot migrate aside)", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["gateway", "migrate", "postgres", "redis", "trino", "worker"]);
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === "migrate") expect(service.healthcheck?.disable).toBe(true);
      else expect(service.healthcheck?.test?.length, name).toBeGreaterThan(1);
    }
    expect(compose.services.migrate.command).toEqual(["migrate"]);
    expect(compose.services.gateway.command).toEqual(["serve"]);
    expect(compose.services.worker.command).toEqual(["worker"]);
  });

  it("passes the gateway only variables that src/config.ts reads", () => {
    for (const [name, service] of appServices(compose)) {
      const unknown = Object.keys(environmentOf(service)).filter((n) => !configNames.has(n));
      expect(unknown, `${name}: not read by src/config.ts`).toEqual([]);
    }
    const inHealthChecks = [...composeText.matchAll(/process\.env\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
    expect(
      inHealthChecks.filter((n) => !configNames.has(n)),
      "process.env names in health checks",
    ).toEqual([]);
    const unknown = [...interpolatedNames(composeText)].filter((n) => !configNames.has(n) && !COMPOSE_ONLY.has(n));
    expect(unknown, "interpolated names neither in src/config.ts nor compose-only").toEqual([]);
  });

  it("gives every gateway process an environment that src/config.ts accepts, pointing at the bundled services", () => {
    const imageEnv = envOf(parseDockerfile(read("Dockerfile")).at(-1)!);
    for (const [name, service] of appServices(compose)) {
      const config = loadConfig({ ...imageEnv, ...environmentOf(service) });
      expect(config.databaseUrl, name).toBe("postgres://gateway:pw@postgres:5432/gateway");
      expect(config.redisUrl, name).toBe("redis://redis:6379");
      expect(config.trinoUrl, name).toBe("http://trino:8080");
      expect(
        config.encryptionKeys?.map((k) => k.id),
        name,
      ).toEqual(["k1"]);
    }
    const gateway = loadConfig({ ...imageEnv, ...environmentOf(compose.services.gateway) });
    expect(gateway.migrateOnStart).toBe(false);
    expect(compose.services.gateway.ports).toEqual([`4000:${gateway.port}`]);
    expect(compose.services.gateway.healthcheck!.test!.join(" ")).toContain(`http://127.0.0.1:${gateway.port}/readyz`);
  });

  it("takes the encryption key only from the operator, and one's own DATABASE_URL instead of the bundled one", () => {
    expect(environmentOf(composeRaw.services.gateway).ENCRYPTION_KEYS).toMatch(/^\$\{ENCRYPTION_KEYS:\?[^}]*\}$/);
    expect(() => composeWith({ POSTGRES_PASSWORD: "pw" })).toThrow(/ENCRYPTION_KEYS is missing/);
    expect(() => composeWith({ ENCRYPTION_KEYS: KEY })).toThrow(/POSTGRES_PASSWORD is missing/);
    const own = composeWith({
      ENCRYPTION_KEYS: KEY,
      DATABASE_URL: "postgres://u:p@db.example.com/gw",
      REDIS_URL: "rediss://cache.example.com:6380",
      TRINO_URL: "https://trino.example.com",
    });
    const config = loadConfig(environmentOf(own.services.worker));
    expect([config.databaseUrl, config.redisUrl, config.trinoUrl]).toEqual(["postgres://u:p@db.example.com/gw", "rediss://cache.example.com:6380", "https://trino.example.com"]);
    expect(() => composeWith({ ENCRYPTION_KEYS: KEY, DATABASE_URL: "postgres://u:p@db.example.com/gw" })).not.toThrow();
  });

  it("starts the gateway and workers after a successful migrate and healthy services", () => {
    for (const name of ["gateway", "worker"]) {
      expect(compose.services[name].depends_on, name).toEqual({
        migrate: { condition: "service_completed_successfully" },
        postgres: { condition: "service_healthy" },
        redis: { condition: "service_healthy" },
        trino: { condition: "service_healthy" },
      });
    }
    expect(compose.services.migrate.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
  });

  it("runs the Trino version that scripts/trino installs, with deploy/trino mounted read-only as its etc", () => {
    const version = /^TRINO_VERSION=(\S+)/m.exec(read("scripts/trino/common.sh"))?.[1];
    expect(version).toMatch(/^\d+$/);
    expect(compose.services.trino.image).toBe(`trinodb/trino:${version}`);
    expect(compose.services.trino.volumes).toContain("./deploy/trino:/etc/trino:ro");
    const port = properties(read("deploy/trino/config.properties"))["http-server.http.port"];
    expect(environmentOf(compose.services.gateway).TRINO_URL).toBe(`http://trino:${port}`);
  });

  it("uses the Trino identities that deploy/trino/rules.json grants", () => {
    const rules = JSON.parse(read("deploy/trino/rules.json")) as { catalogs: { user: string; allow: string }[] };
    const owner = rules.catalogs.find((r) => r.allow === "owner")!.user;
    const reader = rules.catalogs.find((r) => r.allow === "read-only")!.user;
    for (const [name, service] of appServices(compose)) {
      const config = loadConfig(environmentOf(service));
      expect([config.trinoAdminUser, config.trinoScanUser], name).toEqual([owner, reader]);
    }
  });
});

describe("deploy/trino", () => {
  const vars = trinoScriptDefaults();

  it("grants exactly what scripts/trino/start.sh grants to the same users", () => {
    expect([vars.TRINO_ADMIN_USER, vars.TRINO_SCAN_USER]).toEqual(["gateway_admin", "gateway_scan"]);
    expect(JSON.parse(read("deploy/trino/rules.json"))).toEqual(JSON.parse(startShWrites("rules.json", vars)));
  });

  it("has start.sh's server settings (catalogs in memory, query limits), listening in the container", () => {
    const local = properties(startShWrites("config.properties", vars));
    const deployed = properties(read("deploy/trino/config.properties"));
    expect(Object.keys(deployed).sort()).toEqual(Object.keys(local).sort());
    const { "discovery.uri": localUri, ...localRest } = local;
    const { "discovery.uri": deployedUri, ...deployedRest } = deployed;
    expect(deployedRest).toEqual(localRest);
    expect(localUri).toBe(`http://127.0.0.1:${local["http-server.http.port"]}`);
    expect(deployedUri).toBe(`http://localhost:${deployed["http-server.http.port"]}`);
    expect(deployed).toMatchObject({ "catalog.management": "dynamic", "catalog.store": "memory" });
  });

  it("uses file-based access control with the mounted rules.json", () => {
    const local = properties(startShWrites("access-control.properties", vars));
    const deployed = properties(read("deploy/trino/access-control.properties"));
    expect(deployed["access-control.name"]).toBe(local["access-control.name"]);
    expect(path.posix.basename(local["security.config-file"])).toBe("rules.json");
    expect(deployed["security.config-file"]).toBe("/etc/trino/rules.json");
  });

  it("passes the JVM every flag start.sh passes unconditionally", () => {
    const flags = startShJvmFlags(vars);
    expect(flags).toContain(`-Xmx${vars.TRINO_HEAP}`);
    expect(lines(read("deploy/trino/jvm.config"))).toEqual(expect.arrayContaining(flags));
  });

  it("keeps node data in the image's data folder and lets the image name the node", () => {
    const node = properties(read("deploy/trino/node.properties"));
    expect(node["node.data-dir"]).toBe("/data/trino");
    expect(node["node.id"]).toBeUndefined();
    expect(properties(read("deploy/trino/log.properties"))).toEqual(properties(startShWrites("log.properties", vars)));
  });
});
