import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgInput } from "../support/fixtures";
import { startGateway, type TestGateway } from "../support/gateway";
import { expectNoSecretLeak } from "../support/secrets";
import { storesUnderTest } from "../support/services";

const PAGE = `query($search: String, $type: String, $first: Int, $after: String) {
  connectionPage(search: $search, type: $type, first: $first, after: $after) { connections { label connectionConfigSlug } totalCount pageInfo { hasNextPage endCursor } } }`;

type Page = { connections: { label: string; connectionConfigSlug: string }[]; totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

/** The connection list filtered and paged: GraphQL's connectionPage and REST's limit/start/_meta answer alike. */
describe.each(storesUnderTest())("connection pages on %s", (store) => {
  let gw: TestGateway;
  const labels = ["Alpha one", "alpha two", "beta", "alpha_three", "gamma (MariaDB)", "alpha gone"];

  beforeAll(async () => {
    gw = await startGateway(store);
    for (const label of labels) {
      const input = label.includes("MariaDB") ? pgInput(label, { connectionConfigSlug: "mariadb", config: { host: "1.2.3.11", database: "x", user: "u" } }) : pgInput(label);
      const res = await gw.gql(`mutation($i: CreateConnectionInput!) { createConnection(input: $i) { id } }`, { i: input }, gw.a.admin);
      expect(res.body.errors, label).toBeUndefined();
      if (label === "alpha gone") await gw.gql(`mutation($id: ID!) { deleteConnection(id: $id) { id } }`, { id: res.body.data.createConnection.id }, gw.a.admin);
    }
  }, 60_000);
  afterAll(async () => {
    await gw.stop();
    expectNoSecretLeak(gw.captured);
  });

  const page = async (variables: Record<string, unknown>): Promise<Page> => {
    const res = await gw.gql(PAGE, variables, gw.a.reader);
    expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
    return res.body.data.connectionPage;
  };
  const live = labels.filter((l) => l !== "alpha gone");

  it("walks every live connection a page at a time, oldest first, the total on every page", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const p: Page = await page({ first: 2, after });
      expect(p.totalCount).toBe(live.length);
      expect(p.connections.length).toBeLessThanOrEqual(2);
      seen.push(...p.connections.map((c) => c.label));
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(seen).toEqual(live);
    expect((await page({})).connections.map((c) => c.label)).toEqual(live);
    expect(await page({ first: 0 })).toMatchObject({ connections: [], totalCount: live.length, pageInfo: { hasNextPage: true, endCursor: null } });
  });

  it("filters by part of the label in any case, taking % and _ literally, and by type id or slug", async () => {
    expect((await page({ search: "ALPHA" })).connections.map((c) => c.label)).toEqual(["Alpha one", "alpha two", "alpha_three"]);
    expect((await page({ search: "_" })).connections.map((c) => c.label)).toEqual(["alpha_three"]);
    expect((await page({ search: "%" })).totalCount).toBe(0);
    expect((await page({ type: "mariadb" })).connections.map((c) => c.label)).toEqual(["gamma (MariaDB)"]);
    const postgresId = (await gw.gql(`{ connectionConfig(idOrSlug: "postgres") { id } }`, {}, gw.a.reader)).body.data.connectionConfig.id;
    expect((await page({ type: postgresId, search: "alpha", first: 1 })).totalCount).toBe(3);
  });

  it("pages REST lists with limit and start, and says in _meta whether more follow", async () => {
    const first = await gw.http("GET", "/v2/connection?limit=3", { token: gw.a.reader });
    expect(first.status).toBe(200);
    expect(first.body.data.map((c: { label: string }) => c.label)).toEqual(live.slice(0, 3));
    expect(first.body._meta).toMatchObject({ has_more: true, next: expect.any(String), total: live.length });
    const rest = await gw.http("GET", `/v2/connection?limit=3&start=${encodeURIComponent(first.body._meta.next)}`, { token: gw.a.reader });
    expect(rest.body.data.map((c: { label: string }) => c.label)).toEqual(live.slice(3));
    expect(rest.body._meta).toEqual({ has_more: false, next: null, total: live.length });
    const filtered = await gw.http("GET", "/v2/connection?search=beta&type=postgres", { token: gw.a.reader });
    expect(filtered.body.data.map((c: { label: string }) => c.label)).toEqual(["beta"]);
    expect(filtered.body._meta).toEqual({ has_more: false, next: null, total: 1 });
  });

  it.each([
    [{ first: -1 }, "/v2/connection?limit=-1", "first: must be from 0 to 1000", "limit: must be from 0 to 1000"],
    [{ first: 1001 }, "/v2/connection?limit=1001", "first: must be from 0 to 1000", "limit: must be from 0 to 1000"],
    [{ after: "not-a-cursor" }, "/v2/connection?start=not-a-cursor", "after: not a cursor", "start: not a cursor"],
    [{ type: "oracle" }, "/v2/connection?type=oracle", "type: unknown connection type 'oracle'", "type: unknown connection type 'oracle'"],
    [{ search: "x".repeat(201) }, `/v2/connection?search=${"x".repeat(201)}`, "search: at most 200 characters", "search: at most 200 characters"],
  ])("refuses %j by name", async (variables, url, gqlMessage, restMessage) => {
    const gql = await gw.gql(PAGE, variables, gw.a.reader);
    expect(gql.body.errors[0]).toMatchObject({ message: expect.stringContaining(gqlMessage), extensions: { code: "BAD_USER_INPUT" } });
    const rest = await gw.http("GET", url, { token: gw.a.reader });
    expect(rest.status).toBe(400);
    expect(rest.body.errors[0].message).toContain(restMessage);
  });
});
