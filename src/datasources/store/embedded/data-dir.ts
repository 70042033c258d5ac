import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PidLock, type LockHolder } from "./pid-lock";

/** A live gateway already serves this data folder, or another command has held it for too long. */
export class DataDirBusyError extends Error {
  constructor(dataDir: string, holder: LockHolder) {
    const who = holder.command === "serve" ? `a gateway (pid ${holder.pid}${holder.url ? `, serving ${holder.url}` : ", starting"})` : `'${holder.command}' (pid ${holder.pid})`;
    super(`DATA_DIR ${dataDir} is in use by ${who}; stop it first or set another DATA_DIR`);
    this.name = "DataDirBusyError";
  }
}

/** How a process reaches the embedded store of a data folder. */
export type DataDirAccess =
  /** This process holds the folder: it runs the store itself and listens on `socketDir`. */
  | { kind: "owner"; lock: PidLock; socketDir: string; release(): void }
  /** A serving gateway holds it: connect to the store it serves on `socketDir`. */
  | { kind: "client"; holder: LockHolder; socketDir: string };

const LOCK_FILE = "gateway.lock";
/** A CLI command holds the folder for seconds at most; a starting gateway publishes its socket within seconds. */
const WAIT_FOR_OTHERS_MS = 30_000;

/**
 * One owner per data folder. `serve` takes the lock and refuses to start while another gateway holds it; any other
 * command connects to the store a serving gateway exposes, or, when none runs, takes the lock itself. Commands wait
 * for each other (and for a gateway that is still starting) instead of opening the same folder twice.
 */
export async function claimDataDir(dataDir: string, command: string, options: { requireServer?: boolean } = {}): Promise<DataDirAccess> {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, LOCK_FILE);
  const serving = (h: LockHolder) => h.command === "serve" && h.socketDir !== undefined;
  const result = await PidLock.acquire(file, command, WAIT_FOR_OTHERS_MS, (holder) => (command === "serve" ? holder.command !== "serve" : !serving(holder)));
  if (result instanceof PidLock) {
    if (options.requireServer) {
      result.release();
      throw new Error(`'${command}' in embedded mode works through a running gateway: start serve on DATA_DIR ${dataDir} first (or set DATABASE_URL)`);
    }
    // Published in the lock only once the store listens there (the caller's update), so no command dials it early.
    const socketDir = socketDirFor(dataDir);
    const release = () => {
      result.release();
      if (socketDir !== path.resolve(dataDir)) fs.rmSync(socketDir, { recursive: true, force: true });
    };
    return { kind: "owner", lock: result, socketDir, release };
  }
  if (command !== "serve" && serving(result)) return { kind: "client", holder: result, socketDir: result.socketDir! };
  throw new DataDirBusyError(dataDir, result);
}

/**
 * The folder for the store's Unix socket: the data folder itself (mode 0700, so only its owner can connect), or, when
 * its path is too long for a socket address (about 107 bytes), a new private folder under the system's temp folder
 * (mkdtemp: a name nobody could create first; commands find it in the lock).
 */
function socketDirFor(dataDir: string): string {
  const absolute = path.resolve(dataDir);
  if (Buffer.byteLength(path.join(absolute, ".s.PGSQL.5432")) <= 100) return absolute;
  return fs.mkdtempSync(path.join(os.tmpdir(), "connections-gateway-"));
}
