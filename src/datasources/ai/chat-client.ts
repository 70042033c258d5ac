import { ErrorCode, GatewayError } from "../../errors";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatClientOptions {
  /** Base URL; `/v1/chat/completions` is appended unless the URL already ends with it. */
  url: string;
  model: string;
  apiKey: string | null;
  /** Per attempt. */
  timeoutMs: number;
  retries?: number;
}

/** An answer larger than this is not SQL for a sample: refused rather than read on. */
const MAX_ANSWER_BYTES = 256 * 1024;
/** A Retry-After longer than this is not waited for: the request would hang on the model. */
const MAX_RETRY_WAIT_MS = 5_000;

/**
 * Any OpenAI-compatible chat completions endpoint. Each attempt has a deadline; 429, 5xx and network failures are
 * retried with backoff (Retry-After honoured up to 5 s); the answer is read up to 256 KB. The API key goes only in
 * the Authorization header: never logged, never in an error.
 */
export class ChatClient {
  private readonly endpoint: string;

  constructor(private readonly options: ChatClientOptions) {
    const base = options.url.replace(/\/+$/, "");
    this.endpoint = base.endsWith("/v1/chat/completions") ? base : `${base}/v1/chat/completions`;
  }

  get model(): string {
    return this.options.model;
  }

  async complete(messages: ChatMessage[]): Promise<string> {
    const retries = this.options.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      let wait = 250 * 2 ** attempt;
      try {
        const res = await fetch(this.endpoint, {
          method: "POST",
          headers: { "content-type": "application/json", ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}) },
          body: JSON.stringify({ model: this.options.model, messages, temperature: 0 }),
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        if (res.status === 429 || res.status >= 500) {
          const after = Number(res.headers.get("retry-after"));
          if (Number.isFinite(after) && after > 0) wait = Math.min(after * 1000, MAX_RETRY_WAIT_MS);
          await res.body?.cancel();
          throw new Retryable(`the AI endpoint answered HTTP ${res.status}`);
        }
        if (!res.ok) {
          await res.body?.cancel();
          throw new GatewayError(ErrorCode.UPSTREAM_ERROR, `ai: the AI endpoint refused the request (HTTP ${res.status}); check AI_MODEL and AI_API_KEY`);
        }
        return answerOf(await boundedJson(res));
      } catch (error) {
        if (error instanceof GatewayError) throw error;
        const timedOut = (error as Error).name === "TimeoutError";
        if (attempt >= retries) {
          if (timedOut)
            throw new GatewayError(ErrorCode.UPSTREAM_TIMEOUT, `ai: the AI endpoint did not answer within ${this.options.timeoutMs} ms (AI_TIMEOUT_MS)`, { cause: error });
          const why = error instanceof Retryable ? error.message : "the AI endpoint cannot be reached";
          throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, `ai: ${why}, after ${retries + 1} attempts`, { cause: error });
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }
}

class Retryable extends Error {}

async function boundedJson(res: Response): Promise<unknown> {
  const reader = res.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const chunk = await reader?.read();
    if (!chunk || chunk.done) break;
    size += chunk.value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader?.cancel();
      throw new GatewayError(ErrorCode.UPSTREAM_ERROR, `ai: the AI endpoint's answer is larger than ${MAX_ANSWER_BYTES} bytes`);
    }
    chunks.push(chunk.value);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    throw new GatewayError(ErrorCode.UPSTREAM_ERROR, "ai: the AI endpoint's answer is not JSON", { cause: error });
  }
}

function answerOf(body: unknown): string {
  const content = (body as { choices?: { message?: { content?: unknown } }[] } | null)?.choices?.[0]?.message?.content;
  if (typeof content !== "string" || !content.trim()) throw new GatewayError(ErrorCode.UPSTREAM_ERROR, "ai: the AI endpoint's answer has no message");
  return content;
}
