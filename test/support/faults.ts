import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { runCli, ROOT, serve, type Served } from "./processes";

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until `check` holds. A check that throws counts as "not yet" (a service on its way back refuses calls),
 * but its last error is in the timeout message, so a real bug does not pass for slowness.
 */
export async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  let lastError: unknown = null;
  while (Date.now() < end) {
    try {
      if (await check()) return;
      lastError = null;
    } catch (error) {
      lastError = error;
    }
    await sleep(100);
  }
  const cause = lastError ? `; the last check threw: ${(lastError as Error).message ?? String(lastError)}` : "";
  throw new Error(`timed out after ${ms} ms waiting for ${what}${cause}`);
}

async function listening(port: number): Promise<boolean> {
  return new Promise((r) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("connect", () => (socket.end(), r(true))).on("error", () => r(false));
  });
}

/** A Redis of the test's own, so stopping it does not disturb the suites that share the machine's. */
export async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  await until(() => listening(port), 5_000, `redis-server on ${port}`);
  return child;
}

/**
 * A Trino node of the test's own (the shared one must stay up for the other suites), started by the project's
 * script. Its server/ is a link to the one `npm run trino:start` laid out, so nothing is unpacked again.
 */
export class PrivateTrino {
  private readonly home = fs.mkdtempSync(path.join(os.tmpdir(), "gw-trino-"));
  readonly url: string;

  constructor(readonly port: number) {
    this.url = `http://127.0.0.1:${port}`;
    const shared = path.join(process.env.TRINO_HOME ?? path.join(ROOT, ".tools/trino"), "server");
    if (!fs.existsSync(path.join(shared, ".layout"))) throw new Error(`no Trino laid out at ${shared}: run npm run trino:start first`);
    fs.symlinkSync(shared, path.join(this.home, "server"));
  }

  /** Starts the node (1 GB of heap: it shares the machine with the test run) and resolves once it answers queries. */
  start(): Promise<void> {
    return this.script("start.sh");
  }

  /** Runs the start script again while the node runs: what a second `npm run trino:start` does. */
  async startAgain(): Promise<{ ms: number }> {
    const started = performance.now();
    await this.script("start.sh", 15_000);
    return { ms: performance.now() - started };
  }

  /** Kills the JVM at once (no graceful shutdown): what a crash or an OOM kill looks like to the gateway. */
  kill(): void {
    const pid = Number(fs.readFileSync(path.join(this.home, "trino.pid"), "utf8").trim());
    process.kill(pid, "SIGKILL");
  }

  async stop(): Promise<void> {
    await this.script("stop.sh").catch(() => undefined);
    fs.rmSync(this.home, { recursive: true, force: true });
  }

  /** Runs one of the Trino scripts; past `timeoutMs` it is killed and the call fails. */
  private script(name: string, timeoutMs = 300_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn("bash", [path.join(ROOT, "scripts/trino", name)], {
        cwd: ROOT,
        env: { ...process.env, TRINO_HOME: this.home, TRINO_PORT: String(this.port), TRINO_HEAP: "1G" },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let err = "";
      child.stderr.on("data", (d) => (err += d));
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`${name} did not finish within ${timeoutMs} ms:\n${err}`));
      }, timeoutMs);
      child.on("exit", (code) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`${name} exited with ${code}:\n${err}`));
      });
    });
  }
}

export interface ApiResult {
  status: number;
  headers: Headers;
  body: any;
  ms: number;
}

/** Calls a gateway process over real HTTP with a token; connection failures reject (a refused socket is a result). */
export function apiClient(baseUrl: () => string, token: string) {
  return async (method: string, pathName: string, body?: unknown): Promise<ApiResult> => {
    const started = performance.now();
    const res = await fetch(baseUrl() + pathName, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: kept as text for the assertion message
    }
    return { status: res.status, headers: res.headers, body: parsed, ms: performance.now() - started };
  };
}

/** What an operator does before the first `serve`: `migrate`, then an account and an admin token from the CLI. */
export async function provision(env: Record<string, string>): Promise<{ token: string; accountId: string }> {
  const step = async (args: string[]) => {
    const run = await runCli(args, env);
    if (run.code !== 0) throw new Error(`cli ${args.slice(0, 2).join(" ")} failed: ${run.stderr}`);
    return run.stdout.trim();
  };
  await step(["migrate"]);
  const accountId = await step(["account", "create", "--name", "gateway-test"]);
  return { accountId, token: await step(["token", "create", "--account", accountId, "--role", "admin"]) };
}

/** A gateway as operators run it: provisioned, then `serve`. */
export async function servedGateway(env: Record<string, string>): Promise<{ served: Served; token: string; accountId: string }> {
  const { token, accountId } = await provision(env);
  const served = await serve(process.execPath, ["dist/src/cli.js", "serve"], { PORT: "0", DEMO: "false", ...env });
  return { served, token, accountId };
}

export const startWorker = (env: Record<string, string>) => serve(process.execPath, ["dist/src/cli.js", "worker"], env, 60_000, /Worker started/);
