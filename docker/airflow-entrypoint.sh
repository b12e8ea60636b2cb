#!/usr/bin/env bash
# Entrypoint of the Dialoog Airflow image: every Airflow container runs in the environment of `make demo`.
#
# scripts/env.sh is the one source of truth for Airflow's settings (DAGs folder, parallelism, auth manager,
# DIALOOG_HOME, ...). docker-compose.yml only sets what a multi-container deployment must change: the
# metadata database, the executor, where the execution API lives, the shared secrets and the Celery broker.
# env.sh keeps values that are already set for exactly those keys.
#
# Usage: airflow-entrypoint.sh init | first-publish | <command ...>
#   init           migrate the metadata database, write the admin password, create the one-slot DuckDB
#                  writer pool (scripts/airflow-init.sh)
#   first-publish  on a volume without a published warehouse: run every DAG once on the landing zone
#                  (scripts/pipeline.sh), as `make demo` does after its demo data; a no-op afterwards. The image
#                  has no demo generator: demo exports are copied into the volume from a checkout
#                  (docs/deployment.md)
#   anything else  run it in this environment (airflow scheduler, airflow api-server, airflow jobs check ...)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../scripts/env.sh
source "$ROOT/scripts/env.sh"
# The environment the scripts use ($ROOT/.venv/pipeline), first on PATH for commands such as `airflow`.
export PATH="$ROOT/.venv/pipeline/bin:$PATH"

init() {
  # The migration stamp of airflow-init.sh lives on the DIALOOG_HOME volume, but the metadata lives in
  # Postgres, whose volume can be new while the stamp is old: always migrate here (idempotent).
  rm -f "$AIRFLOW_HOME"/.migrated-*
  exec "$ROOT/scripts/airflow-init.sh"
}

first_publish() {
  local published="$DIALOOG_HOME/serving/warehouse.duckdb"
  if [[ -f "$published" ]]; then
    echo "first-publish: $published exists; the scheduler takes over from here"
    return 0
  fi
  exec "$ROOT/scripts/pipeline.sh"
}

case "${1:-}" in
  init) init ;;
  first-publish) first_publish ;;
  "") echo "usage: $0 init|first-publish|<command ...>" >&2; exit 2 ;;
  *) exec "$@" ;;
esac
