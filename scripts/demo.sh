#!/usr/bin/env bash
# `make demo`: one line per step (what, how long, where its log is), then where to go. Each step's output goes
# to its log under $DIALOOG_HOME/run/ (Superset's migrations alone are some 500 lines); on a failure the step,
# the end of its log and a non-zero exit. The steps are those of `make setup`, `make demo-data`,
# `make pipeline` and `scripts/services.sh start`, in that order.
set -euo pipefail
source "$(dirname "$0")/env.sh"
RUN="$DIALOOG_HOME/run"
mkdir -p "$RUN"

duration() {  # seconds -> "42 s" or "4 min 07 s"
  if (($1 < 60)); then echo "$1 s"; else printf '%d min %02d s\n' $(($1 / 60)) $(($1 % 60)); fi
}

step() {  # title, log, command ...: run it with its output in the log, say how long it took
  local title=$1 log=$2 started=$SECONDS status=0
  shift 2
  printf '  %-22s ' "$title"
  "$@" >"$log" 2>&1 </dev/null || status=$?
  if ((status == 0)); then
    printf '%-12s log %s\n' "$(duration $((SECONDS - started)))" "$log"
    return 0
  fi
  printf 'FAILED after %s (exit %d)\n\n' "$(duration $((SECONDS - started)))" "$status"
  echo "make demo: step \"$title\" failed; the end of $log:" >&2
  tail -n 30 "$log" | sed 's/^/  | /' >&2
  exit 1
}

started=$SECONDS
echo "make demo: Dialoog in $DIALOOG_HOME"
step "environments" "$RUN/setup.log" make -C "$ROOT" --no-print-directory environments
step "demo data" "$RUN/demo-data.log" "$ROOT/.venv/pipeline/bin/python" -m demo --home "$DIALOOG_HOME"
step "Airflow init" "$RUN/airflow-init.log" "$ROOT/scripts/airflow-init.sh"
# scripts/pipeline.sh keeps every task's lines in run/pipeline.log; what it prints (the DAG runs, the files
# loaded, the errors) is this step's log.
step "pipeline (all DAGs)" "$RUN/pipeline-steps.log" "$ROOT/scripts/pipeline.sh"
step "Superset provisioning" "$RUN/superset-provision.log" "$ROOT/.venv/bi/bin/python" "$ROOT/superset/provision.py"
step "services start" "$RUN/services.log" "$ROOT/scripts/services.sh" serve
echo "make demo: ready in $(duration $((SECONDS - started))) (the pipeline's full log: $RUN/pipeline.log)"
"$ROOT/scripts/services.sh" urls
