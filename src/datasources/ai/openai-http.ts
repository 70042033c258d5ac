/**
 * One POST to an OpenAI-compatible endpoint (`/v1/embeddings`, `/v1/chat/completions`), as the embedder and the
 * chat client both need it: the API key only as a bearer token, a deadline per attempt, 429, 5xx and network
 * failures retried with backoff (Retry-After honoured up to 5 s), the answer read up to `maxBytes`.
 */
export interface OpenAiPostOptions {
  apiKey: string | null;
  /** Per attempt. */
  timeoutMs: number;
  retries: number;
  maxBytes: number;
}

/** Why a POST failed, for the caller to word: the endpoint's status, a deadline, no connection, or a bad answer. */
export class OpenAiHttpError extends Error {
  constructor(
    readonly kind: "status" | "timeout" | "unreachable" | "too-large" | "not-json",
    message: string,
    readonly status: number | null = null,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A Retry-After longer than this is not waited for: the request would hang on the endpoint. */
const MAX_RETRY_WAIT_MS = 5_000;

/** The base URL with `path` appended, unless it already ends with it. */
export function endpointOf(url: string, path: string): string {
  const base = url.replace(/\/+$/, "");
  return base.endsWith(path) ? base : `${base}${path}`;
}

export async function postJson(endpoint: string, body: unknown, options: OpenAiPostOptions): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    let wait = 250 * 2 ** attempt;
    let failure: OpenAiHttpError;
    try {
      const res = await fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/json", ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      if (res.ok) return await boundedJson(res, options.maxBytes);
      await res.body?.cancel();
      failure = new OpenAiHttpError("status", `answered HTTP ${res.status}`, res.status);
      // Anything but 429 and 5xx is the request's fault: asking again changes nothing.
      if (res.status !== 429 && res.status < 500) throw failure;
      const after = Number(res.headers.get("retry-after"));
      if (Number.isFinite(after) && after > 0) wait = Math.min(after * 1000, MAX_RETRY_WAIT_MS);
    } catch (error) {
      if (error instanceof OpenAiHttpError) {
        if (error.kind !== "status" || (error.status !== 429 && error.status! < 500)) throw error;
        failure = error;
      } else if ((error as Error).name === "TimeoutError")
        failure = new OpenAiHttpError("timeout", `did not answer within ${options.timeoutMs} ms (timeout)`, null, { cause: error });
      else failure = new OpenAiHttpError("unreachable", "cannot be reached", null, { cause: error });
    }
    if (attempt >= options.retries) throw failure;
    await new Promise((r) => setTimeout(r, wait));
  }
}

async function boundedJson(res: Response, maxBytes: number): Promise<unknown> {
  const reader = res.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const chunk = await reader?.read();
    if (!chunk || chunk.done) break;
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      await reader?.cancel();
      throw new OpenAiHttpError("too-large", `answered more than ${maxBytes} bytes`);
    }
    chunks.push(chunk.value);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    throw new OpenAiHttpError("not-json", "answered something that is not JSON", null, { cause: error });
  }
}
