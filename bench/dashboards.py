"""The dashboards' queries, timed through a real Superset on the warehouse the benchmark's pipeline published.

Superset is provisioned from the dashboards-as-code bundle in the benchmark's own home and started on a free
port (``superset/provision.py``, ``superset/run.sh``), exactly as ``make demo`` does. Each chart's saved query
is then posted to ``/api/v1/chart/data`` with ``force`` set, so Superset's cache is bypassed and the time is
that of the query on the published DuckDB file (plus Superset's own work), the way a first visitor sees it.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import requests

from core.settings import PROJECT_ROOT

BI_PYTHON = PROJECT_ROOT / ".venv" / "bi" / "bin" / "python"
RUN_SH = PROJECT_ROOT / "superset" / "run.sh"
ADMIN = ("admin", "bench-admin-password")
#: Each chart is queried this often; the slowest query counts (a cold first one included).
ROUNDS = 3


def measure_dashboards(home: Path) -> dict[str, Any]:
    """Seconds per chart query (slowest of ``ROUNDS``, cache bypassed), their maximum and median."""
    env = {**os.environ, "DIALOOG_HOME": str(home), "SUPERSET_PORT": str(_free_port()),
           "DIALOOG_ADMIN_USER": ADMIN[0], "DIALOOG_ADMIN_PASSWORD": ADMIN[1]}
    subprocess.run([str(BI_PYTHON), str(PROJECT_ROOT / "superset" / "provision.py")], env=env, check=True,
                   capture_output=True, cwd=PROJECT_ROOT, timeout=900)
    try:
        subprocess.run([str(RUN_SH), "start"], env=env, check=True, capture_output=True, timeout=300)
        base = f"http://127.0.0.1:{env['SUPERSET_PORT']}"
        session = _login(base)
        charts = _charts(session, base)
        seconds = {}
        for name, chart_id in charts.items():
            context = _saved_query(session, base, chart_id)
            seconds[name] = max(_query(session, base, context) for _ in range(ROUNDS))
    finally:
        subprocess.run([str(RUN_SH), "stop"], env=env, capture_output=True, timeout=60)
    return {"charts": seconds, "max": max(seconds.values(), default=0.0),
            "median": statistics.median(seconds.values()) if seconds else 0.0}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _login(base: str) -> requests.Session:
    session = requests.Session()
    answer = session.post(f"{base}/api/v1/security/login", timeout=30,
                          json={"username": ADMIN[0], "password": ADMIN[1], "provider": "db", "refresh": False})
    answer.raise_for_status()
    session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return session


def _charts(session: requests.Session, base: str) -> dict[str, int]:
    query = json.dumps({"page_size": 100, "columns": ["id", "slice_name"]})
    answer = session.get(f"{base}/api/v1/chart/", params={"q": query}, timeout=30)
    answer.raise_for_status()
    return {row["slice_name"]: row["id"] for row in answer.json()["result"]}


def _saved_query(session: requests.Session, base: str, chart_id: int) -> dict[str, Any]:
    """A chart's saved query context, set to bypass Superset's cache."""
    saved = session.get(f"{base}/api/v1/chart/{chart_id}", timeout=30).json()["result"]["query_context"]
    return {**json.loads(saved), "force": True}


def _query(session: requests.Session, base: str, context: dict[str, Any]) -> float:
    """One uncached run of a chart's query, in seconds."""
    started = time.monotonic()
    answer = session.post(f"{base}/api/v1/chart/data", json=context, timeout=120)
    seconds = time.monotonic() - started
    answer.raise_for_status()
    return seconds
