"""Fixtures for the Superset tests: a DIALOOG_HOME with a warehouse published by the real pipeline.

The demo generator writes a landing zone (CONTRACT.md §2) at a small scale, a broken X API page and a
webcare row with an impossible date are added so the data-quality dashboard has quarantined files and rows
to show, and ``scripts/pipeline.sh`` loads, builds, checks and publishes it, as ``make demo`` does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingestion.settings import PROJECT_ROOT

# Percentages and counts are exact at every scale (docs/demo-data.md); 0.02 keeps the pipeline near 90 s.
DEMO_SCALE = "0.02"
BROKEN_PAGE = "x_api/2014/AalsmeerGemeent/mentions-9999.json"
BROKEN_ROWS = "webcare_csv/2024/berichten-aalsmeergemeent-extra-2024.csv"


def _clean_env(home: Path) -> dict[str, str]:
    """This environment without another installation's Dialoog and Airflow settings, for ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIALOOG_", "AIRFLOW", "SUPERSET_"))}
    return env | {"DIALOOG_HOME": str(home), "PYTHONPATH": str(PROJECT_ROOT)}


def add_bad_input(landing: Path) -> None:
    """A truncated X API page (quarantined whole) and a webcare row whose date does not exist."""
    page = landing / BROKEN_PAGE
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text('{"data": [{"id": "1", "text": "afgebroken', encoding="utf-8")
    rows = landing / BROKEN_ROWS
    rows.parent.mkdir(parents=True, exist_ok=True)
    rows.write_bytes(
        "\ufeffbericht_id;datum;kanaal;account;auteur;richting;in_antwoord_op;tekst\r\n"
        "9000000000000000001;31-02-2024 25:61;x;AalsmeerGemeent;piet_test;inkomend;;"
        "@AalsmeerGemeent Wanneer is het gemeentehuis open?\r\n".encode()
    )


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
    add_bad_input(home / "landing")
    _run(["bash", str(PROJECT_ROOT / "scripts" / "pipeline.sh")], env, log)
    assert (home / "serving" / "warehouse.duckdb").exists(), log.read_text()[-3000:]
    return home
