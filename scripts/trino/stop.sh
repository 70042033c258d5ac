#!/usr/bin/env bash
# Stop the Trino node started by scripts/trino/start.sh: SIGTERM, then SIGKILL after TRINO_STOP_TIMEOUT
# seconds (default 30). Idempotent: succeeds when nothing is running. Only the pid in the pid file is signalled.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

TRINO_STOP_TIMEOUT=${TRINO_STOP_TIMEOUT:-30}

if ! pid=$(trino_running_pid); then
  rm -f "$TRINO_PID_FILE"
  trino_log "not running"
  exit 0
fi

trino_log "stopping Trino (pid $pid) ..."
t0=$SECONDS
kill -TERM "$pid" 2>/dev/null || true
while kill -0 "$pid" 2>/dev/null; do
  if ((SECONDS - t0 >= TRINO_STOP_TIMEOUT)); then
    trino_log "still running after ${TRINO_STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
    break
  fi
  sleep 0.5
done
kill -0 "$pid" 2>/dev/null && trino_die "pid $pid did not exit"
rm -f "$TRINO_PID_FILE"
trino_log "stopped after $((SECONDS - t0))s"
