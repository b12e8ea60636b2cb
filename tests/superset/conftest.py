"""Fixtures for the Superset tests: a DIALOOG_HOME with a warehouse published by the real pipeline.

The demo generator writes a landing zone (CONTRACT.md §2) at a small scale, with its bad day (a truncated X API
page, a webcare row with an impossible date, a late survey file with a re-sent answer and an unknown
municipality: ingestion/demo/bad_day.py) for the data-quality dashboard to show, and ``scripts/pipeline.sh``
loads, builds, checks and publishes it, as ``make demo`` does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingestion.demo import bad_day
from ingestion.settings import PROJECT_ROOT

# Percentages and counts are exact at every scale (docs/demo-data.md); 0.02 keeps the pipeline near 90 s.
DEMO_SCALE = "0.02"
BROKEN_PAGE, BROKEN_ROWS = bad_day.TRUNCATED_PAGE, bad_day.IMPOSSIBLE_DATE


def _clean_env(home: Path) -> dict[str, str]:
    """This environment without another installation's Dialoog and Airflow settings, for ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIALOOG_", "AIRFLOW", "SUPERSET_"))}
    return env | {"DIALOOG_HOME": str(home), "PYTHONPATH": str(PROJECT_ROOT)}


def _run(command: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("a") as out:
        done = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT, timeout=1200)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed; end of {log}:\n" + "".join(log.read_text().splitlines(True)[-40:]))


@pytest.fixture(scope="session")
def published_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh DIALOOG_HOME whose ``serving/warehouse.duckdb`` the pipeline published from demo data."""
    home = tmp_path_factory.mktemp("dialoog_home")
    env = _clean_env(home)
    log = home / "fixture.log"
    _run([sys.executable, "-m", "ingestion.demo", "--home", str(home), "--scale", DEMO_SCALE], env, log)
    _run(["bash", str(PROJECT_ROOT / "scripts" / "pipeline.sh")], env, log)
    assert (home / "serving" / "warehouse.duckdb").exists(), log.read_text()[-3000:]
    return home
