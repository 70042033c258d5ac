import http from "node:http";
import type { AddressInfo } from "node:net";

export type Answer = { status?: number; headers?: Record<string, string>; sql?: string; delayMs?: number };
type Seen = { authorization?: string; body: { model: string; messages: { role: string; content: string }[] } };

/**
 * A loopback HTTP server standing in for the OpenAI-compatible chat completions endpoint (no network here): it
 * answers from a queue the test fills, and records what it was sent.
 */
export async function aiStandIn(fallback: Answer = { status: 500 }) {
  const queue: Answer[] = [];
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => {
      seen.push({ authorization: req.headers.authorization, body: JSON.parse(text) });
      const answer = queue.shift() ?? fallback;
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(answer.status ?? 200, { "content-type": "application/json", ...answer.headers });
        res.end(answer.sql === undefined ? "{}" : JSON.stringify({ choices: [{ message: { role: "assistant", content: answer.sql } }] }));
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, queue, seen, close: () => new Promise((r) => server.close(r)) };
}
