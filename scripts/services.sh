#!/usr/bin/env bash
# Start or stop the demo services: Airflow (standalone: api-server, scheduler, dag-processor, triggerer)
# and Superset, each in its own process group so `stop` ends every child. `start` provisions Superset and
# says where to go; scripts/demo.sh uses `serve` and `urls` around its own provisioning step; `airflow` starts
# Airflow alone (the benchmark's hours through a running scheduler).
set -euo pipefail
source "$(dirname "$0")/env.sh"
RUN="$DIALOOG_HOME/run"
mkdir -p "$RUN"

wait_for() {  # url, name, seconds
  for _ in $(seq 1 "$3"); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 1
  done
  echo "$2 did not answer on $1 within $3 s; see $RUN/$2.log" >&2
  return 1
}

stop_group() {  # name
  local pidfile="$RUN/$1.pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  echo "stopped $1"
}

start_airflow() {
  if [ -f "$RUN/airflow.pid" ] && kill -0 "$(cat "$RUN/airflow.pid")" 2>/dev/null; then return 0; fi
  "$ROOT/scripts/airflow-init.sh"
  # standalone starts its components as `airflow ...` from PATH
  PATH="$ROOT/.venv/pipeline/bin:$PATH" setsid airflow standalone >"$RUN/airflow.log" 2>&1 < /dev/null &
  echo $! >"$RUN/airflow.pid"
  wait_for "http://127.0.0.1:$AIRFLOW_PORT/api/v2/monitor/health" airflow 180
}

urls() {  # where to go, and a loud warning while the default login is in use
  cat <<MSG

Dialoog is running.
  Airflow   http://$DIALOOG_BIND_ADDRESS:$AIRFLOW_PORT   login $DIALOOG_ADMIN_USER / $DIALOOG_ADMIN_PASSWORD
  Superset  http://$DIALOOG_BIND_ADDRESS:$SUPERSET_PORT   login $DIALOOG_ADMIN_USER / $DIALOOG_ADMIN_PASSWORD
  Data Docs $DIALOOG_HOME/reports/data_docs/index.html
Stop with: make stop
MSG
  if [ "$DIALOOG_ADMIN_PASSWORD" = admin ]; then
    cat >&2 <<'WARN'

  !!! WARNING: Airflow and Superset use the default login admin / admin.
  !!! Anyone who can reach these ports can log in. Set DIALOOG_ADMIN_PASSWORD (see .env.example)
  !!! before exposing them (DIALOOG_BIND_ADDRESS), then run make stop && make demo.
WARN
  fi
}

case "${1:-}" in
  start)  # everything: Airflow, Superset provisioned and started, then where to go
    start_airflow
    "$ROOT/.venv/bi/bin/python" "$ROOT/superset/provision.py"
    "$ROOT/superset/run.sh" start
    urls
    ;;
  serve)  # start both without provisioning Superset (scripts/demo.sh provisions as a step of its own)
    start_airflow
    "$ROOT/superset/run.sh" start
    ;;
  airflow) start_airflow ;;
  urls) urls ;;
  stop)
    "$ROOT/superset/run.sh" stop 2>/dev/null || true
    stop_group airflow
    ;;
  *) echo "usage: $0 start|serve|airflow|urls|stop" >&2; exit 2 ;;
esac
