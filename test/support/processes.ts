import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { projectRoot } from "../../src/paths";

export const ROOT = projectRoot();
export const CLI = path.join(ROOT, "dist/src/cli.js");

/** The environment of a child gateway: the test's own, minus the services a test did not ask for. */
export function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const name of ["DATABASE_URL", "REDIS_URL", "TRINO_URL", "ENCRYPTION_KEYS", "ALLOWED_HOSTS", "PORT", "DATA_DIR"]) delete base[name];
  return { ...base, ...env };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI to completion. */
export function runCli(args: string[], env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: childEnv(env) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`cli ${args.join(" ")} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Served {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Sends the signal (SIGTERM by default) to the process group and resolves with how it exited. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a long-running command and waits for its ready line (a gateway's "listening on <url>" by default). */
export function serve(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 90_000,
  ready: RegExp = /listening on (http:\/\/[^\s]+)/,
): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: childEnv(env), detached: true });
    let out = "";
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          child,
          url: m[1] ?? "",
          output: () => out,
          stop: (signal = "SIGTERM") =>
            new Promise((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done({ code: child.exitCode, signal: child.signalCode });
              child.once("exit", (code, sig) => done({ code, signal: sig }));
              process.kill(-child.pid!, signal);
            }),
        });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`exited with ${code} before listening:\n${out}`)));
    const timer = setTimeout(() => {
      process.kill(-child.pid!, "SIGKILL");
      reject(new Error(`not listening after ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
  });
}

// Children still running when this process exits (a crash, an interrupted run) are taken down with it.
const running = new Set<number>();
process.once("exit", () => {
  for (const pid of running) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

/** Registers a served child (started detached, in a group of its own) to be killed if this process exits first. */
export function reapOnExit(served: Served): Served {
  const pid = served.child.pid!;
  running.add(pid);
  served.child.once("exit", () => running.delete(pid));
  return served;
}
