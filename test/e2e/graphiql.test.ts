import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../support/gateway";

/**
 * Hosts that appear in the bundled GraphiQL only as XML namespaces, JSON-schema ids, licence text or links a
 * person may click; none is fetched. A new host here means a new outside reference: review it, do not just add it.
 */
const REVIEWED_HOSTS = new Set([
  "www.w3.org",
  "lists.w3.org",
  "json-schema.org",
  "www.example.com",
  "en.wikipedia.org",
  "www.rapidtables.com",
  "24ways.org",
  "github.com",
  "prettier.io",
  "yarnpkg.com",
  "commonmark.org",
  "react.dev",
  "radix-ui.com",
  "code.visualstudio.com",
  "www.onegraph.com",
  "dummyhostname.com",
  "microsoft.com",
]);

describe("GraphiQL page", () => {
  let gw: TestGateway;
  let html = "";
  beforeAll(async () => {
    gw = await startGateway("pglite");
    const res = await gw.http("GET", "/graphql", { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    html = res.text;
  });
  afterAll(() => gw.stop());

  it("is served by the gateway itself, with the first query listing connection types", () => {
    expect(html.length).toBeGreaterThan(1_000_000);
    expect(html).toContain("connectionConfigs");
    expect(html).toContain("paste your API token here");
  });

  it("loads nothing from another host: no remote script, style, image, font or import", () => {
    const remote = /(?:src|href)\s*=\s*["']\s*(?:https?:)?\/\/|url\(\s*["']?\s*(?:https?:)?\/\/|@import\s+["']?(?:https?:)?\/\/|import\(\s*["'](?:https?:)?\/\//gi;
    const loads = [...html.matchAll(remote)].map((m) => html.slice(m.index, m.index + 80));
    // Anchors a person may click are not loads.
    expect(loads.filter((l) => !/href\s*=\s*["']https:\/\/www\.onegraph\.com/.test(l))).toEqual([]);
  });

  it("mentions only reviewed outside hosts", () => {
    const hosts = new Set([...html.matchAll(/https?:\/\/([a-z0-9.-]+)/gi)].map((m) => m[1].toLowerCase()));
    const unexpected = [...hosts].filter((h) => !REVIEWED_HOSTS.has(h) && h !== "localhost" && h !== "127.0.0.1");
    expect(unexpected).toEqual([]);
  });

  it("is sent with a content security policy that allows only this origin", () => {
    return gw.http("GET", "/graphql", { headers: { accept: "text/html" } }).then((res) => {
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toMatch(/https?:/);
    });
  });

  it("still answers API clients' GET queries at the same path", async () => {
    const res = await gw.http("GET", "/graphql?query=%7B__typename%7D", { headers: { accept: "application/json", "apollo-require-preflight": "1" } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { __typename: "Query" } });
  });
});
