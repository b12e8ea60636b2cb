"""Shared fixtures: every test gets its own DIALOOG_HOME, so nothing touches ./var."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from ingestion.settings import Settings, get_settings

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
