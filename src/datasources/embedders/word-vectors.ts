import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "../../paths";

/**
 * The trimmed GloVe word vectors of datasets/word-vectors/glove-100d.wvec, written by
 * scripts/embeddings/trim-vectors.mjs (which describes the format): ~49k English words, 100 dimensions,
 * already post-processed, with each word's nearest neighbours precomputed. Loaded once per process and
 * shared: 8 MB on disk, ~50 MB of RSS, ~0.3 s to load (synchronously, in the constructor of LocalEmbedder).
 */
export interface WordVectors {
  readonly dims: number;
  readonly words: readonly string[];
  /** sha256 hex of the file: part of the embedder's model name, so new vectors mean a re-embedding. */
  readonly sha256: string;
  /** Row of a word, or undefined when the word is not in the file. */
  row(word: string): number | undefined;
  /** 0-based frequency rank of the word in the source corpus (smaller = more common), or undefined. */
  rank(word: string): number | undefined;
  /** Unit-length vectors, row after row (`dims` floats each). */
  readonly vectors: Float32Array;
  /** Nearest neighbours of a row, most similar first: [row, cosine] pairs (cosine >= 0.5). */
  neighbours(row: number): [number, number][];
}

export const DEFAULT_VECTOR_FILE = "datasets/word-vectors/glove-100d.wvec";

const cache = new Map<string, WordVectors>();

export function loadWordVectors(file = path.join(projectRoot(), DEFAULT_VECTOR_FILE)): WordVectors {
  let wv = cache.get(file);
  if (!wv) cache.set(file, (wv = parseWordVectors(fs.readFileSync(file))));
  return wv;
}

export function parseWordVectors(buf: Buffer): WordVectors {
  if (buf.length < 24 || buf.toString("ascii", 0, 4) !== "WVEC" || buf.readUInt32LE(4) !== 1) {
    throw new Error("not a WVEC v1 word-vector file");
  }
  const [n, dims, links, wordBytes] = [8, 12, 16, 20].map((o) => buf.readUInt32LE(o));
  const ranksAt = 24;
  const scalesAt = ranksAt + n * 4;
  const dataAt = scalesAt + n * 4;
  const startsAt = dataAt + n * dims;
  const linksAt = startsAt + (n + 1) * 4;
  const simsAt = linksAt + links * 4;
  const wordsAt = simsAt + links;
  if (wordsAt + wordBytes !== buf.length) throw new Error("word-vector file is truncated or malformed");
  const words = buf.toString("utf8", wordsAt, wordsAt + wordBytes).split("\n");
  if (words.length !== n) throw new Error("word-vector file: word count mismatch");

  const rows = new Map<string, number>();
  const ranks = new Uint32Array(n);
  const vectors = new Float32Array(n * dims);
  for (let i = 0; i < n; i++) {
    rows.set(words[i], i);
    ranks[i] = buf.readUInt32LE(ranksAt + i * 4);
    // Quantised to int8 per word; back to unit length (the scale cancels out).
    let norm = 0;
    for (let d = 0; d < dims; d++) norm += buf.readInt8(dataAt + i * dims + d) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < dims; d++) vectors[i * dims + d] = buf.readInt8(dataAt + i * dims + d) / norm;
  }
  const starts = new Uint32Array(n + 1);
  for (let i = 0; i <= n; i++) starts[i] = buf.readUInt32LE(startsAt + i * 4);
  const targets = new Uint32Array(links);
  const sims = new Float32Array(links);
  for (let k = 0; k < links; k++) {
    targets[k] = buf.readUInt32LE(linksAt + k * 4);
    sims[k] = buf.readUInt8(simsAt + k) / 255;
  }

  return {
    dims,
    words,
    sha256: createHash("sha256").update(buf).digest("hex"),
    row: (w) => rows.get(w),
    rank: (w) => {
      const i = rows.get(w);
      return i === undefined ? undefined : ranks[i];
    },
    vectors,
    neighbours: (row) => {
      const out: [number, number][] = [];
      for (let k = starts[row]; k < starts[row + 1]; k++) out.push([targets[k], sims[k]]);
      return out;
    },
  };
}
