import { endpointOf, postJson } from "../ai/openai-http";
import type { Embedder } from "./embedder";

/** 64 texts of 3,072 dimensions are ~4 MB of JSON: an answer past this is refused rather than read on. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export interface OpenAiEmbedderOptions {
  /** Base URL; `/v1/embeddings` is appended unless the URL already ends with it. */
  url: string;
  model: string;
  apiKey: string | null;
  batchSize?: number;
  timeoutMs?: number;
  retries?: number;
}

/**
 * Any OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, Azure OpenAI, vLLM, Ollama, LM Studio…). Texts go in
 * batches, through postJson: 429 and 5xx answers and network errors are retried with backoff, every call has a
 * timeout, the answer is read up to 64 MB. The API key is sent as a bearer token and never logged or echoed in an error.
 */
export class OpenAiEmbedder implements Embedder {
  readonly model: string;
  dimensions = 0;
  private readonly endpoint: string;

  constructor(private readonly options: OpenAiEmbedderOptions) {
    this.model = `openai-compatible:${options.model}`;
    this.endpoint = endpointOf(options.url, "/v1/embeddings");
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const size = this.options.batchSize ?? 64;
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += size) out.push(...(await this.batch(texts.slice(i, i + size))));
    return out;
  }

  private async batch(input: string[]): Promise<Float32Array[]> {
    let body: { data?: { index: number; embedding: number[] }[] };
    try {
      body = (await postJson(
        this.endpoint,
        { model: this.options.model, input },
        { apiKey: this.options.apiKey, timeoutMs: this.options.timeoutMs ?? 30_000, retries: this.options.retries ?? 3, maxBytes: MAX_ANSWER_BYTES },
      )) as typeof body;
    } catch (error) {
      throw new Error(`embeddings endpoint ${(error as Error).message}`, { cause: error });
    }
    if (!Array.isArray(body.data) || body.data.length !== input.length) {
      throw new Error(`embeddings endpoint returned ${body.data?.length ?? "no"} vectors for ${input.length} texts`);
    }
    const vectors = [...body.data].sort((a, b) => a.index - b.index).map((d) => Float32Array.from(d.embedding));
    this.dimensions = vectors[0]?.length ?? this.dimensions;
    return vectors;
  }
}
