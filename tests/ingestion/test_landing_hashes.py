"""A load reads only what is new or changed: landed files already loaded and unchanged since are not hashed again
(``raw._landing_hashes``, :mod:`ingestion.framework.hashes`), and still every changed file loads again, also one
rewritten with its old size and modification time."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import duckdb
import pytest

from core import warehouse
from core.bookkeeping import ensure_bookkeeping
from core.settings import Settings
from ingestion import cbs
from ingestion.framework import hashes, load_source, undo_load
from ingestion.framework.records import SourceReport

LABEL = "cbs_gemeenten/lijst.csv"
HEADER = "Gemeentecode,Gemeentenaam,Provinciecode,Provincienaam,jaar\n"


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The landed files the loader hashes from their bytes (by name), as they are hashed."""
    read: list[str] = []
    real = hashes.unit_sha256

    def counting(path: Path, include_name: bool = False) -> str:
        read.append(path.name)
        return real(path, include_name)

    monkeypatch.setattr(hashes, "unit_sha256", counting)
    return read


@pytest.fixture
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files count as settled as soon as they are written (else a test would wait two seconds per file)."""
    monkeypatch.setattr(hashes, "SETTLED_NS", 0)


def _land(settings: Settings, town: str) -> Path:
    path = settings.landing / LABEL
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{HEADER}0363,{town},27,Noord-Holland,2030\n", encoding="utf-8")
    return path


def _towns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute("SELECT gemeentenaam, source_sha256 FROM raw.cbs_gemeenten WHERE source_file = ? "
                       "ORDER BY loaded_at", [LABEL]).fetchall()


def _remembered(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT source_file, source_sha256 FROM raw._landing_hashes").fetchall())


def test_an_unchanged_loaded_file_is_not_read_again(home: Settings, counted: list[str], settled_at_once: None) -> None:
    _land(home, "Amsterdam")
    con = warehouse.connect(home)
    try:
        first = load_source(con, cbs.CBS_GEMEENTEN, home)
        assert LABEL in first.files_loaded and counted == ["lijst.csv"]
        assert _remembered(con) == {LABEL: _towns(con)[0][1]}

        again = load_source(con, cbs.CBS_GEMEENTEN, home)
        assert counted == ["lijst.csv"]  # not read again
        assert again.files_loaded == [] and again.files_skipped == len(first.files_loaded)
        # The load is recorded as before: one dq.loads row with the file counted as already loaded.
        assert con.execute("SELECT files_loaded, files_skipped FROM dq.loads WHERE load_id = ?",
                           [again.load_id]).fetchone() == (0, again.files_skipped)
        assert len(_towns(con)) == 1
    finally:
        con.close()


def test_a_file_rewritten_with_its_old_size_and_time_loads_again(
    home: Settings, counted: list[str], settled_at_once: None
) -> None:
    """Size and modification time are the user's to set; the change time is not, and a rewrite moves it."""
    path = _land(home, "Amsterdam")
    con = warehouse.connect(home)
    try:
        load_source(con, cbs.CBS_GEMEENTEN, home)
        before = os.lstat(path)
        time.sleep(0.05)  # past the file system's clock tick, so that the rewrite's change time is a later one
        _land(home, "Amsterdan")  # same length
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        after = os.lstat(path)
        assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
        assert after.st_ctime_ns != before.st_ctime_ns

        report = load_source(con, cbs.CBS_GEMEENTEN, home)
        assert report.files_loaded == [LABEL] and counted == ["lijst.csv", "lijst.csv"]
        towns = _towns(con)
        assert [town for town, _ in towns] == ["Amsterdam", "Amsterdan"] and towns[0][1] != towns[1][1]
        assert _remembered(con) == {LABEL: towns[1][1]}
    finally:
        con.close()


def test_a_file_still_settling_is_read_again_next_time(home: Settings, counted: list[str]) -> None:
    """A file changed less than SETTLED_NS before it was hashed could change again within the same clock tick,
    unseen: it is not remembered, and the next load reads it again (and finds it loaded)."""
    _land(home, "Amsterdam")
    con = warehouse.connect(home)
    try:
        load_source(con, cbs.CBS_GEMEENTEN, home)
        assert _remembered(con) == {}
        again = load_source(con, cbs.CBS_GEMEENTEN, home)
        assert counted == ["lijst.csv", "lijst.csv"] and again.files_loaded == []
    finally:
        con.close()


def test_a_file_whose_load_was_undone_is_read_and_loaded_again(
    home: Settings, counted: list[str], settled_at_once: None
) -> None:
    """A remembered hash only says a file is already loaded while ``raw._files`` has it."""
    _land(home, "Amsterdam")
    con = warehouse.connect(home)
    try:
        first = load_source(con, cbs.CBS_GEMEENTEN, home)
        undo_load(con, cbs.CBS_GEMEENTEN, home, first, {})
        assert _towns(con) == [] and LABEL in _remembered(con)
        report = load_source(con, cbs.CBS_GEMEENTEN, home)
        assert LABEL in report.files_loaded and counted == ["lijst.csv", "lijst.csv"]
        assert [town for town, _ in _towns(con)] == ["Amsterdam"]
    finally:
        con.close()


def test_files_no_longer_landed_are_forgotten(home: Settings, settled_at_once: None) -> None:
    path = _land(home, "Amsterdam")
    con = warehouse.connect(home)
    try:
        load_source(con, cbs.CBS_GEMEENTEN, home)
        assert set(_remembered(con)) == {LABEL}
        path.unlink()
        load_source(con, cbs.CBS_GEMEENTEN, home)
        assert _remembered(con) == {}
    finally:
        con.close()


def test_a_folder_is_hashed_every_time(tmp_path: Path, counted: list[str], settled_at_once: None) -> None:
    """An unzipped archive's own identity does not change when a file in it does: never remembered."""
    folder = tmp_path / "archief"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "tweets.js").write_text("[]", encoding="utf-8")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        ensure_bookkeeping(con)
        remembered = hashes.LandingHashes(con, "x_archive", name_is_data=False)
        first = remembered.key(folder, "x_archive/archief")
        remembered.save()
        (folder / "data" / "tweets.js").write_text("[1]", encoding="utf-8")
        again = hashes.LandingHashes(con, "x_archive", name_is_data=False)
        assert again.key(folder, "x_archive/archief") != first
        assert counted == ["archief", "archief"] and _remembered(con) == {}
    finally:
        con.close()


def test_a_report_is_what_it_was_without_the_memory(home: Settings, settled_at_once: None) -> None:
    """The same landing zone loaded with and without remembered hashes gives the same report."""
    _land(home, "Amsterdam")
    con = warehouse.connect(home)
    try:
        load_source(con, cbs.CBS_GEMEENTEN, home)
        with_memory = load_source(con, cbs.CBS_GEMEENTEN, home)
        con.execute("DELETE FROM raw._landing_hashes")
        without = load_source(con, cbs.CBS_GEMEENTEN, home)
    finally:
        con.close()

    def same(report: SourceReport) -> tuple:
        return (report.files_loaded, report.files_skipped, report.files_quarantined, report.rows_loaded,
                report.files_ignored)

    assert same(with_memory) == same(without)


def test_a_file_loaded_before_is_passed_by_unscreened(
    home: Settings, counted: list[str], settled_at_once: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load that finds nothing new looks at each landed file once (its ``lstat``): it is not screened, weighed or
    read, and the hashes of every file ever loaded (``raw._files``) are not fetched for it."""
    import ingestion.framework.load as loading
    from ingestion.framework.writer import Writer

    landed_only = dataclasses.replace(cbs.CBS_GEMEENTEN, shipped=())  # a social source's kind: no shipped files
    _land(home, "Amsterdam")
    con = warehouse.connect(home)
    try:
        load_source(con, landed_only, home)
        screened: list[Path] = []
        real_screen = loading.screen
        monkeypatch.setattr(loading, "screen", lambda path: screened.append(path) or real_screen(path))
        fetched: list[int] = []
        real_known = Writer.known.fget
        monkeypatch.setattr(Writer, "known", property(lambda writer: fetched.append(1) or real_known(writer)))

        again = load_source(con, landed_only, home)
        assert again.files_skipped == 1 and again.files_loaded == [] and counted == ["lijst.csv"]
        assert screened == [] and fetched == []

        _land(home, "Amstelveen")  # changed: screened, hashed, checked against raw._files, loaded
        changed = load_source(con, landed_only, home)
        assert changed.files_loaded == [LABEL] and len(screened) == 1 and fetched
    finally:
        con.close()
