# shellcheck shell=bash
# Shared settings for scripts/trino/start.sh and stop.sh. Sourced, not executed.
#
# Environment (all optional):
#   TRINO_PORT            HTTP port on 127.0.0.1 (default 8080)
#   TRINO_HOME            where the node is laid out (default <project>/.tools/trino); outside git
#   TRINO_HEAP            JVM -Xmx (default 2G)
#   TRINO_PLUGINS         connector plugins to install (default "postgresql mysql mariadb"; geospatial is always
#                         added because the postgresql connector needs it); any directory
#                         name under plugin/ of the 476 server tarball works (e.g. sqlserver redshift clickhouse)
#   TRINO_DIST            full (default): io.trino:trino-server:476:tar.gz, one 821 MB download;
#                         core: io.trino:trino-server-core:476:tar.gz (194 MB) + io.trino:trino-<plugin>:476:zip
#                         (falls back to the other one when the first is not served)
#   TRINO_JAVA_HOME       JDK >= 24 to run Trino (default: first JDK >= 24 in JAVA_HOME or /usr/lib/jvm, Temurin 25 preferred)
#   TRINO_M2_REPO         Maven local repository (default ~/.m2/repository)
#   TRINO_START_TIMEOUT   seconds to wait for readiness (default 180)
#   TRINO_STOP_TIMEOUT    seconds to wait after SIGTERM before SIGKILL (default 30)
#   TRINO_ADMIN_USER      identity allowed CREATE/DROP CATALOG (default gateway_admin)
#   TRINO_SCAN_USER       read-only identity (default gateway_scan)
#   TRINO_QUERY_MAX_EXECUTION_TIME / TRINO_QUERY_MAX_RUN_TIME / TRINO_QUERY_MAX_MEMORY
#                         server-wide query limits (defaults 2m / 5m / half of TRINO_HEAP)

TRINO_VERSION=476 # newest release whose server is on Maven Central; needs JDK >= 24

TRINO_SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TRINO_PROJECT_DIR=$(cd "$TRINO_SCRIPT_DIR/../.." && pwd)

TRINO_HOST=127.0.0.1
TRINO_PORT=${TRINO_PORT:-8080}
TRINO_HOME=${TRINO_HOME:-$TRINO_PROJECT_DIR/.tools/trino}
TRINO_SERVER_DIR=$TRINO_HOME/server
TRINO_ETC_DIR=$TRINO_HOME/etc
TRINO_DATA_DIR=$TRINO_HOME/data
TRINO_PID_FILE=$TRINO_HOME/trino.pid
TRINO_URL="http://$TRINO_HOST:$TRINO_PORT"

trino_log() { printf '[trino] %s\n' "$*" >&2; }
trino_die() { printf '[trino] ERROR: %s\n' "$*" >&2; exit 1; }

# Prints the pid from the pid file if that process is alive and is a Trino server JVM.
trino_running_pid() {
  [[ -f $TRINO_PID_FILE ]] || return 1
  local pid
  pid=$(tr -dc '0-9' <"$TRINO_PID_FILE")
  [[ -n $pid ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against a recycled pid: the JVM's command line names Trino's main class.
  if [[ -r /proc/$pid/cmdline ]] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'io.trino.server.TrinoServer'; then
    return 1
  fi
  printf '%s\n' "$pid"
}

# Prints the /v1/info JSON, or fails if nothing answers.
trino_info() {
  curl -fsS --max-time 3 "$TRINO_URL/v1/info" 2>/dev/null
}
