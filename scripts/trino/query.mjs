#!/usr/bin/env node
// Minimal Trino REST client for scripts and manual checks (no dependencies; Node >= 18).
//
//   node scripts/trino/query.mjs [--url URL] [--user NAME] [--session k=v]... [--catalog C] [--schema S] [--json] "SQL"
//
// Default URL is $TRINO_URL or http://127.0.0.1:$TRINO_PORT (8080); default user is gateway_admin.
// Prints rows tab-separated (or the whole result as JSON with --json). A failed query prints
// "ERROR <errorName> (<errorCode>/<errorType>): <message>" on stderr and exits with status 2;
// an HTTP/transport failure exits with status 3.

const args = process.argv.slice(2);
const opts = { session: [], json: false };
let sql;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--url") opts.url = args[++i];
  else if (a === "--user") opts.user = args[++i];
  else if (a === "--session") opts.session.push(args[++i]);
  else if (a === "--catalog") opts.catalog = args[++i];
  else if (a === "--schema") opts.schema = args[++i];
  else if (a === "--json") opts.json = true;
  else if (sql === undefined) sql = a;
  else {
    console.error(`unexpected argument: ${a}`);
    process.exit(64);
  }
}
if (!sql) {
  console.error('usage: query.mjs [--url URL] [--user NAME] [--session k=v] [--catalog C] [--schema S] [--json] "SQL"');
  process.exit(64);
}

const base = (opts.url || process.env.TRINO_URL || `http://127.0.0.1:${process.env.TRINO_PORT || 8080}`).replace(/\/+$/, "");
const headers = { "X-Trino-User": opts.user || "gateway_admin", "X-Trino-Source": "scripts/trino/query.mjs" };
if (opts.session.length) headers["X-Trino-Session"] = opts.session.join(",");
if (opts.catalog) headers["X-Trino-Catalog"] = opts.catalog;
if (opts.schema) headers["X-Trino-Schema"] = opts.schema;

async function call(method, url, body) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(60_000) });
    if ([502, 503, 504].includes(res.status) && attempt < 20) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    const text = await res.text();
    if (res.status !== 200) throw new Error(`HTTP ${res.status} from ${method} ${url}: ${text.slice(0, 500)}`);
    return JSON.parse(text);
  }
}

try {
  const started = Date.now();
  let page = await call("POST", `${base}/v1/statement`, sql);
  const out = { id: page.id, columns: undefined, data: [], updateType: undefined, error: undefined };
  for (;;) {
    if (page.columns) out.columns = page.columns;
    if (page.data) out.data.push(...page.data);
    if (page.updateType) out.updateType = page.updateType;
    if (page.error) out.error = page.error;
    if (!page.nextUri) break;
    page = await call("GET", page.nextUri);
  }
  out.elapsedMs = Date.now() - started;
  if (opts.json) {
    console.log(JSON.stringify(out, null, 2));
  } else if (!out.error) {
    for (const row of out.data) console.log(row.map((v) => (typeof v === "object" && v !== null ? JSON.stringify(v) : String(v))).join("\t"));
  }
  if (out.error) {
    const e = out.error;
    console.error(`ERROR ${e.errorName} (${e.errorCode}/${e.errorType}): ${e.message}`);
    process.exit(2);
  }
} catch (err) {
  console.error(`ERROR transport: ${err.message}`);
  process.exit(3);
}
