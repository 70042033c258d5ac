import { STOP_WORDS, ABBREVIATIONS } from "./stop-words";
import type { WordVectors } from "./word-vectors";

/** A term of a text and the line it came from (0 = the first line, which the embedder treats as a title). */
export interface Term {
  term: string;
  line: number;
}

/**
 * Turns text (a schema document or a question) into terms, the same way for both:
 *  - splits on anything not a letter or digit, on camelCase and acronym boundaries, and between letters and digits;
 *  - lower-cases and strips accents (résumé -> resume);
 *  - splits run-together words the vocabulary does not know into words it does (salesorderheader ->
 *    sales order header), by the cheapest segmentation under word-frequency costs;
 *  - expands a few schema abbreviations (qty -> quantity), folds plurals to singulars (categories -> category),
 *    drops stop words, single letters and bare numbers; drops a possessive 's.
 * English only: letters outside a-z (after accents are stripped) are separators. Deterministic; holds a cache of
 * the words of each raw token (bounded: cleared at 100,000 entries).
 */
export class TextAnalyzer {
  private readonly cache = new Map<string, string[]>();

  constructor(private readonly vocab: WordVectors) {}

  analyze(text: string): Term[] {
    const out: Term[] = [];
    const lines = text.split("\n");
    for (let line = 0; line < lines.length; line++) {
      for (const raw of rawTokens(lines[line])) {
        for (const word of this.words(raw)) out.push({ term: word, line });
      }
    }
    return out;
  }

  /** Terms only, for lexical baselines. */
  terms(text: string): string[] {
    return this.analyze(text).map((t) => t.term);
  }

  private words(raw: string): string[] {
    let hit = this.cache.get(raw);
    if (hit) return hit;
    hit = [];
    for (const piece of this.segment(raw)) {
      const expanded = ABBREVIATIONS[piece] ?? piece;
      for (const w of expanded.split(" ")) {
        const folded = this.singular(w);
        if (folded.length > 1 && !STOP_WORDS.has(folded) && !STOP_WORDS.has(w)) hit.push(folded);
      }
    }
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(raw, hit);
    return hit;
  }

  /** Plural to singular when the singular is a word (or the plural is not): boxes -> box, but news stays. */
  singular(w: string): string {
    if (w.length < 4 || !w.endsWith("s") || /(ss|us|is|ics)$/.test(w) || NOT_PLURAL.has(w)) return w;
    const candidates = w.endsWith("ies")
      ? [w.slice(0, -3) + "y"]
      : /(xes|ches|shes|sses|zes)$/.test(w)
        ? [w.slice(0, -2), w.slice(0, -1)]
        : w.endsWith("ses")
          ? [w.slice(0, -1), w.slice(0, -2)] // courses -> course, bonuses -> bonus
          : [w.slice(0, -1)];
    for (const c of candidates) if (this.vocab.row(c) !== undefined) return c;
    return this.vocab.row(w) === undefined ? candidates[0] : w;
  }

  /** Cheapest split of a run-together token into vocabulary words; unknown stretches are costly. */
  segment(token: string): string[] {
    if (token.length < 6 || token.length > MAX_SEGMENTED || ABBREVIATIONS[token] || this.vocab.row(token) !== undefined || this.vocab.row(this.singular(token)) !== undefined) {
      return [token];
    }
    const n = token.length;
    const best = new Float64Array(n + 1).fill(Infinity);
    const from = new Int32Array(n + 1);
    best[0] = 0;
    for (let i = 1; i <= n; i++) {
      for (let j = Math.max(0, i - 24); j < i; j++) {
        const c = best[j] + this.pieceCost(token.slice(j, i));
        if (c < best[i]) {
          best[i] = c;
          from[i] = j;
        }
      }
    }
    const pieces: string[] = [];
    for (let i = n; i > 0; i = from[i]) pieces.unshift(token.slice(from[i], i));
    return pieces.length > 1 && best[n] < unknownCost(n) ? pieces : [token];
  }

  private pieceCost(piece: string): number {
    const rank = piece.length >= 2 ? this.vocab.rank(piece) : undefined;
    if (rank !== undefined) return Math.log(rank + 2) + 1;
    if (ABBREVIATIONS[piece]) return 8;
    return unknownCost(piece.length);
  }
}

/** Words in -s that are not plurals of the word without it. */
const NOT_PLURAL = new Set(["news", "means", "lens", "species", "series", "headquarters", "whereabouts", "always", "perhaps"]);

/** Longer tokens (hashes, base64) are left whole. */
const MAX_SEGMENTED = 64;

const unknownCost = (length: number) => 10 + 3 * length;

/** Lower-case, accent-free alphanumeric tokens, bare numbers dropped: "ThumbNailPhoto_2x" -> thumb, nail, photo, x. */
function rawTokens(text: string): string[] {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/(?<=\w)['\u2019]s\b/g, "")
    .replace(/(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])/g, " ")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0 && !/^\d+$/.test(t));
}
