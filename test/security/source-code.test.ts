import { Client } from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createScratchDatabase } from "../support/databases";
import { sourceConfig } from "../support/datasets";
import { startGateway, type TestGateway } from "../support/gateway";
import { expectNoSecretLeak } from "../support/secrets";
import { describeWith } from "../support/services";
import { Tally } from "./tally";

/**
 * User code reached through the PostgreSQL gate without a non-built-in name, against a real source that has it:
 * SECURITY DEFINER functions that write through dblink (which a read-only transaction does not stop), called by
 * attribute notation, as an overload of a built-in name or aggregate, behind an operator spelled like a built-in one
 * (written, or implied by CASE, IN, BETWEEN, JOIN USING, ORDER BY), from a domain's check, inside a view (directly or
 * through another view) and in a row policy; and a source with a cast of its own. Every form is refused and the
 * source's audit table is unchanged (class 2 of test/security/README.md).
 */
describeWith("postgres", "the gate keeps scans away from the source's own code", (pgBase) => {
  let gw: TestGateway;
  let source: Client;
  const scratch: Awaited<ReturnType<typeof createScratchDatabase>>[] = [];
  let id = "";
  let castId = "";
  const ids: string[] = [];
  const tally = new Tally();
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
      CREATE FUNCTION eq_int_int_w(int, int) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN ${write}; RETURN true; END $$;
      CREATE FUNCTION eq_int_text(int, text) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN ${write}; RETURN true; END $$;
      CREATE OPERATOR = (LEFTARG = int, RIGHTARG = text, FUNCTION = eq_int_text);
      CREATE FUNCTION ge_text_int(text, int) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN ${write}; RETURN true; END $$;
      CREATE OPERATOR >= (LEFTARG = text, RIGHTARG = int, FUNCTION = ge_text_int);
      CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = eq_int_int_w);
      CREATE FUNCTION positive(int) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN ${write}; RETURN true; END $$;
      CREATE DOMAIN checked_int AS int CHECK (positive(VALUE));
      CREATE FUNCTION sum_step(int, text) RETURNS int LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN ${write}; RETURN 1; END $$;
      CREATE AGGREGATE public.sum(text) (SFUNC = sum_step, STYPE = int);
      CREATE VIEW calls_f AS SELECT i.id, i.f AS n FROM items i;
      CREATE VIEW over_calls_f AS SELECT * FROM calls_f;
      CREATE TABLE guarded (id int); INSERT INTO guarded VALUES (1);
      ALTER TABLE guarded ENABLE ROW LEVEL SECURITY; ALTER TABLE guarded FORCE ROW LEVEL SECURITY;
      CREATE POLICY only_positive ON guarded USING (positive(id));
      CREATE TABLE labels (id text); INSERT INTO labels VALUES ('1');`);
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
    // Scans are limited per connection (10 in 10 s): the forms are spread over five connections to the same source.
    for (let i = 0; i < 5; i++) ids.push(await create(`with user code ${i}`, db.url));
    castId = await create("with a user cast", withCast.url);
  }, 60_000);

  afterAll(async () => {
    tally.print();
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
    await source.query("SELECT n FROM over_calls_f");
    await source.query("SELECT CASE 'a'::text WHEN 1 THEN 1 END");
    await source.query("ROLLBACK");
    // Two rows through attribute notation, two through the view over a view, one by the = that CASE implies.
    expect(await audit()).toBe(before + 5);
  });

  // Each form, with the reason the gate gives; the source's own code is reached in every one without the gate.
  const forms: [string, string, RegExp][] = [
    ["attribute notation", "SELECT i.f FROM items i", /f names a function the source defines/],
    ["attribute notation in parentheses", "SELECT (i).f FROM items i", /f names a function/],
    ["attribute notation on the table's name", "SELECT items.f FROM items", /f names a function/],
    ["attribute notation in WHERE", "SELECT 1 FROM items i WHERE i.f = 1", /f names a function/],
    ["attribute notation in ORDER BY", "SELECT id FROM items i ORDER BY i.f", /f names a function/],
    ["attribute notation in a CTE", "WITH x AS (SELECT i.f FROM items i) SELECT * FROM x", /f names a function/],
    ["attribute notation in LATERAL", "SELECT s.* FROM items i, LATERAL (SELECT i.f) s", /f names a function/],
    ["attribute notation in a scalar subquery", "SELECT (SELECT i.f) FROM items i", /f names a function/],
    ["attribute notation on a whole-row star", "SELECT (i.*).f FROM items i", /f names a function/],
    ["attribute notation, quoted", 'SELECT i."f" FROM items i', /f names a function/],
    ["a call by the function's own name", "SELECT f(i) FROM items i", /not a reviewed built-in/],
    ["a schema-qualified call", "SELECT public.f(i) FROM items i", /not a reviewed built-in/],
    ["an overload of a built-in name", "SELECT abs('x')", /abs\(\) is also defined by the source/],
    ["that overload in upper case", "SELECT ABS('x')", /abs\(\) is also defined/],
    ["that overload on a column", "SELECT abs(v) FROM (VALUES ('x')) t(v)", /abs\(\) is also defined/],
    ["an overload of a built-in aggregate", "SELECT sum('x'::text)", /sum\(\) is also defined/],
    ["that aggregate over rows", "SELECT sum(id) FROM labels", /sum\(\) is also defined/],
    ["a user operator spelled like a built-in one", "SELECT 'a'::text = 1", /operator = is also defined by the source/],
    ["that operator in WHERE", "SELECT 1 FROM items WHERE 'a'::text = id", /operator = is also defined/],
    ["that operator, mirrored", "SELECT 1 FROM items WHERE id = 'a'::text", /operator = is also defined/],
    ["that operator implied by CASE", "SELECT CASE 'a'::text WHEN 1 THEN 1 END", /operator = is also defined/],
    ["that operator implied by IN (list)", "SELECT 'a'::text IN (1, 2)", /operator = is also defined/],
    ["that operator implied by IN (subquery)", "SELECT 'a'::text IN (SELECT id FROM items)", /operator = is also defined/],
    ["that operator implied by = ANY", "SELECT 'a'::text = ANY (SELECT id FROM items)", /operator = is also defined/],
    ["that operator implied by NULLIF", "SELECT NULLIF('a'::text, 1)", /operator = is also defined/],
    ["that operator implied by IS DISTINCT FROM", "SELECT 'a'::text IS DISTINCT FROM 1", /operator = is also defined/],
    ["that operator implied by JOIN USING", "SELECT 1 FROM items JOIN labels USING (id)", /operator = is also defined/],
    ["that operator implied by NATURAL JOIN", "SELECT 1 FROM items NATURAL JOIN labels", /operator = is also defined/],
    ["a user >= implied by BETWEEN", "SELECT 'a'::text BETWEEN 1 AND 2", /operator (>=|=|<>|<|>|<=) is also defined/],
    ["comparisons implied by ORDER BY", "SELECT id FROM items ORDER BY id", /operator (>=|=) is also defined/],
    ["comparisons implied by DISTINCT", "SELECT DISTINCT id FROM items", /operator (>=|=) is also defined/],
    ["comparisons implied by UNION", "SELECT id FROM items UNION SELECT 1", /operator (>=|=) is also defined/],
    ["a user operator in a sublink", "SELECT 1 OPERATOR(public.===) ANY (SELECT id FROM items)", /operator public\.=== is not a built-in/],
    ["a user operator in ORDER BY … USING", "SELECT id FROM items ORDER BY id USING ===", /operator === is not a built-in/],
    ["a cast to a domain whose check runs user code", "SELECT 1::checked_int", /type checked_int is defined by the source/],
    ["CAST to that domain", "SELECT CAST(2 AS checked_int)", /type checked_int is defined/],
    ["a typed literal of that domain", "SELECT checked_int '3'", /type checked_int is defined/],
    ["an array of that domain", "SELECT ARRAY[4]::checked_int[]", /type checked_int is defined/],
    ["that domain, schema-qualified", "SELECT 5::public.checked_int", /type checked_int is defined/],
    ["a view that calls the function", "SELECT * FROM calls_f", /calls_f runs the source's own code when read/],
    ["a view over that view", "SELECT n FROM over_calls_f", /over_calls_f runs the source's own code/],
    ["that view, schema-qualified", "SELECT * FROM public.calls_f", /calls_f runs the source's own code/],
    ["that view in a subquery", "SELECT (SELECT count(*) FROM over_calls_f)", /over_calls_f runs the source's own code/],
    ["a table whose row policy calls the function", "SELECT * FROM guarded", /guarded runs the source's own code/],
  ];

  it("refuses every form, and nothing is written", async () => {
    for (const [i, [form, query, reason]] of forms.entries()) {
      const before = await audit();
      const res = await scan(ids[i % ids.length], query);
      const refused = res.status === 400 && res.body.errors?.[0]?.code === "READ_ONLY_VIOLATION" && reason.test(res.body.errors[0].message);
      tally.record("2 user code through the PostgreSQL gate", `${form}: ${res.status} ${res.body.errors?.[0]?.message ?? ""}`, refused && (await audit()) === before);
    }
    tally.record("2 user code through the PostgreSQL gate", "a source with a cast of its own", (await scan(castId, "SELECT 1 AS one")).status === 400);
    tally.expectHeld("2 user code through the PostgreSQL gate", forms.length + 1);
  });

  it("still runs statements that reach none of it", async () => {
    const res = await scan(id, "SELECT id FROM items WHERE id > 1");
    expect(res.body.data.rows).toEqual([{ id: 2 }]);
  });

  it("refuses every statement on a source whose casts run its own functions (they can fire implicitly)", async () => {
    const res = await scan(castId, "SELECT 1 AS one");
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(/runs code of its own in casts or types \(integer AS pair\)/);
  });
});
