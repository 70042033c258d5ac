import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { PGLiteSocketHandler } from "@electric-sql/pglite-socket";
import { PgliteThread, type RunOutcome, type Work } from "./pglite-thread";
import { errorResponse, SqlState } from "./wire-messages";

export interface EmbeddedPostgresOptions {
  /** The data folder; null keeps everything in memory. */
  readonly dir: string | null;
  /** TCP on a host and port (0: any free port), or a Unix socket `<socketDir>/.s.PGSQL.5432` (what libpq and pg dial). */
  readonly listen: { host: string; port: number } | { socketDir: string };
  readonly maxConnections: number;
  /**
   * The longest a statement may wait for its turn and run. PGlite cannot cancel a statement, so one that runs
   * past it is answered with SQLSTATE 57014 and the thread running it is ended and started again.
   */
  readonly statementTimeoutMs: number;
  /** Names the database in errors: "demo database", "metadata store". */
  readonly name: string;
  readonly onRestart?: (event: { reason: string; restartMs: number; restarts: number }) => void;
}

interface Item {
  /** The client connection it came from; INTERNAL for the server's own statements. */
  readonly handlerId: number;
  readonly work: Work;
  readonly onData: (chunk: Uint8Array) => void;
  readonly resolve: (outcome: RunOutcome & { bytes: number }) => void;
  readonly reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
  bytes: number;
}

interface Client {
  readonly handler: PGLiteSocketHandler;
  readonly socket: net.Socket;
}

const INTERNAL = -1;
/** Parse, Bind, Describe, Execute, Close, Flush: one statement's messages, which end with a Sync. */
const HOLDS_UNTIL_SYNC = new Set([..."PBDECH"].map((c) => c.charCodeAt(0)));
const SYNC = Uint8Array.of(0x53, 0, 0, 0, 4);
const CANCEL_REQUEST_CODE = 80877102;
const ignore = () => undefined;
const SOCKET_FILE = ".s.PGSQL.5432";

/**
 * PGlite behind the PostgreSQL wire protocol, with the database itself in a worker thread: a slow statement blocks
 * that thread only, never the caller's event loop. Statements from every client go through one queue, one at a
 * time, and a client's open transaction keeps the others waiting until it ends (PGlite is one session). Every
 * statement has a deadline; past it, the thread is restarted on the same folder (every committed write stays).
 */
export class EmbeddedPostgres {
  private thread: PgliteThread | null = null;
  private opening: Promise<void> | null = null;
  private readonly queue: Item[] = [];
  private running: Item | null = null;
  /**
   * The client that holds PGlite's one session: its transaction is open, or it is between the messages of one
   * extended-protocol statement (Parse … Sync). Only its messages may run until it lets go, so two clients'
   * statements never interleave.
   */
  private sessionOwner: number | null = null;
  /** Clients that went away; if one of them holds the session, it is reset before anything else runs. */
  private readonly departed = new Set<number>();
  private readonly clients = new Map<number, Client>();
  /** Every open socket, refused ones included, so close() never waits for a client to hang up. */
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | null = null;
  private closed = false;
  private restartCount = 0;
  /** When the session's holder last finished a statement, and the timer that evicts it if it then idles. */
  private ownerIdleSince = 0;
  private idleWatch: NodeJS.Timeout | null = null;
  /** Where clients connect: host and port for `pg` (for a Unix socket, host is its folder and port 5432). */
  host = "";
  port = 0;

  private constructor(private readonly options: EmbeddedPostgresOptions) {}

  /** Opens the database in a new thread and listens. */
  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const pg = new EmbeddedPostgres(options);
    const fresh = options.dir !== null && !fs.existsSync(path.join(options.dir, "PG_VERSION"));
    pg.thread = await PgliteThread.start(options.dir);
    try {
      await pg.listen();
      if (fresh) await pg.recycle();
    } catch (error) {
      await pg.close();
      throw error;
    }
    return pg;
  }

  /**
   * Closes the database and opens the folder again in a fresh thread, if nothing is running or waiting: initdb and
   * bulk loads leave the WASM heap at about twice what serving the same folder needs (measured 1.7 GB vs 0.8 GB for
   * the gateway's two), and a WASM heap never shrinks.
   */
  async recycle(): Promise<void> {
    const old = this.thread;
    if (!old || this.running || this.queue.length > 0 || this.opening || this.sessionOwner !== null) return;
    this.thread = null;
    this.opening = (async () => {
      await old.close();
      this.thread = await PgliteThread.start(this.options.dir);
    })().finally(() => {
      this.opening = null;
      this.pump();
    });
    await this.opening;
  }

  /** How often a runaway statement made this database restart. */
  get restarts(): number {
    return this.restartCount;
  }

  /** Runs SQL text as the server itself (a load script, a check), queued like any client's statement. */
  query<R = Record<string, unknown>>(sql: string, timeoutMs = this.options.statementTimeoutMs): Promise<R[]> {
    return new Promise<RunOutcome & { bytes: number }>((resolve, reject) => {
      this.enqueue({ handlerId: INTERNAL, work: { type: "sql", sql }, onData: () => undefined, resolve, reject, bytes: 0 }, timeoutMs);
    }).then((outcome) => outcome.rows as R[]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.idleWatch) clearTimeout(this.idleWatch);
    const server = this.server;
    const stopped = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const socket of this.sockets) socket.destroy();
    this.clients.clear();
    const gone = new Error(`the ${this.options.name} is shutting down`);
    for (const item of this.queue.splice(0)) this.settle(item, gone);
    await this.opening?.catch(() => undefined);
    // A running statement is abandoned (the thread is killed); an idle thread closes the database cleanly.
    await this.thread?.close();
    await stopped;
    if ("socketDir" in this.options.listen) fs.rmSync(path.join(this.options.listen.socketDir, SOCKET_FILE), { force: true });
  }

  private async listen(): Promise<void> {
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    const target = this.options.listen;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      if ("socketDir" in target) {
        // The caller holds the data folder's lock, so a socket file left here belongs to a dead process.
        const file = path.join(target.socketDir, SOCKET_FILE);
        fs.rmSync(file, { force: true });
        server.listen(file, () => resolve());
      } else {
        server.listen(target.port, target.host, () => resolve());
      }
    });
    if ("socketDir" in target) {
      fs.chmodSync(path.join(target.socketDir, SOCKET_FILE), 0o600);
      this.host = target.socketDir;
      this.port = 5432;
    } else {
      const address = server.address() as net.AddressInfo;
      this.host = address.address;
      this.port = address.port;
    }
  }

  private accept(socket: net.Socket): void {
    // A client that resets its connection must never take the process with it. The handler strips every listener
    // of its socket when it detaches, which would leave a later reset unheard, so this one is put back each time.
    const strip = socket.removeAllListeners.bind(socket);
    socket.removeAllListeners = (event?: string | symbol) => {
      strip(event);
      if (event === undefined || event === "error") socket.on("error", ignore);
      return socket;
    };
    socket.on("error", ignore);
    // The handler reads a CancelRequest and ignores it but keeps the socket, which would hold a connection slot
    // forever (PostgreSQL closes it). PGlite cannot cancel a statement anyway: the deadline stops it.
    socket.once("data", (chunk: Buffer) => {
      if (chunk.length >= 8 && chunk.readInt32BE(0) === 16 && chunk.readInt32BE(4) === CANCEL_REQUEST_CODE) socket.end();
    });
    // The handler removes every "close" listener when it detaches, so closed sockets are also pruned here.
    for (const s of this.sockets) if (s.destroyed) this.sockets.delete(s);
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    if (this.closed || this.clients.size >= this.options.maxConnections) {
      const why = this.closed ? `the ${this.options.name} is shutting down` : `too many connections to the ${this.options.name} (at most ${this.options.maxConnections})`;
      socket.write(errorResponse(this.closed ? SqlState.ADMIN_SHUTDOWN : SqlState.TOO_MANY_CONNECTIONS, why, "FATAL"));
      endSoon(socket);
      return;
    }
    const handler = new PGLiteSocketHandler({ queryQueue: this.queueForHandlers as never, closeOnDetach: true });
    this.clients.set(handler.handlerId, { handler, socket });
    const forget = () => this.clients.delete(handler.handlerId);
    handler.addEventListener("close", forget);
    handler.addEventListener("error", forget);
    handler.attach(socket).catch(() => {
      forget();
      socket.destroy();
    });
  }

  /** What PGLiteSocketHandler calls: it frames the client's messages and hands each one over here. */
  private readonly queueForHandlers = {
    enqueue: (handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> => {
      if (this.closed || !this.clients.has(handlerId)) return Promise.reject(new Error("connection closed"));
      return new Promise<RunOutcome & { bytes: number }>((resolve, reject) => {
        this.enqueue({ handlerId, work: { type: "protocol", bytes: message }, onData, resolve, reject, bytes: 0 }, this.options.statementTimeoutMs);
      }).then((outcome) => outcome.bytes);
    },
    clearQueueForHandler: (handlerId: number): void => {
      for (const item of this.queue.filter((i) => i.handlerId === handlerId)) {
        this.queue.splice(this.queue.indexOf(item), 1);
        this.settle(item, new Error("client disconnected"));
      }
    },
    clearTransactionIfNeeded: async (handlerId: number): Promise<void> => {
      // Its session (held now, or by the statement still running) is reset before anyone else runs.
      if (this.sessionOwner === handlerId || this.running?.handlerId === handlerId) this.departed.add(handlerId);
      this.pump();
    },
  };

  private enqueue(item: Item, timeoutMs: number): void {
    if (this.closed) return item.reject(new Error(`the ${this.options.name} is shutting down`));
    item.timer = setTimeout(() => this.overrun(item, timeoutMs), timeoutMs);
    this.queue.push(item);
    this.pump();
  }

  /** Starts the next message: the session's holder goes first, everyone else in arrival order. */
  private pump(): void {
    if (this.running || this.closed) return;
    if (!this.thread?.alive) {
      // It died while idle (out of memory, say): whoever held the session lost it, as in a restart.
      if (this.thread) this.restart("the thread stopped while idle", null, SqlState.ADMIN_SHUTDOWN);
      else this.reopen();
      return;
    }
    if (this.sessionOwner !== null && this.departed.has(this.sessionOwner)) {
      // Sync ends a half-sent extended-protocol statement (after an error PostgreSQL skips everything until one);
      // ROLLBACK ends its transaction, if any (outside one it is only a warning).
      this.departed.delete(this.sessionOwner);
      this.sessionOwner = null;
      this.queue.unshift(this.internal({ type: "protocol", bytes: SYNC }), this.internal({ type: "sql", sql: "ROLLBACK" }));
    }
    const next = this.sessionOwner === null ? 0 : this.queue.findIndex((i) => i.handlerId === this.sessionOwner);
    if (next < 0 && this.queue.length > 0) this.watchIdleOwner();
    if (next < 0 || next >= this.queue.length) return;
    const [item] = this.queue.splice(next, 1);
    this.running = item;
    const thread = this.thread;
    thread
      .run(item.work, (chunk) => {
        item.bytes += chunk.length;
        item.onData(chunk);
      })
      .then(
        (outcome) => {
          if (this.running !== item) return; // answered already: it overran and the thread was replaced
          this.running = null;
          const midStatement = item.work.type === "protocol" && HOLDS_UNTIL_SYNC.has(item.work.bytes[0]);
          this.sessionOwner = outcome.inTransaction || midStatement ? item.handlerId : null;
          if (this.sessionOwner === null) this.departed.delete(item.handlerId);
          this.ownerIdleSince = performance.now();
          clearTimeout(item.timer);
          item.resolve({ ...outcome, bytes: item.bytes });
          this.pump();
        },
        (error: Error) => {
          if (this.running !== item) return;
          if (thread.alive) {
            // SQL text of the server's own that failed: its error is the answer; a transaction it opened is ended.
            this.running = null;
            this.settle(item, error);
            if (item.work.type !== "sql" || item.work.sql !== "ROLLBACK") this.queue.unshift(this.internal({ type: "sql", sql: "ROLLBACK" }));
            this.pump();
            return;
          }
          // The thread died under the statement (out of memory, a WASM abort): same recovery as a runaway.
          this.restart(`the thread failed: ${error.message}`, item, SqlState.ADMIN_SHUTDOWN);
        },
      );
  }

  private overrun(item: Item, timeoutMs: number): void {
    if (this.running === item) {
      this.restart(`a statement ran past ${timeoutMs} ms`, item, SqlState.QUERY_CANCELED);
      return;
    }
    const at = this.queue.indexOf(item);
    if (at < 0) return;
    this.queue.splice(at, 1);
    this.reply(item, SqlState.QUERY_CANCELED, `canceling statement due to statement timeout: it waited ${timeoutMs} ms for its turn`);
  }

  /**
   * A client holding the session while sending nothing (idle in a transaction) would starve everyone else. Like
   * PostgreSQL's idle_in_transaction_session_timeout: once it has been idle for half the deadline while others wait,
   * its connection is closed and its transaction rolled back, early enough for the waiting statements to run.
   */
  private watchIdleOwner(): void {
    if (this.idleWatch) return;
    const owner = this.sessionOwner;
    const limit = this.options.statementTimeoutMs / 2;
    this.idleWatch = setTimeout(
      () => {
        this.idleWatch = null;
        const idle = this.sessionOwner === owner && owner !== null && owner !== INTERNAL && this.running === null;
        if (!idle || this.queue.length === 0 || this.queue.some((i) => i.handlerId === owner)) return this.pump();
        if (performance.now() - this.ownerIdleSince < limit) return this.watchIdleOwner();
        const client = this.clients.get(owner);
        client?.socket.write(errorResponse(SqlState.IDLE_IN_TRANSACTION_TIMEOUT, "terminating connection due to idle-in-transaction timeout", "FATAL"));
        if (client) endSoon(client.socket);
        this.departed.add(owner);
        this.pump();
      },
      Math.max(1, this.ownerIdleSince + limit - performance.now()),
    );
  }

  /**
   * Ends the thread (the only way to stop a PGlite statement) and opens the folder again in a new one. The statement
   * that caused it gets `culpritState` and its connection is closed. The others keep theirs: PGlite is one session
   * shared by all, none of them held it (the culprit did), so their waiting messages simply run on the new thread.
   */
  private restart(reason: string, culprit: Item | null, culpritState: string): void {
    const old = this.thread;
    const owner = this.sessionOwner;
    this.thread = null;
    this.running = null;
    this.sessionOwner = null;
    this.departed.clear();
    const name = this.options.name;
    const message =
      culpritState === SqlState.QUERY_CANCELED
        ? `canceling statement due to statement timeout: it ran past ${this.options.statementTimeoutMs} ms, and the ${name} was restarted to stop it`
        : `terminating connection: the ${name} failed and is restarting`;
    if (culprit) this.reply(culprit, culpritState, message);
    // A transaction held by someone else is gone with the thread: close that connection too, so its COMMIT can never
    // report writes that were lost.
    const holder = owner !== null && owner !== culprit?.handlerId ? this.clients.get(owner) : undefined;
    if (holder) {
      holder.socket.write(errorResponse(SqlState.ADMIN_SHUTDOWN, `terminating connection: the ${name} restarted`, "FATAL"));
      endSoon(holder.socket);
    }
    this.restartCount += 1;
    // The folder is opened again only once the old thread has stopped touching it.
    this.reopen(reason, old?.kill());
  }

  /** Opens the folder in a new thread, once, however many callers ask meanwhile. */
  private reopen(reason = "the thread had stopped", after: Promise<void> = Promise.resolve()): void {
    if (this.opening || this.closed) return;
    const started = performance.now();
    this.opening = after
      .then(() => PgliteThread.start(this.options.dir))
      .then(
        async (thread) => {
          this.opening = null;
          if (this.closed) return thread.close();
          this.thread = thread;
          this.options.onRestart?.({ reason, restartMs: Math.round(performance.now() - started), restarts: this.restartCount });
          this.pump();
        },
        (error: Error) => {
          this.opening = null;
          for (const item of this.queue.splice(0)) {
            this.reply(item, SqlState.CANNOT_CONNECT_NOW, `the ${this.options.name} could not be reopened: ${error.message}`, "FATAL");
          }
        },
      );
  }

  private internal(work: Work): Item {
    const item: Item = { handlerId: INTERNAL, work, onData: () => undefined, resolve: () => undefined, reject: () => undefined, bytes: 0 };
    item.timer = setTimeout(() => this.overrun(item, this.options.statementTimeoutMs), this.options.statementTimeoutMs);
    return item;
  }

  /** Answers a statement with a PostgreSQL error and closes its connection: after this its session is gone. */
  private reply(item: Item, sqlState: string, message: string, severity: "ERROR" | "FATAL" = "ERROR"): void {
    clearTimeout(item.timer);
    if (item.handlerId === INTERNAL) return item.reject(Object.assign(new Error(message), { code: sqlState }));
    item.onData(errorResponse(sqlState, message, severity));
    const client = this.clients.get(item.handlerId);
    if (client) endSoon(client.socket);
    item.reject(new Error(message));
  }

  /** Rejects without writing to the client: it is gone, or the server is closing. */
  private settle(item: Item, error: Error): void {
    clearTimeout(item.timer);
    item.reject(error);
  }
}

/** end() lets the error just written reach the client; destroy() follows in case it never closes its side. */
function endSoon(socket: net.Socket): void {
  socket.end();
  setTimeout(() => socket.destroy(), 1_000).unref();
}
