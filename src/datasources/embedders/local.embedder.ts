import type { Embedder } from "./embedder";
import { TextAnalyzer, type Term } from "./text-analyzer";
import { loadWordVectors, type WordVectors } from "./word-vectors";

/**
 * The weights of the method. The defaults were set on the main questions of test/fixtures/search, so they flatter
 * those; test/bench/search-quality.bench.ts also reports held-out and blind questions.
 */
export interface LocalEmbedderWeights {
  /** Share of the similarity given to the lexical part; the rest goes to the word-vector part. */
  lexicalShare: number;
  /** Share of a vector given to the head (first two lines: title and comment); the rest goes to the other lines. */
  headShare: number;
  /** Weight of a term on the first line (the title) and on the second (the comment); later lines weigh 1. */
  titleWeight: number;
  commentWeight: number;
  /** A term weighs log(1 + rank / rarityScale), rank being its frequency rank in English. */
  rarityScale: number;
  /** Weight, relative to the term, of each of its nearest word-vector neighbours added as lexical features. */
  neighbourWeight: number;
  /** Weight of a term's character trigrams, relative to the term, in the lexical part. */
  trigramWeight: number;
}

const DEFAULT_WEIGHTS: Readonly<LocalEmbedderWeights> = {
  lexicalShare: 0.4,
  headShare: 0.6,
  titleWeight: 3,
  commentWeight: 2,
  rarityScale: 30,
  neighbourWeight: 0.5,
  trigramWeight: 0.5,
};

const VERSION = 1;
const DIMENSIONS = 384;
const MAX_NEIGHBOURS = 10;
const UNKNOWN_RANK = 100_000;
const TEXTS_PER_TICK = 200;

interface Parts {
  lex: Float64Array;
  sem: Float64Array;
}

/**
 * An offline, deterministic text embedder for schema search: 384 dimensions, unit length, the concatenation of
 *  - a lexical part (284 dims): signed feature hashing of the terms, of their character trigrams, and of their
 *    nearest neighbours in word-vector space (so "supplier" also lights up "vendor"), for exact-name matches;
 *  - a semantic part (100 dims): the weighted mean of the terms' GloVe word vectors, for paraphrases
 *    (songs ~ track, pictures ~ photo).
 * Terms come from TextAnalyzer (identifier splitting, plural folding, stop words), the same for documents and
 * questions. A term weighs its rarity in English times the square root of its summed line weights. Each part is
 * built separately for the head of the text (first two lines: a schema document's title and comment) and for the
 * rest (columns), each normalised, then mixed headShare : 1 - headShare, so that twenty columns do not drown the
 * table's name. A one-line question is all head. The cosine of two vectors is then
 * lexicalShare * (lexical cosine) + (1 - lexicalShare) * (semantic cosine). Text with no terms gives zeros.
 * Known weakness: one vector per table, so a question about one column of a wide table scores low (the column is
 * a small part of the vector); BM25 does better there, and a hybrid ranking of both does best.
 */
export class LocalEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions = DIMENSIONS;
  readonly weights: Readonly<LocalEmbedderWeights>;
  readonly textAnalyzer: TextAnalyzer;
  private readonly wv: WordVectors;
  private readonly lexDims: number;
  private readonly expansions = new Map<string, [string, number][]>();

  /** vectors: already loaded word vectors (default: the shared copy of vectorFile, itself defaulting to the bundled file). */
  constructor(options: { vectorFile?: string; vectors?: WordVectors; weights?: Partial<LocalEmbedderWeights> } = {}) {
    this.wv = options.vectors ?? loadWordVectors(options.vectorFile);
    this.textAnalyzer = new TextAnalyzer(this.wv);
    this.lexDims = DIMENSIONS - this.wv.dims;
    this.weights = { ...DEFAULT_WEIGHTS, ...options.weights };
    const changed = (Object.keys(DEFAULT_WEIGHTS) as (keyof LocalEmbedderWeights)[]).filter((k) => this.weights[k] !== DEFAULT_WEIGHTS[k]);
    const suffix = changed.map((k) => `+${k}=${this.weights[k]}`).join("");
    this.model = `local-lexsem-v${VERSION}-${DIMENSIONS}d+glove100:${this.wv.sha256.slice(0, 12)}${suffix}`;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i++) {
      // A long batch gives the event loop a turn now and then (200 tables take ~30-40 ms).
      if (i > 0 && i % TEXTS_PER_TICK === 0) await new Promise((r) => setImmediate(r));
      out.push(this.embedOne(texts[i]));
    }
    return out;
  }

  embedOne(text: string): Float32Array {
    const terms = this.textAnalyzer.analyze(text);
    const head = this.parts(terms.filter((t) => t.line < 2));
    const body = this.parts(terms.filter((t) => t.line >= 2));
    const h = this.weights.headShare;
    const lex = mix(head.lex, body.lex, h);
    const sem = mix(head.sem, body.sem, h);
    const out = new Float32Array(DIMENSIONS);
    const ln = norm(lex);
    const sn = norm(sem);
    // With one part empty, the other takes the whole vector.
    const a = ln === 0 ? 0 : (sn === 0 ? 1 : Math.sqrt(this.weights.lexicalShare)) / ln;
    const b = sn === 0 ? 0 : (ln === 0 ? 1 : Math.sqrt(1 - this.weights.lexicalShare)) / sn;
    for (let i = 0; i < this.lexDims; i++) out[i] = a * lex[i];
    for (let d = 0; d < this.wv.dims; d++) out[this.lexDims + d] = b * sem[d];
    return out;
  }

  /** log(1 + rank/30): "the" 0, "name" (rank 298) 2.4, "album" (567) 3.0, "invoice" (44k) 7.3, unknown words 8.1. */
  rarity(term: string): number {
    return Math.log(1 + (this.wv.rank(term) ?? UNKNOWN_RANK) / this.weights.rarityScale);
  }

  private parts(terms: Term[]): Parts {
    const { titleWeight, commentWeight, trigramWeight, neighbourWeight } = this.weights;
    const lineSums = new Map<string, number>();
    for (const { term, line } of terms) {
      lineSums.set(term, (lineSums.get(term) ?? 0) + (line === 0 ? titleWeight : line === 1 ? commentWeight : 1));
    }
    const lex = new Float64Array(this.lexDims);
    const sem = new Float64Array(this.wv.dims);
    for (const [term, sum] of lineSums) {
      const w = this.rarity(term) * Math.sqrt(sum);
      addHashed(lex, "w:" + term, w);
      if (term.length >= 4) {
        const padded = `<${term}>`;
        const share = (trigramWeight * w) / Math.sqrt(padded.length - 2);
        for (let i = 0; i + 3 <= padded.length; i++) addHashed(lex, "g:" + padded.slice(i, i + 3), share);
      }
      for (const [neighbour, sim] of this.expansion(term)) addHashed(lex, "w:" + neighbour, neighbourWeight * sim * w);
      const row = this.wv.row(term);
      if (row !== undefined) for (let d = 0, o = row * this.wv.dims; d < this.wv.dims; d++) sem[d] += w * this.wv.vectors[o + d];
    }
    return { lex, sem };
  }

  /** A term's nearest neighbours as terms (plurals folded, the term itself and repeats left out). */
  private expansion(term: string): [string, number][] {
    let hit = this.expansions.get(term);
    if (hit) return hit;
    hit = [];
    const row = this.wv.row(term);
    const seen = new Set([term]);
    for (const [n, sim] of row === undefined ? [] : this.wv.neighbours(row)) {
      const t = this.textAnalyzer.singular(this.wv.words[n]);
      if (!seen.has(t) && hit.length < MAX_NEIGHBOURS) {
        seen.add(t);
        hit.push([t, sim]);
      }
    }
    if (this.expansions.size > 100_000) this.expansions.clear();
    this.expansions.set(term, hit);
    return hit;
  }
}

/** share * a/|a| + (1 - share) * b/|b|; an empty side gives its share to the other. */
function mix(a: Float64Array, b: Float64Array, share: number): Float64Array {
  const na = norm(a);
  const nb = norm(b);
  const sa = na === 0 ? 0 : (nb === 0 ? 1 : share) / na;
  const sb = nb === 0 ? 0 : (na === 0 ? 1 : 1 - share) / nb;
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = sa * a[i] + sb * b[i];
  return out;
}

function norm(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** Signed feature hashing: FNV-1a picks the bucket, its top bit the sign. */
function addHashed(v: Float64Array, feature: string, w: number): void {
  let h = 0x811c9dc5;
  for (let i = 0; i < feature.length; i++) h = Math.imul(h ^ feature.charCodeAt(i), 0x01000193);
  h >>>= 0;
  v[h % v.length] += h & 0x80000000 ? -w : w;
}
