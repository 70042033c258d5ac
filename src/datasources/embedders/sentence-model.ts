import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { InferenceSession, Tensor } from "onnxruntime-node";
import { projectRoot } from "../../paths";
import { WordPiece } from "./wordpiece";

/** The pins of scripts/models/sentence-model.json, which scripts/models/fetch-sentence-model.mjs installs. */
interface ModelPins {
  directory: string;
  files: Record<"model.onnx" | "tokenizer.json", { sha256: string }>;
}

export const SENTENCE_DIMENSIONS = 384;
const loaded = new Map<string, Promise<SentenceModel | { missing: string }>>();

/**
 * all-MiniLM-L6-v2 (int8, ONNX) run by onnxruntime-node on the CPU: a text to a 384-dimension unit vector, the
 * mean of the last hidden states over its tokens. Measured on 2 cores: 23 MB on disk, ~0.15 s to load, ~95 MB of
 * RSS; on one thread, 0.5 ms for a question, ~0.7 ms per column text and ~2.8 ms per table document (64 tokens).
 * onnxruntime-node runs each call on the event loop's thread (in a setImmediate), so a call holds it for its
 * duration (0.5 to 5 ms); between calls, which is between texts, requests are served.
 */
export class SentenceModel {
  readonly model: string;
  readonly dimensions = SENTENCE_DIMENSIONS;

  private constructor(
    private readonly ort: typeof import("onnxruntime-node"),
    private readonly session: InferenceSession,
    private readonly tokenizer: WordPiece,
    modelSha: string,
  ) {
    this.model = `minilm-l6-v2-q:${modelSha.slice(0, 12)}`;
  }

  /**
   * The model from its installed files (checked against their pins), or null with the reason when they are
   * missing or wrong: search then ranks without it. `threads`: onnxruntime's intra-op threads.
   */
  static load(options: { directory?: string; threads?: number } = {}): Promise<SentenceModel | { missing: string }> {
    // One session per process and settings, shared by every gateway built in it (tests build many).
    const key = `${options.directory ?? ""}|${options.threads ?? 1}`;
    let hit = loaded.get(key);
    if (!hit) loaded.set(key, (hit = SentenceModel.open(options)));
    return hit;
  }

  private static async open(options: { directory?: string; threads?: number }): Promise<SentenceModel | { missing: string }> {
    const root = projectRoot();
    const pins = JSON.parse(fs.readFileSync(path.join(root, "scripts/models/sentence-model.json"), "utf8")) as ModelPins;
    const dir = options.directory ?? path.join(root, pins.directory);
    const read = (file: keyof ModelPins["files"]): Buffer | string => {
      const p = path.join(dir, file);
      if (!fs.existsSync(p)) return `${p} is missing (npm install fetches it: node scripts/models/fetch-sentence-model.mjs)`;
      const bytes = fs.readFileSync(p);
      const sha = createHash("sha256").update(bytes).digest("hex");
      return sha === pins.files[file].sha256 ? bytes : `${p} does not match its pinned sha256`;
    };
    const onnx = read("model.onnx");
    const tokenizer = read("tokenizer.json");
    if (typeof onnx === "string") return { missing: onnx };
    if (typeof tokenizer === "string") return { missing: tokenizer };
    const ort = await import("onnxruntime-node");
    const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: options.threads ?? 1, interOpNumThreads: 1, graphOptimizationLevel: "all" });
    const model = new SentenceModel(ort, session, new WordPiece(tokenizer.toString("utf8")), pins.files["model.onnx"].sha256);
    // The first inference sets onnxruntime up (~90 ms on the event loop's thread): done here, at load, not during
    // the first question.
    await model.embed(["warm up"], 8);
    return model;
  }

  /**
   * One unit vector per text, in order; each text cut to maxTokens tokens. One text per inference call: the int8
   * model quantises activations over the whole input, so a text batched with others would get a slightly
   * different vector (measured: up to 0.02 per dimension); alone it is the same every time, and on 2 cores no slower.
   */
  async embed(texts: string[], maxTokens: number): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const text of texts) out.push(await this.run(this.tokenizer.encode(text, maxTokens)));
    return out;
  }

  private async run(ids: number[]): Promise<Float32Array> {
    const n = ids.length;
    const tensor = (data: BigInt64Array): Tensor => new this.ort.Tensor("int64", data, [1, n]);
    const result = await this.session.run({
      input_ids: tensor(BigInt64Array.from(ids, BigInt)),
      attention_mask: tensor(new BigInt64Array(n).fill(1n)),
      token_type_ids: tensor(new BigInt64Array(n)),
    });
    const hidden = result[this.session.outputNames[0]].data as Float32Array;
    // The mean over the text's tokens, then unit length.
    const d = this.dimensions;
    const v = new Float32Array(d);
    for (let t = 0; t < n; t++) for (let k = 0; k < d; k++) v[k] += hidden[t * d + k];
    let norm = 0;
    for (let k = 0; k < d; k++) norm += v[k] * v[k];
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < d; k++) v[k] /= norm;
    return v;
  }
}
