import { afterAll, beforeAll, it } from "vitest";
import { chinookConnection } from "../support/datasets";
import { startGateway, type HttpResult, type TestGateway } from "../support/gateway";
import { describeWith } from "../support/services";
import { Tally } from "./tally";

const CLASS = "8 one failing source blanks GraphQL";

/**
 * Class 8 of test/security/README.md: one source that cannot be reached costs the fields that reach it, never their
 * parents or the rest of the answer. Four ways to fail (a closed port for PostgreSQL and MariaDB, a database that
 * does not exist, a type that needs Trino on a gateway without it) beside one working connection, asked for through
 * every field that reaches a source: in lists, alone, and as aliased scans.
 */
describeWith("postgres", "a failing source costs one field", (pgBase) => {
  let gw: TestGateway;
  let good = "";
  const failing: Record<string, string> = {};
  const tally = new Tally();

  beforeAll(async () => {
    gw = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32" });
    const create = async (body: unknown) => (await gw.http("POST", "/v2/connection", { token: gw.a.admin, body })).body.data.id as string;
    good = await create(chinookConnection("works", "postgres", pgBase));
    const base = { host: "127.0.0.1", port: 9, database: "x", user: "u" };
    failing["closed PostgreSQL port"] = await create({ label: "pg closed", connection_config_slug: "postgres", config: base });
    failing["closed MariaDB port"] = await create({ label: "maria closed", connection_config_slug: "mariadb", config: base });
    failing["missing database"] = await create({
      label: "no such database",
      connection_config_slug: "postgres",
      config: { ...chinookConnection("x", "postgres", pgBase).config, database: "gw_no_such_database" },
    });
    failing["type that needs Trino"] = await create({ label: "needs trino", connection_config_slug: "sqlserver", config: { ...base, port: 1433 } });
  }, 60_000);

  afterAll(async () => {
    tally.print();
    await gw?.stop();
  });

  /** Each failing connection's entry is there with its `field` null and one error at exactly that path; the good one answered. */
  function heldInList(res: HttpResult, field: string): boolean {
    const rows = res.body.data?.connections as Record<string, unknown>[] | undefined;
    if (res.status !== 200 || !rows) return false;
    const errors = (res.body.errors ?? []) as { path: (string | number)[] }[];
    const failingHeld = Object.values(failing).every((id) => {
      const index = rows.findIndex((r) => r.id === id);
      const at = errors.filter((e) => e.path.join(".") === `connections.${index}.${field}`);
      return index >= 0 && rows[index][field] === null && rows[index].label !== undefined && at.length === 1;
    });
    const answered = rows.find((r) => r.id === good)?.[field] !== null;
    return failingHeld && answered && errors.length === Object.keys(failing).length;
  }

  it("answers the rest of a list when some connections' sources fail", async () => {
    const lists: [string, string][] = [
      ["{ connections { id label tables { totalCount } } }", "tables"],
      ["{ connections { id label tables(first: 2) { tables { fullyQualifiedName columns { name } } } } }", "tables"],
      ['{ connections { id label tables(search: "album") { totalCount } } }', "tables"],
      ['{ connections { id label table(name: "public.album") { columns { name } } } }', "table"],
    ];
    for (const [query, field] of lists) tally.record(CLASS, query, heldInList(await gw.gql(query, {}, gw.a.reader), field));
    tally.expectHeld(CLASS, lists.length);
  });

  it("keeps the connection and the other fields when one of its fields fails", async () => {
    for (const [how, id] of Object.entries(failing)) {
      const res = await gw.gql(`query($id: ID!) { connection(id: $id) { label tables { totalCount } } }`, { id }, gw.a.reader);
      const c = res.body.data?.connection;
      tally.record(CLASS, `connection(id) with a ${how}`, Boolean(c?.label) && c.tables === null && res.body.errors?.length === 1);
    }
    tally.expectHeld(CLASS, 4 + Object.keys(failing).length);
  });

  it("answers the scans that work beside one that fails", async () => {
    const q = `query($good: ID!, $bad: ID!) {
      ok: scan(connectionId: $good, query: "SELECT 1 AS one") { rows }
      broken: scan(connectionId: $bad, query: "SELECT 1 AS one") { rows }
      count: connections { id }
    }`;
    for (const [how, bad] of Object.entries(failing)) {
      const res = await gw.gql(q, { good, bad }, gw.a.reader);
      const d = res.body.data;
      const held = d?.ok?.rows?.[0]?.one === 1 && d.broken === null && d.count.length === 5 && res.body.errors?.[0]?.path?.[0] === "broken";
      tally.record(CLASS, `aliased scans with a ${how}: ${JSON.stringify(res.body).slice(0, 200)}`, held);
    }
    tally.expectHeld(CLASS, 4 + 2 * Object.keys(failing).length);
  });
});
