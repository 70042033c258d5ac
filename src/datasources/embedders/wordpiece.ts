/**
 * BERT's uncased WordPiece tokenizer, read from a Hugging Face tokenizer.json (the sentence model's own file):
 * lower-case, accents stripped, split on whitespace and punctuation, each word cut greedily into the longest
 * vocabulary pieces ("##" marks a piece inside a word), a word with no such cut becoming [UNK]. Enough for the
 * BertNormalizer / BertPreTokenizer / WordPiece pipeline of all-MiniLM-L6-v2; other tokenizers are refused.
 */
export class WordPiece {
  private readonly vocab: Map<string, number>;
  private readonly cache = new Map<string, number[]>();
  readonly cls: number;
  readonly sep: number;
  private readonly unk: number;

  constructor(tokenizerJson: string) {
    const spec = JSON.parse(tokenizerJson) as { model?: { type?: string; vocab?: Record<string, number> }; normalizer?: { type?: string; lowercase?: boolean } };
    if (spec.model?.type !== "WordPiece" || !spec.model.vocab || spec.normalizer?.type !== "BertNormalizer" || spec.normalizer.lowercase !== true) {
      throw new Error("tokenizer.json: only BERT's uncased WordPiece tokenizer is supported");
    }
    this.vocab = new Map(Object.entries(spec.model.vocab));
    const id = (token: string) => {
      const v = this.vocab.get(token);
      if (v === undefined) throw new Error(`tokenizer.json: no ${token} in the vocabulary`);
      return v;
    };
    [this.cls, this.sep, this.unk] = [id("[CLS]"), id("[SEP]"), id("[UNK]")];
  }

  /** [CLS] pieces... [SEP], at most maxTokens ids in all (the rest of a long text is cut off). */
  encode(text: string, maxTokens: number): number[] {
    const ids = [this.cls];
    const words =
      text
        .toLowerCase()
        .normalize("NFD")
        // Accents go, and so do control characters (BERT's clean_text), but for the whitespace ones.
        .replace(/[\u0300-\u036f\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "")
        .match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? [];
    // The budget is spent: the rest of a long document is not even cut into pieces.
    outer: for (const word of words) {
      for (const piece of this.pieces(word)) {
        if (ids.length >= maxTokens - 1) break outer;
        ids.push(piece);
      }
    }
    ids.push(this.sep);
    return ids;
  }

  private pieces(word: string): number[] {
    let hit = this.cache.get(word);
    if (hit) return hit;
    hit = [];
    // BERT's own limit: a longer "word" (a hash, base64) is one unknown token.
    if (word.length > 100) hit.push(this.unk);
    for (let start = 0; start < word.length && hit[0] !== this.unk;) {
      let end = word.length;
      let found: number | undefined;
      for (; end > start; end--) {
        found = this.vocab.get((start > 0 ? "##" : "") + word.slice(start, end));
        if (found !== undefined) break;
      }
      if (found === undefined) hit = [this.unk];
      else {
        hit.push(found);
        start = end;
      }
    }
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(word, hit);
    return hit;
  }
}
