#!/usr/bin/env bash
# `make pipeline`: run every DAG once through Airflow (real DAG runs via dag.test(), recorded in the metadata
# DB; no service needed), loaders first, then the transform DAG that builds, checks and publishes.
# Stops at the first DAG run that fails and exits non-zero; skipped tasks (nothing new) are fine.
# DIALOOG_FULL_REFRESH=1 (make pipeline FULL_REFRESH=1) makes the transform rebuild everything (run_dags.py).
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$ROOT/scripts/airflow-init.sh"
RUN="$DIALOOG_HOME/run"
mkdir -p "$RUN"
log="$RUN/pipeline.log"
# One run at a time per home: a second one would interleave this log and wait on the writer anyway.
exec 9>"$RUN/pipeline.lock"
if ! flock -n 9; then
  echo "pipeline: another make pipeline is running on $DIALOOG_HOME; wait for it to end (its log: $log)" >&2
  exit 1
fi
# While this home's Airflow runs (make demo), its scheduler runs the DAGs: trigger them through the API.
api=()
if [ -f "$RUN/airflow.pid" ] && kill -0 "$(cat "$RUN/airflow.pid")" 2>/dev/null; then
  api=("http://localhost:$AIRFLOW_PORT")
  echo "pipeline: Airflow is running; triggering the DAGs through its REST API (task logs: its UI)"
fi
status=0
"$ROOT/.venv/pipeline/bin/python" "$ROOT/scripts/run_dags.py" "$RUN/pipeline-summary.txt" "${api[@]}" \
  >"$log" 2>&1 || status=$?
sed 's/^/pipeline: /' "$RUN/pipeline-summary.txt" 2>/dev/null || true
# What the loaders did, file by file (the full log has every task's lines).
grep -E "file\(s\) loaded with|\] quarantined " "$log" | sed -E 's/^.*\[(info|warning) *\] //; s/ \[ingestion\.[a-z_.]*\].*$//' \
  | sed 's/^/  /' || true
# What the transform decided: a full or an incremental build, and why (steps/plan.py).
grep -E "\] build [0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}: (full|incremental)" "$log" \
  | sed -E 's/^.*\[info *\] //; s/ \[steps\.build\].*$//' | sed 's/^/  /' || true
if [ "$status" -ne 0 ]; then
  echo "pipeline: FAILED (full log: $log); the published warehouse is unchanged" >&2
  grep -E "\[error|dbt: .*(ERROR|FAIL|Error|error)" "$log" | sed -E "s/^.*(dbt: )/\1/" | tail -12 >&2 || true
  exit 1
fi
echo "pipeline: published warehouse $DIALOOG_HOME/serving/warehouse.duckdb (full log: $log)"
