import { Client } from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createScratchDatabase } from "../support/databases";
import { sourceConfig } from "../support/datasets";
import { startGateway, type TestGateway } from "../support/gateway";
import { expectNoSecretLeak } from "../support/secrets";
import { describeWith } from "../support/services";

/**
 * User code reached through the PostgreSQL gate without a non-built-in name, against a real source that has it:
 * SECURITY DEFINER functions that write through dblink (which a read-only transaction does not stop), called by
 * attribute notation, as an overload of a built-in name, behind an operator spelled like a built-in one, and from a
 * domain's check; and a source with a cast of its own. Every form is refused and the source's audit table is unchanged.
 */
describeWith("postgres", "the gate keeps scans away from the source's own code", (pgBase) => {
  let gw: TestGateway;
  let source: Client;
  const scratch: Awaited<ReturnType<typeof createScratchDatabase>>[] = [];
  let id = "";
  let castId = "";
  const audit = async () => Number((await source.query("SELECT count(*) AS n FROM audit")).rows[0].n);

  beforeAll(async () => {
    const db = await createScratchDatabase(pgBase);
    const withCast = await createScratchDatabase(pgBase);
    scratch.push(db, withCast);
    source = new Client({ connectionString: db.url });
    await source.connect();
    const { database } = sourceConfig(db.url);
    // Each function writes a row into audit over a second connection (dblink), as the attack did.
    const write = `PERFORM dblink_exec('host=127.0.0.1 user=postgres dbname=${database}', 'INSERT INTO audit VALUES (1)')`;
    await source.query(`
      CREATE EXTENSION IF NOT EXISTS dblink;
      CREATE TABLE audit (n int);
      CREATE TABLE items (id int); INSERT INTO items VALUES (1), (2);
      CREATE FUNCTION f(items) RETURNS int LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN ${write}; RETURN 1; END $$;
      CREATE FUNCTION public.abs(text) RETURNS int LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN ${write}; RETURN 1; END $$;
      CREATE FUNCTION eq_text_int(text, int) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN ${write}; RETURN true; END $$;
      CREATE OPERATOR = (LEFTARG = text, RIGHTARG = int, FUNCTION = eq_text_int);
      CREATE FUNCTION positive(int) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN ${write}; RETURN true; END $$;
      CREATE DOMAIN checked_int AS int CHECK (positive(VALUE));`);
    const other = new Client({ connectionString: withCast.url });
    await other.connect();
    await other.query(`
      CREATE TYPE pair AS (a int, b int);
      CREATE FUNCTION int_to_pair(int) RETURNS pair LANGUAGE sql AS $$ SELECT ROW($1, $1)::pair $$;
      CREATE CAST (int AS pair) WITH FUNCTION int_to_pair(int) AS IMPLICIT;`);
    await other.end();

    gw = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32" });
    const create = async (label: string, url: string) =>
      (await gw.http("POST", "/v2/connection", { token: gw.a.admin, body: { label, connection_config_slug: "postgres", config: sourceConfig(url) } })).body.data.id;
    id = await create("with user code", db.url);
    castId = await create("with a user cast", withCast.url);
  }, 60_000);

  afterAll(async () => {
    await gw?.stop();
    await source?.end();
    for (const s of scratch) await s.drop();
    expectNoSecretLeak(gw.captured);
  });

  const scan = (connection: string, query: string) => gw.http("POST", `/v2/connection/${connection}/scan`, { token: gw.a.reader, body: { query } });

  it("the attack works without the gate: a read-only transaction does not stop a write through dblink", async () => {
    const before = await audit();
    await source.query("BEGIN READ ONLY");
    await source.query("SELECT i.f FROM items i");
    await source.query("ROLLBACK");
    expect(await audit()).toBe(before + 2);
  });

  it.each([
    ["attribute notation", "SELECT i.f FROM items i", /f names a function the source defines/],
    ["attribute notation in parentheses", "SELECT (i).f FROM items i", /f names a function the source defines/],
    ["an overload of a built-in name", "SELECT abs('x')", /abs\(\) is also defined by the source/],
    ["a user operator spelled like a built-in one", "SELECT 'a'::text = 1", /operator = is also defined by the source/],
    ["a cast to a domain whose check runs user code", "SELECT 1::checked_int", /type checked_int is defined by the source/],
    ["CAST to that domain", "SELECT CAST(2 AS checked_int)", /type checked_int is defined by the source/],
  ])("refuses %s, and nothing is written", async (_form, query, reason) => {
    const before = await audit();
    const res = await scan(id, query);
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ code: "READ_ONLY_VIOLATION", message: expect.stringMatching(reason) });
    expect(await audit()).toBe(before);
  });

  it("still runs statements that reach none of it", async () => {
    const res = await scan(id, "SELECT id FROM items ORDER BY id");
    expect(res.body.data.rows).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it("refuses every statement on a source whose casts run its own functions (they can fire implicitly)", async () => {
    const res = await scan(castId, "SELECT 1 AS one");
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(/runs code of its own in casts or types \(integer AS pair\)/);
  });
});
