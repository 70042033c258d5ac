import type { Embedder } from "./embedder";

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
 * batches; 429 and 5xx answers and network errors are retried with exponential backoff; every call has a timeout.
 * The API key is sent as a bearer token and never logged or echoed in an error.
 */
export class OpenAiEmbedder implements Embedder {
  readonly model: string;
  dimensions = 0;
  private readonly endpoint: string;

  constructor(private readonly options: OpenAiEmbedderOptions) {
    this.model = `openai-compatible:${options.model}`;
    this.endpoint = options.url.replace(/\/+$/, "").endsWith("/v1/embeddings") ? options.url : `${options.url.replace(/\/+$/, "")}/v1/embeddings`;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const size = this.options.batchSize ?? 64;
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += size) out.push(...(await this.batch(texts.slice(i, i + size))));
    return out;
  }

  private async batch(input: string[]): Promise<Float32Array[]> {
    const retries = this.options.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      let retryable = true;
      try {
        const res = await fetch(this.endpoint, {
          method: "POST",
          headers: { "content-type": "application/json", ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}) },
          body: JSON.stringify({ model: this.options.model, input }),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
        });
        if (!res.ok) {
          retryable = res.status === 429 || res.status >= 500;
          throw new Error(`embeddings endpoint answered HTTP ${res.status}`);
        }
        const body = (await res.json()) as { data?: { index: number; embedding: number[] }[] };
        if (!Array.isArray(body.data) || body.data.length !== input.length) {
          retryable = false;
          throw new Error(`embeddings endpoint returned ${body.data?.length ?? "no"} vectors for ${input.length} texts`);
        }
        const vectors = [...body.data].sort((a, b) => a.index - b.index).map((d) => Float32Array.from(d.embedding));
        this.dimensions = vectors[0]?.length ?? this.dimensions;
        return vectors;
      } catch (error) {
        if (!retryable || attempt >= retries) throw error;
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      }
    }
  }
}
