#!/usr/bin/env bash
# Start a single-node Trino 476 on 127.0.0.1:$TRINO_PORT (default 8080) for the gateway. Idempotent.
#
# 1. Fetches Trino 476 into the Maven cache once (mvn dependency:get; Maven Central only).
# 2. Lays out $TRINO_HOME (default .tools/trino): server/ (bin, lib, selected plugins), etc/, data/.
# 3. Starts it with a JDK >= 24 (Temurin 25 preferred) and waits until GET /v1/info says "starting": false.
#
# Security: no authentication (plain HTTP on loopback; the X-Trino-User header is trusted). File-based system
# access control (etc/rules.json): $TRINO_ADMIN_USER may CREATE/DROP CATALOG and read; $TRINO_SCAN_USER may only
# read (SELECT, SHOW, DESCRIBE, information_schema); every other user is refused. Dynamic catalogs live in memory
# only: they are gone after a restart, and the gateway must re-create them.
# Settings: see common.sh.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

TRINO_HEAP=${TRINO_HEAP:-2G}
TRINO_PLUGINS=${TRINO_PLUGINS:-postgresql mysql mariadb}
TRINO_DIST=${TRINO_DIST:-full}
TRINO_M2_REPO=${TRINO_M2_REPO:-$HOME/.m2/repository}
TRINO_START_TIMEOUT=${TRINO_START_TIMEOUT:-180}
TRINO_ADMIN_USER=${TRINO_ADMIN_USER:-gateway_admin}
TRINO_SCAN_USER=${TRINO_SCAN_USER:-gateway_scan}
TRINO_QUERY_MAX_EXECUTION_TIME=${TRINO_QUERY_MAX_EXECUTION_TIME:-2m}
TRINO_QUERY_MAX_RUN_TIME=${TRINO_QUERY_MAX_RUN_TIME:-5m}
# Query memory plus Trino's heap headroom (30 %) must fit in the heap, or the node refuses to start: by default
# half the heap (1GB of the default 2G).
[[ $TRINO_HEAP =~ ^[1-9][0-9]*[gGmM]$ ]] || trino_die "TRINO_HEAP must be a size in G or M, such as 2G or 1536M (got '$TRINO_HEAP')"
if [[ -z ${TRINO_QUERY_MAX_MEMORY:-} ]]; then
  heap_mb=${TRINO_HEAP%[gGmM]}
  [[ $TRINO_HEAP =~ [gG]$ ]] && heap_mb=$((heap_mb * 1024))
  half=$((heap_mb / 2))
  if ((half % 1024 == 0)); then TRINO_QUERY_MAX_MEMORY=$((half / 1024))GB; else TRINO_QUERY_MAX_MEMORY=${half}MB; fi
fi
MVN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

for u in "$TRINO_ADMIN_USER" "$TRINO_SCAN_USER"; do
  [[ $u =~ ^[A-Za-z0-9_]+$ ]] || trino_die "user names must match [A-Za-z0-9_]+ (got '$u')"
done
[[ $TRINO_PORT =~ ^[0-9]+$ ]] || trino_die "TRINO_PORT must be a number (got '$TRINO_PORT')"
[[ $TRINO_DIST == full || $TRINO_DIST == core ]] || trino_die "TRINO_DIST must be full or core (got '$TRINO_DIST')"

# One start at a time per TRINO_HOME (a second concurrent run waits, then finds the node up).
mkdir -p "$TRINO_HOME"
if command -v flock >/dev/null; then
  exec 9>"$TRINO_HOME/.start.lock"
  flock -w 900 9 || trino_die "another start.sh holds $TRINO_HOME/.start.lock"
fi

# ---------------------------------------------------------------- already running?
if pid=$(trino_running_pid); then
  trino_log "already running (pid $pid); checking readiness at $TRINO_URL"
  deadline=$((SECONDS + TRINO_START_TIMEOUT))
  until trino_info | grep -Eq '"starting"[[:space:]]*:[[:space:]]*false'; do
    kill -0 "$pid" 2>/dev/null || trino_die "pid $pid exited; see $TRINO_DATA_DIR/var/log/server.log"
    ((SECONDS < deadline)) || trino_die "pid $pid is running but not ready after ${TRINO_START_TIMEOUT}s"
    sleep 1
  done
  trino_log "Trino is up: $TRINO_URL"
  echo "$TRINO_URL"
  exit 0
fi
rm -f "$TRINO_PID_FILE"
if trino_info >/dev/null || (exec 3<>"/dev/tcp/$TRINO_HOST/$TRINO_PORT") 2>/dev/null; then
  trino_die "port $TRINO_PORT on $TRINO_HOST is already in use by a process this script did not start (set TRINO_PORT)"
fi

# ---------------------------------------------------------------- Java >= 24
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'; }
find_java() {
  local c m
  for c in "${TRINO_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*; do
    [[ -n $c && -x $c/bin/java ]] || continue
    m=$(java_major "$c")
    if [[ -n $m ]] && ((m >= 24)); then printf '%s\n' "$c"; return 0; fi
    [[ $c == "${TRINO_JAVA_HOME:-}" ]] && trino_die "TRINO_JAVA_HOME=$c is Java $m; Trino $TRINO_VERSION needs Java >= 24"
  done
  return 1
}
JAVA_DIR=$(find_java) || trino_die "no JDK >= 24 found (set TRINO_JAVA_HOME); Trino $TRINO_VERSION requires Java 24+"
JAVA_MAJOR=$(java_major "$JAVA_DIR")

# ---------------------------------------------------------------- fetch (once) into the Maven cache
artifact_path() { # artifactId packaging
  printf '%s/io/trino/%s/%s/%s-%s.%s\n' "$TRINO_M2_REPO" "$1" "$TRINO_VERSION" "$1" "$TRINO_VERSION" "$2"
}
mvn_get() { # artifactId packaging; returns non-zero if Central does not serve it
  local a=$1 p=$2 f log t0
  f=$(artifact_path "$a" "$p")
  [[ -s $f ]] && return 0
  command -v mvn >/dev/null || trino_die "mvn is not installed"
  mkdir -p "$TRINO_HOME/logs"
  log=$TRINO_HOME/logs/mvn-$a.log
  trino_log "downloading io.trino:$a:$TRINO_VERSION:$p from Maven Central (log: $log) ..."
  t0=$SECONDS
  # Run outside any project so no pom.xml is picked up; -U re-checks artifacts whose absence was cached.
  if (cd "${TMPDIR:-/tmp}" && mvn -B -U -Dmaven.repo.local="$TRINO_M2_REPO" "$MVN_DEPENDENCY_PLUGIN:get" \
      -Dartifact="io.trino:$a:$TRINO_VERSION:$p" -Dtransitive=false >"$log" 2>&1) && [[ -s $f ]]; then
    trino_log "  got $(du -h "$f" | cut -f1) in $((SECONDS - t0))s"
    return 0
  fi
  trino_log "  not available ($(grep -m1 -o 'Could not find artifact[^ ]* [^ ]*\|Could not transfer[^.]*' "$log" || echo "see $log"))"
  return 1
}
verify_sha1() { # file
  local f=$1 want got
  [[ -f $f.sha1 ]] || return 0
  want=$(cut -c1-40 "$f.sha1")
  got=$(sha1sum "$f" | cut -c1-40)
  [[ $want == "$got" ]] || trino_die "checksum mismatch for $f (delete it and retry)"
}

fetch_full() { mvn_get trino-server tar.gz; }
fetch_core() {
  mvn_get trino-server-core tar.gz || return 1
  local p
  for p in $TRINO_PLUGINS; do
    core_has_plugin "$p" || mvn_get "trino-$p" zip || return 1
  done
}
core_has_plugin() { # the core tarball bundles a few non-connector plugins
  case $1 in exchange-filesystem | functions-python | geospatial | password-authenticators | \
    resource-group-managers | session-property-managers | spooling-filesystem) return 0 ;; esac
  return 1
}

FULL_TGZ=$(artifact_path trino-server tar.gz)
CORE_TGZ=$(artifact_path trino-server-core tar.gz)
if [[ -s $FULL_TGZ ]]; then
  DIST=full
elif [[ $TRINO_DIST == core ]]; then
  if fetch_core; then DIST=core; elif fetch_full; then DIST=full; else trino_die "Trino $TRINO_VERSION is not available from Maven Central"; fi
else
  if fetch_full; then DIST=full; elif fetch_core; then DIST=core; else trino_die "Trino $TRINO_VERSION is not available from Maven Central"; fi
fi

# ---------------------------------------------------------------- lay out server/ (only when the plugin set changes)
# geospatial is always added: the postgresql connector needs its Geometry type (without it CREATE CATALOG ... USING
# postgresql fails with "TypeNotFoundException: Unknown type: Geometry").
PLUGIN_LIST=$(printf '%s\n' $TRINO_PLUGINS geospatial | sort -u | paste -sd' ')
STAMP="version=$TRINO_VERSION dist=$DIST plugins=$PLUGIN_LIST"
if [[ ! -f $TRINO_SERVER_DIR/.layout || $(cat "$TRINO_SERVER_DIR/.layout") != "$STAMP" ]]; then
  t0=$SECONDS
  trino_log "laying out $TRINO_SERVER_DIR ($DIST distribution; plugins: $PLUGIN_LIST)"
  staging=$TRINO_HOME/.staging
  rm -rf "$staging" "$TRINO_SERVER_DIR.new"
  mkdir -p "$staging" "$TRINO_SERVER_DIR.new/plugin"
  if [[ $DIST == full ]]; then
    verify_sha1 "$FULL_TGZ"
    # Jars in the tarball are hard links shared across lib/ and plugin/*, so unpack everything and then keep the
    # plugins we want (moving a hard link within one file system keeps its content).
    tar -xzf "$FULL_TGZ" -C "$staging"
    src=$staging/trino-server-$TRINO_VERSION
  else
    verify_sha1 "$CORE_TGZ"
    tar -xzf "$CORE_TGZ" -C "$staging"
    src=$staging/trino-server-core-$TRINO_VERSION
    for p in $PLUGIN_LIST; do
      core_has_plugin "$p" && continue
      zip=$(artifact_path "trino-$p" zip)
      verify_sha1 "$zip"
      mkdir -p "$staging/zip-$p"
      (cd "$staging/zip-$p" && if command -v unzip >/dev/null; then unzip -q "$zip"; else "$JAVA_DIR/bin/jar" xf "$zip"; fi)
      # the zip holds one top directory (trino-<p>-<v>/) with the plugin's jars
      top=$(find "$staging/zip-$p" -mindepth 1 -maxdepth 1 -type d)
      [[ $(printf '%s\n' "$top" | wc -l) == 1 && -n $top ]] || top=$staging/zip-$p
      rm -rf "${src:?}/plugin/$p"
      mv "$top" "$src/plugin/$p"
    done
  fi
  for p in $PLUGIN_LIST; do
    [[ -d $src/plugin/$p ]] || trino_die "plugin '$p' is not in the $DIST distribution; available: $(ls "$src/plugin" | tr '\n' ' ')"
    mv "$src/plugin/$p" "$TRINO_SERVER_DIR.new/plugin/$p"
  done
  mv "$src/bin" "$src/lib" "$TRINO_SERVER_DIR.new/"
  cp "$src/NOTICE" "$src/README.txt" "$TRINO_SERVER_DIR.new/" 2>/dev/null || true
  rm -rf "$staging" "$TRINO_SERVER_DIR"
  mv "$TRINO_SERVER_DIR.new" "$TRINO_SERVER_DIR"
  printf '%s\n' "$STAMP" >"$TRINO_SERVER_DIR/.layout"
  trino_log "  done in $((SECONDS - t0))s ($(du -sh "$TRINO_SERVER_DIR" | cut -f1))"
fi

# ---------------------------------------------------------------- etc/ (rewritten on every start)
mkdir -p "$TRINO_ETC_DIR" "$TRINO_DATA_DIR"

cat >"$TRINO_ETC_DIR/node.properties" <<EOF
node.environment=local
node.id=local-coordinator
node.data-dir=$TRINO_DATA_DIR
node.bind-ip=$TRINO_HOST
node.internal-address=$TRINO_HOST
EOF

# The 476 launcher (airlift 304) does not add the JDK 24+ module/native/unsafe flags itself, so they are listed here
# (without them JDK 25 prints Unsafe / restricted-method warnings and the Vector API is unavailable);
# --add-opens java.nio is what the snowflake connector needs (harmless otherwise).
# No -Xms: the heap starts small and grows; G1PeriodicGCInterval with the free ratios lets an idle node give heap
# back to the OS (this box is shared with the tests).
{
  cat <<EOF
-server
-Xmx$TRINO_HEAP
-XX:+UseG1GC
-XX:G1PeriodicGCInterval=60000
-XX:MinHeapFreeRatio=10
-XX:MaxHeapFreeRatio=30
-XX:+ExplicitGCInvokesConcurrent
-XX:+ExitOnOutOfMemoryError
-XX:-OmitStackTraceInFastThrow
-XX:ReservedCodeCacheSize=256M
-XX:PerMethodRecompilationCutoff=10000
-XX:PerBytecodeRecompilationCutoff=10000
-Djdk.attach.allowAttachSelf=true
-Djdk.nio.maxCachedBufferSize=2000000
-Dfile.encoding=UTF-8
-XX:+EnableDynamicAgentLoading
--add-modules=jdk.incubator.vector
--enable-native-access=ALL-UNNAMED
--sun-misc-unsafe-memory-access=allow
--add-opens=java.base/java.nio=ALL-UNNAMED
EOF
  ((JAVA_MAJOR >= 25)) && echo "-XX:+UseCompactObjectHeaders"
} >"$TRINO_ETC_DIR/jvm.config"

cat >"$TRINO_ETC_DIR/config.properties" <<EOF
coordinator=true
node-scheduler.include-coordinator=true
http-server.http.port=$TRINO_PORT
discovery.uri=http://$TRINO_HOST:$TRINO_PORT
http-server.log.enabled=false
web-ui.enabled=false
catalog.management=dynamic
catalog.store=memory
query.max-memory=$TRINO_QUERY_MAX_MEMORY
query.max-memory-per-node=$TRINO_QUERY_MAX_MEMORY
query.max-execution-time=$TRINO_QUERY_MAX_EXECUTION_TIME
query.max-run-time=$TRINO_QUERY_MAX_RUN_TIME
query.client.timeout=1m
EOF

cat >"$TRINO_ETC_DIR/log.properties" <<EOF
io.trino=INFO
EOF

cat >"$TRINO_ETC_DIR/access-control.properties" <<EOF
access-control.name=file
security.config-file=$TRINO_ETC_DIR/rules.json
EOF

# First matching rule wins; no match = denied. Without "functions"/"procedures" sections only system.builtin
# functions and procedures may run, which blocks TABLE(<catalog>.system.query(...)) and CALL <catalog>.system.*.
# "owner" (catalog) is what CREATE/DROP CATALOG checks for; with "schemas" owner=false and SELECT-only table rules
# the admin cannot write either. The scan user may only set the two time limits (the gateway's per-scan timeout);
# note that a session value may RAISE them above query.max-*-time, which is only the default.
A=$TRINO_ADMIN_USER S=$TRINO_SCAN_USER
cat >"$TRINO_ETC_DIR/rules.json" <<EOF
{
  "catalogs": [
    { "user": "$A", "allow": "owner" },
    { "user": "$S", "catalog": "system", "allow": "none" },
    { "user": "$S", "allow": "read-only" }
  ],
  "schemas": [
    { "owner": false }
  ],
  "tables": [
    { "user": "$A|$S", "privileges": ["SELECT"] }
  ],
  "queries": [
    { "user": "$A", "allow": ["execute", "view", "kill"] },
    { "user": "$S", "allow": ["execute"] }
  ],
  "system_information": [
    { "user": "$A", "allow": ["read"] }
  ],
  "system_session_properties": [
    { "user": "$S", "property": "query_max_execution_time|query_max_run_time", "allow": true }
  ],
  "catalog_session_properties": []
}
EOF

# ---------------------------------------------------------------- start and wait
trino_log "starting Trino $TRINO_VERSION with Java $JAVA_MAJOR ($JAVA_DIR), heap $TRINO_HEAP, on $TRINO_URL"
t0=$SECONDS
# 9>&-: the server must not inherit the start lock's descriptor, or the lock would be held for as long as Trino
# runs and a second start.sh would wait on it instead of finding the node up.
JAVA_HOME=$JAVA_DIR "$TRINO_SERVER_DIR/bin/launcher" start \
  --etc-dir="$TRINO_ETC_DIR" --data-dir="$TRINO_DATA_DIR" --pid-file="$TRINO_PID_FILE" >&2 9>&- \
  || trino_die "launcher failed; see $TRINO_DATA_DIR/var/log/launcher.log"
pid=$(tr -dc '0-9' <"$TRINO_PID_FILE")

SERVER_LOG=$TRINO_DATA_DIR/var/log/server.log
deadline=$((SECONDS + TRINO_START_TIMEOUT))
next_report=$((SECONDS + 5))
while :; do
  info=$(trino_info || true)
  if grep -Eq '"starting"[[:space:]]*:[[:space:]]*false' <<<"$info"; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then
    # JVM option errors and early crashes go to launcher.log (the JVM's stdout/stderr); Trino's own to server.log
    trino_log "Trino exited during start-up. Last lines of $TRINO_DATA_DIR/var/log/launcher.log:"
    tail -n 15 "$TRINO_DATA_DIR/var/log/launcher.log" >&2 2>/dev/null || true
    trino_log "Last lines of $SERVER_LOG:"
    tail -n 25 "$SERVER_LOG" >&2 2>/dev/null || true
    rm -f "$TRINO_PID_FILE"
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    trino_log "not ready after ${TRINO_START_TIMEOUT}s; stopping it. Last lines of $SERVER_LOG:"
    tail -n 40 "$SERVER_LOG" >&2 || true
    "$TRINO_SCRIPT_DIR/stop.sh" || true
    exit 1
  fi
  if ((SECONDS >= next_report)); then
    state=$([[ -n $info ]] && echo "HTTP up, still starting" || echo "not listening yet")
    trino_log "  waiting ... $((SECONDS - t0))s ($state)"
    next_report=$((SECONDS + 5))
  fi
  sleep 1
done
trino_log "ready after $((SECONDS - t0))s (pid $pid; log $SERVER_LOG)"

# Warm-up: the first query after start is slow (class loading, JIT); pay it here rather than in a test.
if command -v node >/dev/null; then
  if ! TRINO_URL=$TRINO_URL node "$TRINO_SCRIPT_DIR/query.mjs" --user "$TRINO_ADMIN_USER" "SELECT 1" >/dev/null; then
    trino_log "warning: warm-up query SELECT 1 failed"
  fi
fi
trino_log "Trino is up: $TRINO_URL (admin user: $TRINO_ADMIN_USER, read-only user: $TRINO_SCAN_USER)"
echo "$TRINO_URL"
