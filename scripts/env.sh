# Environment of a local Dialoog installation; sourced by the Makefile and the scripts (one source of truth
# for the embedded setup: DuckDB files, SQLite metadata, local processes). Every value can be overridden.
# Files made by Dialoog's processes (logs, reports, metadata) are their owner's only; the published warehouse is
# made readable on purpose (steps/publish.py). Compose sets 022: Superset runs there as another user. The
# build warehouse, the quarantine and the secrets are private whatever the umask (ingestion/).
umask "${DIALOOG_UMASK:-077}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DIALOOG_ROOT="$ROOT"
export DIALOOG_HOME="$(mkdir -p "${DIALOOG_HOME:-$ROOT/var}" && cd "${DIALOOG_HOME:-$ROOT/var}" && pwd)"
export DIALOOG_ADMIN_USER="${DIALOOG_ADMIN_USER:-admin}"
export DIALOOG_ADMIN_PASSWORD="${DIALOOG_ADMIN_PASSWORD:-admin}"
export AIRFLOW_PORT="${AIRFLOW_PORT:-8080}"
# Airflow and Superset listen on this address only; set DIALOOG_BIND_ADDRESS=0.0.0.0 to expose them.
export DIALOOG_BIND_ADDRESS="${DIALOOG_BIND_ADDRESS:-127.0.0.1}"
export SUPERSET_HOST="${SUPERSET_HOST:-$DIALOOG_BIND_ADDRESS}"
export SUPERSET_PORT="${SUPERSET_PORT:-8088}"
export PYTHONPATH="$ROOT:$ROOT/dbt_project/python${PYTHONPATH:+:$PYTHONPATH}"

# Airflow 3: metadata in SQLite under DIALOOG_HOME, LocalExecutor, the project's DAGs, few workers (2 cores).
export AIRFLOW_HOME="${AIRFLOW_HOME:-$DIALOOG_HOME/airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
# The LocalExecutor, with the steps and Great Expectations imported once before its workers fork the tasks
# (dags/shared/executor.py): a running Airflow then does not import them again in every task of every hour.
export AIRFLOW__CORE__EXECUTOR="${AIRFLOW__CORE__EXECUTOR:-dags.shared.executor.PreloadingLocalExecutor}"
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-4}"
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="${AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION:-False}"
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-sqlite:///$AIRFLOW_HOME/airflow.db}"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="$DIALOOG_ADMIN_USER:admin"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$AIRFLOW_HOME/simple_auth_manager_passwords.json"
export AIRFLOW__API__PORT="$AIRFLOW_PORT"
export AIRFLOW__API__HOST="${AIRFLOW__API__HOST:-$DIALOOG_BIND_ADDRESS}"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="${AIRFLOW__CORE__EXECUTION_API_SERVER_URL:-http://localhost:$AIRFLOW_PORT/execution/}"
export AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR="${AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR:-True}"
# A task that ends skipped (a loader that found nothing new, most hours) is reported once its supervisor wakes, at
# most this many seconds later; Airflow's default of 5 s cost an hourly run 5 s per skipped task. A running task
# heartbeats as often (one small write to the metadata DB a second per running task; its cost not measured).
export AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL="${AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL:-1}"
# The scheduler sleeps this long when a loop found nothing to do, which is every loop while a task runs: the next task
# of an hour (the writer pool hands over nine times) waited up to that long to be queued. Measured on this 2-core
# host: half a second of Airflow's default 1 s saved about 2.5 s of a scale-1 hour, and cost the idle scheduler
# 0.9 % more of one core (4.15 s instead of 3.09 s of CPU per 120 s; docs/benchmarks.md).
export AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME="${AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME:-0.5}"
export AIRFLOW__LOGGING__LOGGING_LEVEL="${AIRFLOW__LOGGING__LOGGING_LEVEL:-INFO}"
export NO_PROXY="${NO_PROXY:-localhost,127.0.0.1}"
