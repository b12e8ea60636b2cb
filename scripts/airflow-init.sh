#!/usr/bin/env bash
# Prepare Airflow's metadata (idempotent): migrate the SQLite DB, the admin password, the DuckDB writer pool.
set -euo pipefail
source "$(dirname "$0")/env.sh"
AIRFLOW="$ROOT/.venv/pipeline/bin/airflow"
mkdir -p "$AIRFLOW_HOME"
# The login, as JSON written by a JSON writer (any character in the password), readable by this user only.
"$ROOT/.venv/pipeline/bin/python" - "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE" <<'PY'
import json, os, sys
path = sys.argv[1]
fd = os.open(path + ".new", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w", encoding="utf-8") as handle:
    json.dump({os.environ["DIALOOG_ADMIN_USER"]: os.environ["DIALOOG_ADMIN_PASSWORD"]}, handle)
os.chmod(path + ".new", 0o600)
os.replace(path + ".new", path)
PY
# Migrate once per lock file and metadata DB (the stamp holds only hashes, never the DB URL itself).
stamp="$AIRFLOW_HOME/.migrated-$(cat "$ROOT/requirements/pipeline.txt" <(echo "$AIRFLOW__DATABASE__SQL_ALCHEMY_CONN") \
  | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  "$AIRFLOW" db migrate >"$AIRFLOW_HOME/migrate.log" 2>&1 || { tail -20 "$AIRFLOW_HOME/migrate.log"; exit 1; }
  touch "$stamp"
fi
# DuckDB allows one writer process: every writing task runs in this one-slot pool. Set through Airflow's CLI only
# when the SQLite metadata DB does not already say one slot: the CLI takes seconds to start, and every hourly
# `make pipeline` comes here.
pool_slots="$("$ROOT/.venv/pipeline/bin/python" - "$AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" <<'PY' 2>/dev/null || true
import sqlite3, sys
url = sys.argv[1]
if url.startswith("sqlite:///"):
    with sqlite3.connect(f"file:{url.removeprefix('sqlite:///')}?mode=ro", uri=True) as db:
        row = db.execute("SELECT slots FROM slot_pool WHERE pool = 'duckdb_writer'").fetchone()
        print(row[0] if row else "")
PY
)"
if [ "$pool_slots" != "1" ]; then
  "$AIRFLOW" pools set duckdb_writer 1 "One DuckDB writer at a time (loaders and dbt)" >/dev/null
fi
