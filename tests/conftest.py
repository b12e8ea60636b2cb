"""Shared fixtures: every test gets its own DIALOOG_HOME, so nothing touches ./var."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT, Settings, get_settings

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROJECT = Path(__file__).resolve().parent.parent

# Airflow reads its configuration at import: point it at a metadata DB of this test session, never ./var.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="dialoog-test-airflow-"))
atexit.register(shutil.rmtree, _AIRFLOW_HOME, ignore_errors=True)  # one per session: do not pile up in /tmp
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_AIRFLOW_HOME}/airflow.db"
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(PROJECT / "dags")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A fresh, empty DIALOOG_HOME for one test."""
    monkeypatch.setenv("DIALOOG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DIALOOG_CITIZEN_KEY", "test-key")
    return get_settings()


def drop(settings: Settings, source: str, fixture: Path, name: str | None = None) -> Path:
    """Copy a fixture file into the landing zone of a source, as a user would drop it."""
    target = settings.landing / source / (name or fixture.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(fixture.read_bytes())
    return target


# --- the published demo warehouse, shared by the Superset and release tests (one pipeline run per session) ------
# The demo generator writes a landing zone (CONTRACT.md §2) at a small scale, with its bad day (a truncated X API
# page, a webcare row with an impossible date, a late survey file with a re-sent answer and an unknown
# municipality: demo/bad_day.py) for the data-quality dashboard to show, and ``scripts/pipeline.sh``
# loads, builds, checks and publishes it, as ``make demo`` does.

# Percentages and counts are exact at every scale (docs/demo-data.md); 0.02 keeps the pipeline near 90 s.
DEMO_SCALE = "0.02"


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
    _run([sys.executable, "-m", "demo", "--home", str(home), "--scale", DEMO_SCALE], env, log)
    _run(["bash", str(PROJECT_ROOT / "scripts" / "pipeline.sh")], env, log)
    assert (home / "serving" / "warehouse.duckdb").exists(), log.read_text()[-3000:]
    return home
