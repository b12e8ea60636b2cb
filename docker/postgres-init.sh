#!/usr/bin/env bash
# Postgres first-start script (mounted into /docker-entrypoint-initdb.d/): one metadata database each for
# Airflow and Superset, owned by the compose user. Runs only when the data volume is empty.
set -euo pipefail
for db in airflow superset; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -c "CREATE DATABASE \"$db\" OWNER \"$POSTGRES_USER\";"
done
