#!/usr/bin/env bash
# `make pipeline`: run every DAG once through Airflow (`airflow dags test`: a real DAG run recorded in the
# metadata DB, no service needed), loaders first, then the transform DAG that builds, checks and publishes.
# Stops at the first DAG run that fails and exits non-zero; skipped tasks (nothing new) are fine.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$ROOT/scripts/airflow-init.sh"
mkdir -p "$DIALOOG_HOME/run"
DAGS=(dialoog_load_cbs dialoog_load_channels dialoog_load_social dialoog_load_survey dialoog_transform)
for dag in "${DAGS[@]}"; do
  [ -f "$AIRFLOW__CORE__DAGS_FOLDER/$dag.py" ] || continue
  log="$DIALOOG_HOME/run/pipeline-$dag.log"
  started=$(date +%s)
  if "$ROOT/.venv/pipeline/bin/airflow" dags test "$dag" >"$log" 2>&1; then
    echo "pipeline: $dag succeeded in $(( $(date +%s) - started )) s (log: $log)"
  else
    echo "pipeline: $dag FAILED (log: $log); nothing after it ran, the published warehouse is unchanged" >&2
    grep -E "ERROR|Error|error|FAILED|failed" "$log" | grep -v "^\s*$" | tail -15 >&2 || true
    exit 1
  fi
done
grep -h -E "file\(s\) loaded with|quarantined [^0]" "$DIALOOG_HOME"/run/pipeline-dialoog_load_*.log 2>/dev/null \
  | sed -E 's/^.*\[info *\] //; s/^.*\[warning *\] /WARNING: /; s/ \[ingestion.loading\].*$//' | sort -u || true
echo "pipeline: published warehouse $DIALOOG_HOME/serving/warehouse.duckdb"
