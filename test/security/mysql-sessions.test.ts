import type mysql from "mysql2/promise";
import { afterAll, beforeAll, it } from "vitest";
import { mariaAdmin, sourceConfig } from "../support/datasets";
import { startGateway, type TestGateway } from "../support/gateway";
import { describeWith } from "../support/services";
import { Tally } from "./tally";

const CLASS = "3 MySQL/MariaDB session leaks";

/**
 * Class 3 of test/security/README.md: what one scan leaves in a pooled MariaDB session must not reach the next. The
 * gate refuses `:=`, `INTO @v` and the lock functions by name however they are spelled; stored functions of the
 * source's own do all of it out of the gate's sight (a user variable, a session variable, a named lock), so the
 * session is reset after every scan. Each leak is followed by more scans than the pool has connections.
 */
describeWith("mariadb", "scans leave nothing in a MariaDB session", (mariaBase) => {
  let gw: TestGateway;
  let admin: mysql.Connection;
  const db = `gw_sessions_${Date.now()}`;
  const ids: string[] = [];
  const tally = new Tally();
  // Scans are limited to 10 in 10 s per connection: each leak runs on a connection of its own (itself and the probes
  // that follow on the same pool, so on the session it used), the refused forms over the rest.
  const scan = (query: string, on: number) => gw.http("POST", `/v2/connection/${ids[on]}/scan`, { token: gw.a.reader, body: { query } });

  beforeAll(async () => {
    admin = await mariaAdmin(mariaBase);
    await admin.query(`CREATE DATABASE ${db}`);
    await admin.query(`USE ${db}`);
    await admin.query("CREATE TABLE t (id INT PRIMARY KEY)");
    await admin.query("INSERT INTO t VALUES (1), (2)");
    await admin.query("CREATE FUNCTION set_user_var() RETURNS INT NOT DETERMINISTIC RETURN (@gw_leak := 42)");
    await admin.query("CREATE FUNCTION take_lock() RETURNS INT NOT DETERMINISTIC RETURN GET_LOCK('gw_scan_lock', 0)");
    await admin.query("CREATE FUNCTION take_lock_by_concat() RETURNS INT NOT DETERMINISTIC RETURN GET_LOCK(CONCAT('gw_', 'lock_2'), 0)");
    await admin.query("CREATE FUNCTION set_session_var() RETURNS INT NOT DETERMINISTIC BEGIN SET SESSION div_precision_increment = 12; RETURN 1; END");
    await admin.query("CREATE FUNCTION set_timeout_off() RETURNS INT NOT DETERMINISTIC BEGIN SET SESSION max_statement_time = 0; RETURN 1; END");
    gw = await startGateway("pglite", { ALLOWED_HOSTS: "127.0.0.1/32" });
    for (let i = 0; i < 8; i++) {
      const res = await gw.http("POST", "/v2/connection", {
        token: gw.a.admin,
        body: { label: `sessions ${i}`, connection_config_slug: "mariadb", config: sourceConfig(mariaBase, db) },
      });
      ids.push(res.body.data.id);
    }
  }, 60_000);

  afterAll(async () => {
    tally.print();
    await gw?.stop();
    await admin?.query(`DROP DATABASE IF EXISTS ${db}`);
    await admin?.end();
  });

  /** The first row's only value, or the error code. */
  const value = async (query: string, on: number) => {
    const res = await scan(query, on);
    return res.status === 200 ? Object.values(res.body.data.rows[0] ?? {})[0] : res.body.errors?.[0]?.code;
  };

  it("resets every session: what a stored function leaves is gone for the next scans", async () => {
    // [leaking scan, what it returns, the probe the next scans run, what a clean session answers]
    const leaks: [string, unknown, string, unknown][] = [
      ["SELECT set_user_var() AS v", 42, "SELECT @gw_leak AS v", null],
      ["SELECT set_session_var() AS v", 1, "SELECT @@div_precision_increment AS v", 4],
      ["SELECT set_timeout_off() AS v", 1, "SELECT @@max_statement_time > 0 AS v", 1],
    ];
    for (const [on, [leak, returns, probe, clean]] of leaks.entries()) {
      tally.record(CLASS, `${leak} ran`, (await value(leak, on)) === returns);
      // More probes than the pool holds sessions: whichever session the leak used is probed.
      for (let i = 0; i < 8; i++) {
        const seen = await value(probe, on);
        tally.record(CLASS, `${probe} after ${leak}: ${String(seen)}`, seen === clean);
      }
    }
    for (const [leak, lock] of [
      ["SELECT take_lock() AS v", "gw_scan_lock"],
      ["SELECT take_lock_by_concat() AS v", "gw_lock_2"],
    ]) {
      tally.record(CLASS, `${leak} ran`, (await value(leak, 3)) === 1);
      // The session is reset as its connection goes back to the pool, just after the answer: within a second.
      let free = false;
      for (const started = Date.now(); !free && Date.now() - started < 1_000;) {
        const [rows] = await admin.query(`SELECT IS_USED_LOCK('${lock}') AS holder`);
        free = (rows as { holder: unknown }[])[0].holder === null;
      }
      tally.record(CLASS, `${lock} is free after the scan`, free);
    }
    tally.expectHeld(CLASS, 3 * 9 + 2 * 2);
  });

  it("refuses the session-changing forms the gate can see, however they are spelled", async () => {
    const forms = [
      "SELECT GET_LOCK('x', 0)",
      "SELECT get_lock('x', 0)",
      "SELECT `GET_LOCK`('x', 0)",
      "SELECT GET_LOCK /* gap */ ('x', 0)",
      "SELECT /*!GET_LOCK('x', 0)*/",
      "SELECT RELEASE_LOCK('x')",
      "SELECT RELEASE_ALL_LOCKS()",
      "SELECT IS_USED_LOCK('gw_scan_lock')",
      "SELECT @v := 1",
      "SELECT 1 INTO @v",
      "SET @v = 1",
      "SET SESSION max_statement_time = 0",
      "SELECT id FROM t FOR UPDATE",
      "SELECT id FROM t LOCK IN SHARE MODE",
    ];
    for (const [i, form] of forms.entries()) {
      const res = await scan(form, 4 + (i % 4));
      tally.record(CLASS, form, res.status === 400 && res.body.errors?.[0]?.code === "READ_ONLY_VIOLATION");
    }
    tally.expectHeld(CLASS, 3 * 9 + 2 * 2 + forms.length);
  });
});
