"""The load framework: once per file, all or nothing — also when the loading process is killed midway."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import duckdb

from core import warehouse
from core.bookkeeping import TABLES as BOOKKEEPING
from core.bookkeeping import ensure_bookkeeping
from core.settings import Settings
from ingestion import cbs
from ingestion.framework import default_discover, load_source, quarantine_file
from tests.conftest import PROJECT

ROWS = 200_000  # four insert batches; the kill comes after two

# The child says when it has parsed (and so inserted, in batches) half of the big file, then goes on;
# the test kills it right then, in the middle of the file's transaction.
LOAD_IN_CHILD = """
import dataclasses
from core import warehouse
from ingestion import cbs
from ingestion.framework import load_source
from core.settings import get_settings

def parse_and_tell(path):
    for number, item in enumerate(cbs.parse_gemeenten(path)):
        if path.name == "groot.csv" and number == HALF:
            print("halfway", flush=True)
        yield item

settings = get_settings()
con = warehouse.connect(settings)
load_source(con, dataclasses.replace(cbs.CBS_GEMEENTEN, parse=parse_and_tell), settings)
print("done", flush=True)
"""


def _big_list(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("Gemeentecode,Gemeentenaam,Provinciecode,Provincienaam,jaar\n")
        for i in range(ROWS):
            handle.write(f"{i % 9999:04d},Gemeente {i},27,Noord-Holland,{1990 + i % 30}\n")


def _landed_rows(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute(
        "SELECT count(*) FROM raw.cbs_gemeenten WHERE source_file = 'cbs_gemeenten/groot.csv'"
    ).fetchone()[0]


def test_killed_load_leaves_no_rows_and_the_next_run_completes(home: Settings) -> None:
    _big_list(home.landing / "cbs_gemeenten" / "groot.csv")
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    code = LOAD_IN_CHILD.replace("HALF", str(ROWS // 2))
    child = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "halfway"
    child.send_signal(signal.SIGKILL)
    child.wait()

    con = warehouse.connect(home)
    try:
        registered = con.execute("SELECT count(*) FROM raw._files WHERE source_file = 'cbs_gemeenten/groot.csv'")
        assert registered.fetchone()[0] == 0
        assert _landed_rows(con) == 0  # the killed transaction left nothing behind

        report = load_source(con, cbs.CBS_GEMEENTEN, home)
        assert "cbs_gemeenten/groot.csv" in report.files_loaded
        assert _landed_rows(con) == ROWS
        load_source(con, cbs.CBS_GEMEENTEN, home)
        assert _landed_rows(con) == ROWS  # once only
    finally:
        con.close()


def test_same_bytes_under_another_name_load_nothing_new(home: Settings) -> None:
    con = warehouse.connect(home)
    try:
        report = load_source(con, cbs.CBS_HERINDELINGEN, home)
        assert report.files_loaded == ["shipped:cbs_herindelingen/herindelingen-2012-2025.csv"]
        copy = home.landing / "cbs_herindelingen" / "nogmaals.csv"
        copy.parent.mkdir(parents=True)
        copy.write_bytes(cbs.CBS_HERINDELINGEN.shipped[0].read_bytes())
        again = load_source(con, cbs.CBS_HERINDELINGEN, home)
        assert again.files_loaded == [] and again.files_skipped == 2
        assert con.execute("SELECT count(*) FROM raw.cbs_herindelingen").fetchone()[0] == 103
    finally:
        con.close()


def test_the_landing_zone_is_walked_in_sorted_path_order(tmp_path: Path) -> None:
    """As ``sorted(rglob)`` found them: files at any depth in path order; linked folders are not walked (a link to
    its own parent would never end) but yielded as themselves, like hidden files and ``.reason`` notes, for the
    loader to report (tests/ingestion/test_hostile_files.py)."""
    for name in ("b.json", "a/z.json", "a.json", "a/b/c.json", "A.json", ".hidden.json", "x.json.reason",
                 ".dir/in_hidden_dir.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    (tmp_path / "a" / "loop").symlink_to(tmp_path, target_is_directory=True)
    assert [p.relative_to(tmp_path).as_posix() for p in default_discover(tmp_path)] == [
        ".dir/in_hidden_dir.json", ".hidden.json", "A.json", "a/b/c.json", "a/loop", "a/z.json", "a.json", "b.json",
        "x.json.reason"]
    assert list(default_discover(tmp_path / "missing")) == []


def test_bookkeeping_skips_nothing_a_home_lacks(tmp_path: Path) -> None:
    """A load checks the bookkeeping tables in one query and creates nothing when they are whole; a home
    missing a whole table gets it."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        ensure_bookkeeping(con)
        columns = {table: [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()] for table in BOOKKEEPING}
        assert columns == {table: list(kinds) for table, kinds in BOOKKEEPING.items()}
        con.execute("DROP TABLE dq.loads")
        ensure_bookkeeping(con)
        assert con.execute("SELECT count(*) FROM dq.loads").fetchone()[0] == 0
    finally:
        con.close()


def test_the_quarantine_is_its_owners_only_whatever_the_umask(home: Settings) -> None:
    """A quarantined file and its reason can hold what a citizen wrote: not readable by other users, even when
    the loader runs under a permissive umask (Compose, a cron job)."""

    landed = home.landing / "webcare_csv" / "export.csv"
    landed.parent.mkdir(parents=True)
    landed.write_text("bericht_id;tekst\n1;@gemeente mijn adres is ...\n", encoding="utf-8")
    previous = os.umask(0o022)
    try:
        moved = quarantine_file(home, "webcare_csv", landed, "a reason")
    finally:
        os.umask(previous)
    assert moved is not None and not landed.exists()
    for path in (home.quarantine, moved.parent):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    assert stat.S_IMODE(moved.with_name(moved.name + ".reason").stat().st_mode) == 0o600
