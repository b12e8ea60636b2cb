"""The demo services as `make demo` / `make stop` run them: Airflow and Superset start and answer, the DAG
runs show as succeeded in Airflow's REST API, `make pipeline` goes through that API while Airflow runs, and
stopping leaves no process of this installation behind."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import time
from pathlib import Path

import pytest
import requests

from bench.run import wait_until_nothing_is_due
from core.settings import Settings
from tests.conftest import FIXTURES, PROJECT, drop

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _processes_of(home: Settings) -> list[str]:
    """Command lines of live processes whose environment names this DIALOOG_HOME."""
    found = []
    for pid in os.listdir("/proc"):
        try:
            proc = Path("/proc") / pid
            if f"DIALOOG_HOME={home.home}".encode() in (proc / "environ").read_bytes().split(b"\0"):
                found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return found


def _listening_addresses(port: int) -> set[str]:
    """The local IPv4/IPv6 addresses (hex, as in /proc/net) with a listening socket on this port."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_services_start_answer_run_pipelines_and_stop(home: Settings) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__API", "AIRFLOW__CORE__EXECUTION"))}
    airflow_port, superset_port = _free_port(), _free_port()
    env.update(DIALOOG_HOME=str(home.home), AIRFLOW_PORT=str(airflow_port), SUPERSET_PORT=str(superset_port))

    def sh(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", *command], env=env, cwd=PROJECT, capture_output=True, text=True,
                              timeout=900, check=False)

    assert sh("scripts/pipeline.sh").returncode == 0
    odd = sh("-c", 'DIALOOG_ADMIN_PASSWORD=\'a "quoted\\ pass\' scripts/airflow-init.sh')
    assert odd.returncode == 0, odd.stdout + odd.stderr
    passwords = Path(env.get("AIRFLOW_HOME") or home.home / "airflow") / "simple_auth_manager_passwords.json"
    assert json.loads(passwords.read_text()) == {"admin": 'a "quoted\\ pass'}  # a JSON writer, not printf
    assert stat.S_IMODE(passwords.stat().st_mode) == 0o600
    try:
        started = sh("scripts/services.sh", "start")
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"http://127.0.0.1:{airflow_port}" in started.stdout
        assert "default login admin / admin" in started.stderr  # said loudly
        for port in (airflow_port, superset_port):  # loopback only, unless DIALOOG_BIND_ADDRESS says otherwise
            assert _listening_addresses(port) == {"0100007F"}, port
        assert requests.get(f"http://localhost:{superset_port}/health", timeout=10).text == "OK"

        base = f"http://localhost:{airflow_port}"
        token = requests.post(f"{base}/auth/token", json={"username": "admin", "password": "admin"},
                              timeout=30).json()["access_token"]
        runs = requests.get(f"{base}/api/v2/dags/dialoog_transform/dagRuns",
                            headers={"Authorization": f"Bearer {token}"}, timeout=30).json()["dag_runs"]
        assert "success" in {run["state"] for run in runs}

        # The scheduler starts each loader's hourly run when it starts; let those end first, or one of them could load
        # the file dropped below and leave the pipeline's own loader run nothing to load.
        wait_until_nothing_is_due(base, {"DIALOOG_ADMIN_USER": "admin", "DIALOOG_ADMIN_PASSWORD": "admin"}, 300)
        before = home.serving_path.stat().st_ino
        drop(home, "cbs_gemeenten", FIXTURES / "cbs_gemeenten" / "gemeenten-alfabetisch-2014-cp1252.csv")
        through_api = sh("scripts/pipeline.sh")
        assert through_api.returncode == 0, through_api.stdout + through_api.stderr
        assert "through its REST API" in through_api.stdout
        assert home.serving_path.stat().st_ino != before  # the running scheduler rebuilt and republished
        # The transform run was the one the CBS loader's Asset event started, not a second one triggered by hand.
        transform = next(line for line in through_api.stdout.splitlines() if "dialoog_transform:" in line)
        assert "(run asset_triggered__" in transform, transform
        # Its build ran dbt in a fork of the task, with dbt imported once when the scheduler started (steps/build.py).
        run_id = transform.split("(run ", 1)[1].rstrip(")")
        logs = passwords.parent / "logs" / "dag_id=dialoog_transform" / f"run_id={run_id}"
        build_logs = list(logs.glob("task_id=dbt_build/*.log"))
        build_log = "".join(log.read_text(encoding="utf-8", errors="replace") for log in build_logs)
        assert "in a fork of this process, dbt preloaded" in build_log, (run_id, build_logs)
        # and dbt's own output is in the task log (it once went into dbt's log file: steps.build._dbt_in_fork)
        assert '"dbt: ' in build_log and "Completed successfully" in build_log, (run_id, build_logs)
        after = requests.get(f"{base}/api/v2/dags/dialoog_transform/dagRuns", params={"run_type": "manual"},
                             headers={"Authorization": f"Bearer {token}"}, timeout=30).json()["dag_runs"]
        assert len(after) == len([run for run in runs if run["run_type"] == "manual"])
    finally:
        stopped = sh("scripts/services.sh", "stop")
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    for _ in range(20):
        if not _processes_of(home):
            break
        time.sleep(0.5)
    assert _processes_of(home) == []
