import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SentenceModel } from "../../src/datasources/embedders/sentence-model";
import { WordPiece } from "../../src/datasources/embedders/wordpiece";
import { projectRoot } from "../../src/paths";
import { sentenceModelForTests } from "../support/sentence-model";

const pins = JSON.parse(fs.readFileSync(path.join(projectRoot(), "scripts/models/sentence-model.json"), "utf8"));
const modelDir = path.join(projectRoot(), pins.directory);
const installed = fs.existsSync(path.join(modelDir, "tokenizer.json"));
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

describe("WordPiece", () => {
  it.runIf(installed || process.env.REQUIRE_SERVICES === "1")("cuts text into BERT's uncased pieces, accents stripped, within the token budget", () => {
    const wp = new WordPiece(fs.readFileSync(path.join(modelDir, "tokenizer.json"), "utf8"));
    // [CLS] hello , world ! [SEP]: the ids of bert-base-uncased's vocabulary.
    expect(wp.encode("Hello, world!", 64)).toEqual([101, 7592, 1010, 2088, 999, 102]);
    expect(wp.encode("Café", 64)).toEqual([101, 7668, 102]);
    // A word outside the vocabulary is cut into pieces: thumb ##nail.
    expect(wp.encode("thumbnail", 64)).toEqual([101, 7639, 25464, 102]);
    // A character no piece covers makes its word [UNK] (100).
    expect(wp.encode("☃", 64)).toEqual([101, 100, 102]);
    const long = wp.encode("one two three four five six seven", 5);
    expect(long).toHaveLength(5);
    expect(long[0]).toBe(101);
    expect(long[4]).toBe(102);
  });

  it("refuses a tokenizer that is not BERT's uncased WordPiece", () => {
    expect(() => new WordPiece(JSON.stringify({ model: { type: "BPE", vocab: {} }, normalizer: { type: "BertNormalizer", lowercase: true } }))).toThrow(
      /only BERT's uncased WordPiece/,
    );
    expect(() => new WordPiece(JSON.stringify({ model: { type: "WordPiece", vocab: { a: 0 } }, normalizer: { type: "BertNormalizer", lowercase: true } }))).toThrow(/no \[CLS\]/);
  });
});

describe("SentenceModel", () => {
  let model: SentenceModel | null = null;
  let scratch: string;
  beforeAll(async () => {
    model = await sentenceModelForTests();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "gw-model-"));
  });
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it("says why when its files are missing or differ from their pins, instead of loading something else", async () => {
    const missing = await SentenceModel.load({ directory: path.join(scratch, "nothing") });
    expect(missing).toEqual({ missing: expect.stringContaining("model.onnx is missing") });
    if (!model) return;
    const tampered = path.join(scratch, "tampered");
    fs.mkdirSync(tampered);
    fs.copyFileSync(path.join(modelDir, "model.onnx"), path.join(tampered, "model.onnx"));
    fs.writeFileSync(path.join(tampered, "tokenizer.json"), fs.readFileSync(path.join(modelDir, "tokenizer.json"), "utf8").replace('"hello"', '"hullo"'));
    expect(await SentenceModel.load({ directory: tampered })).toEqual({ missing: expect.stringContaining("tokenizer.json does not match its pinned sha256") });
  });

  it("gives unit vectors, the same for a text alone or in a batch, closer for paraphrases", async (ctx) => {
    if (!model) return ctx.skip();
    const texts = [
      "songs on an album",
      "tracks of a record",
      "unpaid invoices of customers",
      "a much longer text about the weight and volume of each material, in kilograms and litres",
    ];
    const batch = await model.embed(texts, 64);
    for (const [i, v] of batch.entries()) {
      expect(v).toHaveLength(384);
      expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 5);
      const [alone] = await model.embed([texts[i]], 64);
      for (let d = 0; d < 384; d++) expect(Math.abs(alone[d] - v[d])).toBeLessThan(1e-4);
    }
    expect(dot(batch[0], batch[1])).toBeGreaterThan(dot(batch[0], batch[2]) + 0.2);
    expect(model.model).toBe(`minilm-l6-v2-q:${pins.files["model.onnx"].sha256.slice(0, 12)}`);
  });

  it("is loaded once per process and settings", async () => {
    expect(SentenceModel.load()).toBe(SentenceModel.load());
  });
});
