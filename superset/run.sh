#!/usr/bin/env bash
# Start, stop or check Dialoog's Superset web server: superset/run.sh start|stop|status
#
# start: gunicorn in its own process group, pid file under $DIALOOG_HOME/run/, log under
#        $DIALOOG_HOME/logs/; returns once /health answers (or fails with the end of the log).
# stop:  ends the whole process group (gunicorn master and workers), then removes the pid file.
# Run superset/provision.py first; start does not provision.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIALOOG_HOME=$(realpath -m "${DIALOOG_HOME:-$ROOT/var}")
export DIALOOG_HOME
export SUPERSET_CONFIG_PATH="${SUPERSET_CONFIG_PATH:-$ROOT/superset/superset_config.py}"
PORT="${SUPERSET_PORT:-8088}"
HOST="${SUPERSET_HOST:-127.0.0.1}"
BIN="${SUPERSET_VENV:-$ROOT/.venv/bi}/bin"
PIDFILE="$DIALOOG_HOME/run/superset.pid"
LOGFILE="$DIALOOG_HOME/logs/superset.log"
HEALTH_URL="http://127.0.0.1:$PORT/health"

running_pgid() {
  # The process group of a live server from the pid file, or nothing.
  [[ -f "$PIDFILE" ]] || return 1
  local pgid
  pgid=$(cat "$PIDFILE")
  [[ -n "$pgid" ]] && kill -0 -- "-$pgid" 2>/dev/null && echo "$pgid"
}

healthy() {
  [[ "$(curl -fsS --max-time 2 "$HEALTH_URL" 2>/dev/null)" == "OK" ]]
}

start() {
  local pgid
  if pgid=$(running_pgid); then
    echo "Superset already running (process group $pgid) on http://localhost:$PORT"
    return 0
  fi
  if healthy; then
    echo "Port $PORT already answers /health but not for this DIALOOG_HOME; set SUPERSET_PORT" >&2
    return 1
  fi
  mkdir -p "$(dirname "$PIDFILE")" "$(dirname "$LOGFILE")"
  rm -f "$PIDFILE"
  # One worker with threads: a dashboard's charts load in parallel without a second 300 MB process.
  # The wrapper shell is the new session's leader, so its pid ($$, kept by exec) is the process group.
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PIDFILE" \
    "$BIN/gunicorn" --bind "$HOST:$PORT" --workers "${SUPERSET_WORKERS:-1}" \
    --worker-class gthread --threads "${SUPERSET_THREADS:-8}" --timeout 120 \
    --limit-request-line 0 --limit-request-field_size 0 \
    "superset.app:create_app()" >>"$LOGFILE" 2>&1 </dev/null &
  until [[ -s "$PIDFILE" ]]; do sleep 0.1; done
  pgid=$(cat "$PIDFILE")
  local deadline=$((SECONDS + ${SUPERSET_START_TIMEOUT:-120}))
  until healthy; do
    if ! kill -0 -- "-$pgid" 2>/dev/null || ((SECONDS > deadline)); then
      echo "Superset did not become healthy on $HEALTH_URL; end of $LOGFILE:" >&2
      tail -n 30 "$LOGFILE" >&2
      stop >/dev/null
      return 1
    fi
    sleep 1
  done
  echo "Superset running on http://localhost:$PORT (process group $pgid, log $LOGFILE)"
}

stop() {
  local pgid
  if ! pgid=$(running_pgid); then
    rm -f "$PIDFILE"
    echo "Superset not running"
    return 0
  fi
  kill -TERM -- "-$pgid" 2>/dev/null || true
  for _ in $(seq 1 30); do
    kill -0 -- "-$pgid" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL -- "-$pgid" 2>/dev/null || true
  rm -f "$PIDFILE"
  echo "Superset stopped (process group $pgid)"
}

status() {
  if pgid=$(running_pgid) && healthy; then
    echo "Superset running on http://localhost:$PORT (process group $pgid)"
  else
    echo "Superset not running"
    return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
