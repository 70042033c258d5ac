import { ErrorCode, GatewayError } from "../../errors";
import { endpointOf, OpenAiHttpError, postJson } from "./openai-http";

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

/**
 * Any OpenAI-compatible chat completions endpoint, through postJson (a deadline per attempt, retries with backoff,
 * the answer read up to 256 KB), its failures worded as the gateway's errors. The API key goes only in the
 * Authorization header: never logged, never in an error.
 */
export class ChatClient {
  private readonly endpoint: string;

  constructor(private readonly options: ChatClientOptions) {
    this.endpoint = endpointOf(options.url, "/v1/chat/completions");
  }

  get model(): string {
    return this.options.model;
  }

  async complete(messages: ChatMessage[]): Promise<string> {
    const retries = this.options.retries ?? 2;
    let body: unknown;
    try {
      body = await postJson(
        this.endpoint,
        { model: this.options.model, messages, temperature: 0 },
        { apiKey: this.options.apiKey, timeoutMs: this.options.timeoutMs, retries, maxBytes: MAX_ANSWER_BYTES },
      );
    } catch (error) {
      throw gatewayErrorOf(error as OpenAiHttpError, this.options.timeoutMs, retries);
    }
    return answerOf(body);
  }
}

function gatewayErrorOf(error: OpenAiHttpError, timeoutMs: number, retries: number): GatewayError {
  const cause = { cause: error };
  switch (error.kind) {
    case "timeout":
      return new GatewayError(ErrorCode.UPSTREAM_TIMEOUT, `ai: the AI endpoint did not answer within ${timeoutMs} ms (AI_TIMEOUT_MS)`, cause);
    case "status":
      return error.status === 429 || error.status! >= 500
        ? new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, `ai: the AI endpoint ${error.message}, after ${retries + 1} attempts`, cause)
        : new GatewayError(ErrorCode.UPSTREAM_ERROR, `ai: the AI endpoint refused the request (HTTP ${error.status}); check AI_MODEL and AI_API_KEY`, cause);
    case "unreachable":
      return new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, `ai: the AI endpoint cannot be reached, after ${retries + 1} attempts`, cause);
    case "too-large":
      return new GatewayError(ErrorCode.UPSTREAM_ERROR, `ai: the AI endpoint's answer is larger than ${MAX_ANSWER_BYTES} bytes`, cause);
    case "not-json":
      return new GatewayError(ErrorCode.UPSTREAM_ERROR, "ai: the AI endpoint's answer is not JSON", cause);
  }
}

function answerOf(body: unknown): string {
  const content = (body as { choices?: { message?: { content?: unknown } }[] } | null)?.choices?.[0]?.message?.content;
  if (typeof content !== "string" || !content.trim()) throw new GatewayError(ErrorCode.UPSTREAM_ERROR, "ai: the AI endpoint's answer has no message");
  return content;
}
