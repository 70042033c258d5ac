import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgInput } from "../support/fixtures";
import { startGateway, type TestGateway } from "../support/gateway";
import { expectNoSecretLeak } from "../support/secrets";

const TOKEN = "id role name created expires revoked";

/** Tokens managed through GraphQL by an admin, within the admin's own account. */
describe("API tokens in GraphQL", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway("pglite");
  });
  afterAll(async () => {
    await gw.stop();
    expectNoSecretLeak(gw.captured);
  });

  const create = async (variables: Record<string, unknown>, token = gw.a.admin) =>
    gw.gql(
      `mutation($role: TokenRole!, $name: String, $exp: TokenLifetime) { createApiToken(role: $role, name: $name, expiresIn: $exp) { token apiToken { ${TOKEN} } } }`,
      variables,
      token,
    );
  const works = async (token: string) => (await gw.http("GET", "/v2/connection", { token })).status === 200;
  const refusedSoon = async (token: string) => {
    // Other instances trust a verified token for TOKEN_CACHE_MS (500 ms): refused within a second.
    const deadline = Date.now() + 1_500;
    while (Date.now() < deadline) {
      if (!(await works(token))) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  };

  it("creates a token shown once, which works, expires as asked, and is listed without itself", async () => {
    const res = await create({ role: "reader", name: "ci bot", exp: "DAYS_30" });
    expect(res.body.errors).toBeUndefined();
    const { token, apiToken } = res.body.data.createApiToken;
    expect(token).toMatch(/^gwt_[A-Za-z0-9_-]{43}$/);
    expect(apiToken).toMatchObject({ role: "reader", name: "ci bot", revoked: null });
    const days = (new Date(apiToken.expires).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(await works(token)).toBe(true);
    const listed = await gw.gql(`{ apiTokens { ${TOKEN} } }`, {}, gw.a.admin);
    expect(listed.body.data.apiTokens).toContainEqual(apiToken);
    expect(listed.text).not.toContain(token);
    const forever = await create({ role: "admin", exp: "NEVER" });
    expect(forever.body.data.createApiToken.apiToken.expires).toBeNull();
    // The default lifetime is 90 days.
    const byDefault = await create({ role: "reader" });
    expect((new Date(byDefault.body.data.createApiToken.apiToken.expires).getTime() - Date.now()) / 86_400_000).toBeGreaterThan(89.9);
  });

  it("revokes a token of the account: every request with it is refused within a second", async () => {
    const { token, apiToken } = (await create({ role: "reader", name: "short-lived" })).body.data.createApiToken;
    expect(await works(token)).toBe(true);
    const revoked = await gw.gql(`mutation($id: ID!) { revokeApiToken(id: $id) { ${TOKEN} } }`, { id: apiToken.id }, gw.a.admin);
    expect(revoked.body.data.revokeApiToken).toEqual({ ...apiToken, revoked: expect.any(String) });
    expect(await refusedSoon(token)).toBe(true);
  });

  it("refuses a token past its expiry", async () => {
    const { token, apiToken } = (await create({ role: "reader", exp: "DAYS_7" })).body.data.createApiToken;
    expect(await works(token)).toBe(true);
    await gw.gateway.core.store.dataSource.query("UPDATE api_tokens SET expires = now() - interval '1 second' WHERE id = $1", [apiToken.id]);
    expect(await refusedSoon(token)).toBe(true);
  });

  it("keeps each account's tokens to itself, and tokens to admins", async () => {
    const theirs = (await create({ role: "reader", name: "b's" }, gw.b.admin)).body.data.createApiToken;
    const revoke = await gw.gql(`mutation($id: ID!) { revokeApiToken(id: $id) { id } }`, { id: theirs.apiToken.id }, gw.a.admin);
    expect(revoke.body.errors[0]).toMatchObject({ extensions: { code: "NOT_FOUND" }, message: "token not found" });
    expect(await works(theirs.token)).toBe(true);
    const mine = await gw.gql(`{ apiTokens { id } }`, {}, gw.a.admin);
    expect(mine.body.data.apiTokens.map((t: { id: string }) => t.id)).not.toContain(theirs.apiToken.id);
    for (const query of [`{ apiTokens { id } }`, `mutation { createApiToken(role: admin) { token } }`]) {
      expect((await gw.gql(query, {}, gw.a.reader)).body.errors[0].extensions.code).toBe("FORBIDDEN");
    }
  });

  it.each([
    [{ role: "reader", name: "x".repeat(201) }, "name: at most 200 characters"],
    [{ role: "reader", name: "line\nbreak" }, "name: at most 200 characters, no control characters"],
    [{ role: "owner" }, "role: invalid value"],
    [{ role: "reader", exp: "DAYS_365" }, "exp: invalid value"],
  ])("refuses %j by name, creating nothing", async (variables, message) => {
    const before = (await gw.gql(`{ apiTokens { id } }`, {}, gw.a.admin)).body.data.apiTokens.length;
    const res = await create(variables);
    expect(res.body.errors[0].message).toContain(message);
    expect((await gw.gql(`{ apiTokens { id } }`, {}, gw.a.admin)).body.data.apiTokens.length).toBe(before);
  });

  it("names the author of a connection: the token it was created with", async () => {
    const { token, apiToken } = (await create({ role: "admin", name: "deploy bot" })).body.data.createApiToken;
    for (const label of ["by bot 1", "by bot 2"]) {
      const made = await gw.gql(`mutation($i: CreateConnectionInput!) { createConnection(input: $i) { id } }`, { i: pgInput(label) }, token);
      expect(made.body.errors).toBeUndefined();
    }
    const listed = await gw.gql(`{ connections { label authorId author { id name } } }`, {}, gw.a.reader);
    const mine = listed.body.data.connections.filter((c: { label: string }) => c.label.startsWith("by bot"));
    expect(mine).toEqual([
      { label: "by bot 1", authorId: apiToken.id, author: { id: apiToken.id, name: "deploy bot" } },
      { label: "by bot 2", authorId: apiToken.id, author: { id: apiToken.id, name: "deploy bot" } },
    ]);
  });
});
