"""A build killed half-way (the machine rebooted, the task was killed) changes nothing that is served, leaves its
transform run 'running', and makes the next build a full one whose published marts equal a full build of the same
inputs from scratch. Real loaders, real dbt, a real kill of the build's whole process group."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from core.settings import PROJECT_ROOT, Settings
from steps.build import build_warehouse
from steps.plan import plan_build
from steps.publish import publish_warehouse
from tests.conftest import FIXTURES
from tests.dbt.conftest import load_clean

pytestmark = pytest.mark.e2e

#: The social file that arrives after the first publish (a later year's timeline of one account).
LATE_FILE = Path("x_api") / "2015" / "gem_bussum" / "timeline-0001.json"
#: The longest the test waits for dbt to start a model before it gives up (the wait ends as soon as it does).
DBT_START_TIMEOUT_S = 600


def _land(home: Settings, *, without: Path | None = None) -> None:
    """The warehouse scenario's landing zone (tests/fixtures/warehouse), without one file if asked."""
    shutil.copytree(FIXTURES / "warehouse" / "landing", home.landing,
                    ignore=lambda folder, names: [n for n in names if without and Path(folder, n) ==
                                                  FIXTURES / "warehouse" / "landing" / without])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _dbt_log_size(home: Settings) -> int:
    log = home.home / "dbt" / "logs" / "dbt.log"
    return log.stat().st_size if log.exists() else 0


def _wait_for_a_model_to_start(home: Settings, build: subprocess.Popen, log_size_before: int) -> None:
    """Until the build's dbt has started a model (its log, new since ``log_size_before``, says START)."""
    log = home.home / "dbt" / "logs" / "dbt.log"
    deadline = time.monotonic() + DBT_START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert build.poll() is None, f"the build ended (exit {build.returncode}) before the test could kill it"
        if log.exists():
            with log.open("rb") as handle:
                handle.seek(log_size_before)
                if b" START " in handle.read():
                    return
        time.sleep(0.2)
    pytest.fail(f"dbt started no model within {DBT_START_TIMEOUT_S} s")


def _stat_fields(stat_file: Path) -> list[str] | None:
    """The fields of a /proc stat file after the command name (state, ppid, pgrp, ...); None if it is gone."""
    try:
        return stat_file.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _living(group: int) -> list[int]:
    """The processes of process group ``group`` that have not exited. A process has exited only when every one
    of its threads has: /proc/<pid>/stat shows the main thread, which can be a zombie while dbt's other threads
    are still closing files, and the warehouse's lock goes only with the last of them."""
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat_fields(stat_file)
        if fields is None or int(fields[2]) != group:
            continue
        threads = [_stat_fields(task) for task in stat_file.parent.glob("task/[0-9]*/stat")]
        if any(thread[0] not in ("Z", "X") for thread in [fields, *threads] if thread is not None):
            found.append(int(stat_file.parent.name))
    return found


def _wait_until_gone(group: int) -> None:
    """Until every process of the process group ``group`` has exited."""
    deadline = time.monotonic() + 60
    while _living(group):
        if time.monotonic() > deadline:
            pytest.fail(f"process group {group} still runs 60 s after SIGKILL: {_living(group)}")
        time.sleep(0.1)


def _mart_tables(database: Path) -> list[str]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return [row[0] for row in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
                                              "ORDER BY table_name").fetchall()]
    finally:
        con.close()


def _copies_from_the_late_file(database: Path) -> int:
    """How many message copies of the published lineage come from :data:`LATE_FILE`."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM marts.fct_message_sources WHERE source_file LIKE ?",
                           [f"%{LATE_FILE.as_posix()}"]).fetchone()[0]
    finally:
        con.close()


def _differences(left: Path, right: Path) -> dict[str, tuple[int, int]]:
    """Per mart table, the rows only in ``left`` and only in ``right`` (EXCEPT ALL both ways); equal tables left
    out. Both files must hold the same tables."""
    tables = _mart_tables(left)
    assert tables and tables == _mart_tables(right)
    con = duckdb.connect()
    try:
        con.execute("ATTACH ? AS l (READ_ONLY)", [str(left)])
        con.execute("ATTACH ? AS r (READ_ONLY)", [str(right)])
        found = {}
        for table in tables:
            only_left, only_right = (con.execute(
                f'SELECT count(*) FROM (SELECT * FROM {a}.marts."{table}" EXCEPT ALL SELECT * FROM {b}.marts."{table}")'
            ).fetchone()[0] for a, b in (("l", "r"), ("r", "l")))
            if only_left or only_right:
                found[table] = (only_left, only_right)
        return found
    finally:
        con.close()


def test_a_killed_build_is_redone_in_full_and_equals_a_build_from_scratch(
    home: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DIALOOG_FULL_REFRESH", raising=False)
    _land(home, without=LATE_FILE)
    load_clean(home)
    assert build_warehouse(home).reason == "full: no build yet"
    publish_warehouse(home)
    served_before = _sha256(home.serving_path)
    assert _copies_from_the_late_file(home.serving_path) == 0

    (home.landing / LATE_FILE).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "warehouse" / "landing" / LATE_FILE, home.landing / LATE_FILE)
    load_clean(home, ("social",))
    assert plan_build(home).mode == "incremental"  # what the killed build set out to do

    log_size_before = _dbt_log_size(home)
    build = subprocess.Popen(
        [sys.executable, "-c", "from steps.build import build_warehouse; build_warehouse()"],
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}, cwd=PROJECT_ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_a_model_to_start(home, build, log_size_before)
    finally:
        os.killpg(build.pid, signal.SIGKILL)  # the build and its dbt, as a reboot would
        build.wait()
        _wait_until_gone(build.pid)  # dbt, reparented, holds the warehouse's lock until it is reaped
    assert build.returncode == -signal.SIGKILL

    assert _sha256(home.serving_path) == served_before  # nothing served changed
    plan = plan_build(home)
    assert plan.mode == "full"
    assert "did not finish or was not published (it is running)" in plan.reason, plan.reason

    assert build_warehouse(home).mode == "full"
    publish_warehouse(home)
    assert _copies_from_the_late_file(home.serving_path) > 0

    scratch = Settings(home=tmp_path / "from-scratch")
    monkeypatch.setenv("DIALOOG_HOME", str(scratch.home))
    _land(scratch)
    load_clean(scratch)
    build_warehouse(scratch)
    publish_warehouse(scratch)
    assert _differences(home.serving_path, scratch.serving_path) == {}
