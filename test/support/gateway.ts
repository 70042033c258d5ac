import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../src/config";
import { createGateway, type Gateway } from "../../src/main";
import { createScratchDatabase, randomKeyRing } from "./databases";
import { serviceUrls } from "./service-urls";

export type StoreKind = "pglite" | "postgres";

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export interface Caller {
  accountId: string;
  admin: string;
  reader: string;
}

export interface TestGateway {
  gateway: Gateway;
  url: string;
  /** Every log line, response body and response header this gateway produced: searched for leaked secrets. */
  captured: string[];
  logs: string[];
  /** Two accounts, each with an admin and a reader token. */
  a: Caller;
  b: Caller;
  http(method: string, pathName: string, options?: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<HttpResult>;
  gql(query: string, variables?: Record<string, unknown>, token?: string): Promise<HttpResult>;
  stop(): Promise<void>;
}

/** A real gateway on a real port, with the metadata store of `store`, and two accounts to test scoping. */
export async function startGateway(store: StoreKind, env: Record<string, string> = {}): Promise<TestGateway> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-test-"));
  const scratch = store === "postgres" ? await createScratchDatabase(serviceUrls.postgres!) : null;
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    LOG_LEVEL: "info",
    DEMO: "false",
    ENCRYPTION_KEYS: randomKeyRing(),
    ...(scratch ? { DATABASE_URL: scratch.url } : {}),
    ...env,
  });
  const logs: string[] = [];
  const captured: string[] = [];
  const gateway = await createGateway(config, {
    logDestination: { write: (line: string) => void logs.push(line) },
    out: (line) => void logs.push(line),
  });
  const url = await gateway.listen();
  const caller = async (name: string): Promise<Caller> => {
    const account = await gateway.core.accounts.create(name);
    return {
      accountId: account.id,
      admin: (await gateway.core.auth.createToken(account.id, "admin")).token,
      reader: (await gateway.core.auth.createToken(account.id, "reader")).token,
    };
  };
  const a = await caller("account a");
  const b = await caller("account b");

  const http: TestGateway["http"] = async (method, pathName, options = {}) => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = options.token;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(url + pathName, { method, headers, body });
    const text = await res.text();
    captured.push(text, JSON.stringify([...res.headers]));
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  };
  return {
    gateway,
    url,
    captured,
    logs,
    a,
    b,
    http,
    gql: (query, variables, token) => http("POST", "/graphql", { token, body: { query, variables } }),
    async stop() {
      await gateway.stop(1_000);
      captured.push(...logs);
      await scratch?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
