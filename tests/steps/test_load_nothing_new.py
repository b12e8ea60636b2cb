"""An hourly load that finds nothing new costs little and records what it always recorded: one ``dq.loads`` row per
source with every file counted as already loaded, no suite run, no Data Docs rebuilt, no file read again; and the
Airflow task skips (no Asset event, so no build follows). A file rewritten since still loads and is checked."""

from __future__ import annotations

import os

import duckdb
import pytest

from core import warehouse
from core.settings import Settings
from ingestion.framework import hashes
from steps.load import anything_new, load_family

LABEL = "cbs_gemeenten/lijst.csv"


def _land(settings: Settings, town: str) -> None:
    path = settings.landing / LABEL
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"Gemeentecode,Gemeentenaam,Provinciecode,Provincienaam,jaar\n0363,{town},27,Noord-Holland,2030\n",
                    encoding="utf-8")


def _books(settings: Settings) -> tuple[list[tuple], list[tuple]]:
    """(dq.loads rows as (source, loaded, skipped, quarantined, rows), dq.validation_runs as (suite, load_id))."""
    con = warehouse.connect(settings)
    try:
        loads = con.execute("SELECT source, files_loaded, files_skipped, files_quarantined, rows_loaded FROM dq.loads "
                            "ORDER BY started_at, source").fetchall()
        runs = con.execute("SELECT suite, load_id FROM dq.validation_runs ORDER BY started_at").fetchall()
        return loads, runs
    finally:
        con.close()


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Files count as settled at once; the landed files read from their bytes are listed by name."""
    monkeypatch.setattr(hashes, "SETTLED_NS", 0)
    read: list[str] = []
    real = hashes.unit_sha256
    monkeypatch.setattr(hashes, "unit_sha256", lambda path, include_name=False: read.append(path.name)
                        or real(path, include_name))
    return read


def test_a_family_with_nothing_new_records_its_loads_and_runs_no_suite(home: Settings, hashed: list[str]) -> None:
    _land(home, "Amsterdam")
    first = load_family("cbs", home)
    assert anything_new(first) and hashed == ["lijst.csv"]
    loads, runs = _books(home)
    assert {suite for suite, _ in runs} == {"cbs_gemeenten", "cbs_herindelingen", "cbs_bevolking"}
    docs = home.reports / "data_docs" / "index.html"
    docs_written = os.stat(docs).st_mtime_ns

    again = load_family("cbs", home)

    assert not anything_new(again)  # the Airflow task raises a skip: no Asset event, no build
    assert hashed == ["lijst.csv"]  # the landed file was not read again
    loads_after, runs_after = _books(home)
    assert runs_after == runs  # no suite ran
    assert os.stat(docs).st_mtime_ns == docs_written  # no Data Docs rebuilt
    new_loads = loads_after[len(loads):]
    # One row per source, as before this change: every file already loaded, nothing else.
    assert sorted(new_loads) == sorted((source, 0, loaded + skipped, 0, 0)
                                       for source, loaded, skipped, _, _ in loads)
    assert {r.source: r.files_skipped for r in again} == {r.source: len(r.files_loaded) for r in first}


def test_a_rewritten_file_loads_again_and_is_checked(home: Settings, hashed: list[str]) -> None:
    """Same name, same size, the old modification time: a rewrite is still found, loaded and checked."""
    _land(home, "Amsterdam")
    load_family("cbs", home)
    path = home.landing / LABEL
    before = os.lstat(path)
    _land(home, "Amsterdan")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    _, runs = _books(home)

    reports = load_family("cbs", home)

    [gemeenten] = [r for r in reports if r.source == "cbs_gemeenten"]
    assert gemeenten.files_loaded == [LABEL] and anything_new(reports)
    _, runs_after = _books(home)
    assert runs_after[len(runs):] == [("cbs_gemeenten", gemeenten.load_id)]
    con = duckdb.connect(str(home.warehouse_path), read_only=True)
    try:
        towns = con.execute("SELECT gemeentenaam FROM raw.cbs_gemeenten WHERE source_file = ? ORDER BY loaded_at",
                            [LABEL]).fetchall()
    finally:
        con.close()
    assert towns == [("Amsterdam",), ("Amsterdan",)]


def test_a_family_fetches_the_hashes_of_the_loaded_files_once(
    home: Settings, hashed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The three CBS sources each check their shipped files against raw._files: one fetch of its hashes for all."""
    from ingestion.framework import KnownHashes

    fetched: list[int] = []
    real = KnownHashes.get

    def counting(known: KnownHashes, con: duckdb.DuckDBPyConnection) -> set[str]:
        if known._hashes is None:
            fetched.append(1)
        return real(known, con)

    monkeypatch.setattr(KnownHashes, "get", counting)
    _land(home, "Amsterdam")
    assert anything_new(load_family("cbs", home))
    assert len(fetched) == 1

