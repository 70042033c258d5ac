/**
 * The one HTTP client every benchmark case uses: node:http with a keep-alive Agent holding one socket, so every case
 * pays the same client cost (no fetch/undici, no new TCP connection per call) and only the server differs.
 */
import http from "node:http";

export interface Reply {
  status: number;
  text: string;
}

export interface KeepAliveClient {
  call(method: string, path: string, body?: unknown): Promise<Reply>;
  /** Like `call`, but a non-2xx status or a body without `expect` throws: a wrong answer must not pass for a fast one. */
  ok(method: string, path: string, body: unknown, expect: string): Promise<void>;
  close(): void;
}

export function keepAliveClient(baseUrl: string, headers: Record<string, string> = {}): KeepAliveClient {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const once = (method: string, path: string, payload: string | undefined): Promise<Reply & { reused: boolean }> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          headers: payload === undefined ? headers : { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), reused: req.reusedSocket }));
          res.on("error", reject);
        },
      );
      req.on("error", (error) => reject(Object.assign(error, { reused: req.reusedSocket })));
      req.end(payload);
    });
  const call = async (method: string, path: string, body?: unknown): Promise<Reply> => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    try {
      const { status, text } = await once(method, path, payload);
      return { status, text };
    } catch (error) {
      // A kept-alive socket the server closed while idle (its keep-alive timeout, between rounds) fails on reuse:
      // Node's documented answer is to send again, once, on a new socket.
      if ((error as { reused?: boolean }).reused && (error as NodeJS.ErrnoException).code === "ECONNRESET") {
        const { status, text } = await once(method, path, payload);
        return { status, text };
      }
      throw error;
    }
  };
  return {
    call,
    async ok(method, path, body, expect) {
      const r = await call(method, path, body);
      if (r.status < 200 || r.status >= 300 || !r.text.includes(expect)) throw new Error(`${method} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
    },
    close: () => agent.destroy(),
  };
}
