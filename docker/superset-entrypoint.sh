#!/usr/bin/env bash
# Entrypoint of the Dialoog Superset image, with the configuration `make demo` uses (superset/).
#
# Usage: superset-entrypoint.sh provision | serve | <command ...>
#   provision  superset/provision.py: metadata upgrade when needed, admin user, roles, dashboard bundle
#   serve      the web server in the foreground (the same gunicorn setup as superset/run.sh, which
#              backgrounds it for the local demo)
#   anything else  run it in this environment
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export SUPERSET_CONFIG_PATH="$ROOT/superset/superset_config.py"
BIN="$ROOT/.venv/bi/bin"

serve() {
  exec "$BIN/gunicorn" --bind "0.0.0.0:${SUPERSET_PORT:-8088}" --workers "${SUPERSET_WORKERS:-1}" \
    --worker-class gthread --threads "${SUPERSET_THREADS:-8}" --timeout 120 \
    --limit-request-line 0 --limit-request-field_size 0 --access-logfile - \
    "superset.app:create_app()"
}

case "${1:-}" in
  provision) exec "$BIN/python" "$ROOT/superset/provision.py" ;;
  serve) serve ;;
  "") echo "usage: $0 provision|serve|<command ...>" >&2; exit 2 ;;
  *) exec "$@" ;;
esac
