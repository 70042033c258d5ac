import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";

/** What a lock file says about the process holding it. */
export interface LockHolder {
  readonly pid: number;
  /** The command that holds it: "serve", "account create", ... */
  readonly command: string;
  readonly startedAt: string;
  /** Where /proc exists: the process's start time in clock ticks since boot, so a reused pid is not taken for it. */
  readonly processStart?: string;
  /** The host (a container's own name): a pid is only judged on the host that wrote it. */
  readonly hostname?: string;
  /** Set by a serving process: where the embedded store answers, and the gateway's own URL once listening. */
  readonly socketDir?: string;
  readonly url?: string;
}

/**
 * A lock file naming the process that holds it, created exclusively. A lock whose process is gone (killed, or the
 * machine restarted) is stale and taken over; there is no heartbeat, so a busy holder is never mistaken for a dead
 * one. In a container the server is often pid 1 on every run, so a lock naming our own pid is stale too.
 */
export class PidLock {
  private released = false;
  private readonly onExit = () => this.releaseSync();

  private constructor(
    readonly file: string,
    private holder: LockHolder,
  ) {
    process.once("exit", this.onExit);
  }

  /** Takes the lock, or returns who holds it. */
  static tryAcquire(file: string, command: string): PidLock | LockHolder {
    const mine: LockHolder = {
      pid: process.pid,
      command,
      startedAt: new Date().toISOString(),
      processStart: processStart(process.pid) ?? undefined,
      hostname: os.hostname(),
    };
    for (let attempt = 0; attempt < 50; attempt++) {
      if (publish(file, mine)) return new PidLock(file, mine);
      const seen = readLock(file);
      if (seen === "missing") continue;
      if (seen !== "unreadable" && isAlive(seen)) return seen;
      takeOverStale(file, seen);
    }
    throw new Error(`${file}: could not take the lock (it kept changing)`);
  }

  /** Polls until the lock is ours or its holder is one `keepWaiting` refuses to wait for; gives up after `waitMs`. */
  static async acquire(file: string, command: string, waitMs: number, keepWaiting: (holder: LockHolder) => boolean): Promise<PidLock | LockHolder> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const result = PidLock.tryAcquire(file, command);
      if (result instanceof PidLock || !keepWaiting(result) || Date.now() >= deadline) return result;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Adds what others need to find this holder (its socket, its URL); the lock stays held throughout. */
  update(fields: Partial<Pick<LockHolder, "socketDir" | "url">>): void {
    this.holder = { ...this.holder, ...fields };
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.holder) + "\n", { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  release(): void {
    this.releaseSync();
    process.removeListener("exit", this.onExit);
  }

  private releaseSync(): void {
    if (this.released) return;
    this.released = true;
    const seen = readLock(this.file);
    if (seen !== "missing" && seen !== "unreadable" && seen.pid === process.pid && seen.startedAt === this.holder.startedAt) {
      fs.rmSync(this.file, { force: true });
    }
  }
}

/** Writes a complete file, then links it into place: readers never see a half-written lock, and link() fails if one exists. */
function publish(file: string, holder: LockHolder): boolean {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(holder) + "\n", { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function readLock(file: string): LockHolder | "missing" | "unreadable" {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw error;
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    return Number.isInteger(holder.pid) && holder.pid > 0 ? holder : "unreadable";
  } catch {
    // Locks are linked into place whole, so an unreadable one was not written by a live holder of ours.
    return "unreadable";
  }
}

function isAlive(holder: LockHolder): boolean {
  // Another container on the same volume: its pids mean nothing here, so its lock is never judged stale.
  if (holder.hostname !== undefined && holder.hostname !== os.hostname()) return true;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // After a reboot or in a new container the pid may belong to another process now: its start time tells.
  const started = holder.processStart ? processStart(holder.pid) : null;
  return started === null || started === holder.processStart;
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command, which may hold spaces); null without /proc. */
function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Removes a lock judged stale, under a short-lived takeover lock of its own: only its holder may remove the main
 * lock, and only after reading it again and finding the very lock it judged (not a fresh one another process
 * published meanwhile). A takeover lock left by a process that died in those few microseconds is stale in turn.
 */
function takeOverStale(file: string, seen: LockHolder | "unreadable"): void {
  const guard = `${file}.takeover`;
  if (
    !publish(guard, { pid: process.pid, command: "takeover", startedAt: new Date().toISOString(), processStart: processStart(process.pid) ?? undefined, hostname: os.hostname() })
  ) {
    const other = readLock(guard);
    if (other === "unreadable" || (other !== "missing" && !isAlive(other))) fs.rmSync(guard, { force: true });
    // Someone else is taking over (it takes microseconds): pause a moment, then the caller reads the lock again.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    return;
  }
  try {
    const now = readLock(file);
    const same = seen === "unreadable" ? now === "unreadable" : now !== "missing" && now !== "unreadable" && now.pid === seen.pid && now.startedAt === seen.startedAt;
    if (same) fs.rmSync(file, { force: true });
  } finally {
    fs.rmSync(guard, { force: true });
  }
}
