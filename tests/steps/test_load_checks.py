"""Every load is checked by its suite: exactly the failures of a bad file, with keys and severities, and a
fatal failure takes the load back out and quarantines the file (issue: data-quality guard)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from core import warehouse
from core.settings import Settings
from expectations.runner import FatalRuleFailed
from steps.load import load_family
from tests.conftest import FIXTURES, drop

DQ = FIXTURES / "dq"


def failures(con: duckdb.DuckDBPyConnection, suite: str) -> dict[str, tuple[str, int, list[dict]]]:
    rows = con.execute(
        "SELECT rule, severity, unexpected_count, failing_keys FROM dq.rule_results "
        "WHERE suite = ? AND NOT success", [suite]
    ).fetchall()
    return {rule: (severity, count, json.loads(keys or "[]")) for rule, severity, count, keys in rows}


@pytest.fixture
def loaded_cbs(home: Settings) -> Settings:
    load_family("cbs", home)
    return home


def test_clean_shipped_cbs_loads_pass_every_suite(loaded_cbs: Settings) -> None:
    con = warehouse.connect(loaded_cbs)
    try:
        outcomes = dict(con.execute("SELECT suite, outcome FROM dq.validation_runs").fetchall())
    finally:
        con.close()
    assert outcomes == {"cbs_gemeenten": "passed", "cbs_herindelingen": "passed", "cbs_bevolking": "passed"}
    assert (loaded_cbs.reports / "data_docs" / "index.html").exists()


def test_a_familys_data_docs_show_every_load_checked(loaded_cbs: Settings) -> None:
    """The family's Data Docs are rendered once, after its last load: every check still has its page, listed in
    the index."""
    con = warehouse.connect(loaded_cbs)
    try:
        pages = dict(con.execute("SELECT suite, data_docs_page FROM dq.validation_runs").fetchall())
    finally:
        con.close()
    docs = loaded_cbs.reports / "data_docs"
    index = (docs / "index.html").read_text(encoding="utf-8")
    assert set(pages) == {"cbs_gemeenten", "cbs_herindelingen", "cbs_bevolking"}
    for suite, page in pages.items():
        assert page is not None and Path(page).is_file(), suite
        assert Path(page).relative_to(docs).as_posix() in index, suite
        assert (docs / "expectations" / f"{suite}.html").is_file(), suite


def test_duplicate_ids_in_one_file_are_fatal_and_the_load_is_undone(loaded_cbs: Settings) -> None:
    drop(loaded_cbs, "x_api", DQ / "x_api_dubbele_ids.json")
    with pytest.raises(FatalRuleFailed, match="message_id_unique_in_file"):
        load_family("social", loaded_cbs)
    con = warehouse.connect(loaded_cbs)
    try:
        found = failures(con, "x_api")
        assert set(found) == {"message_id_unique_in_file"}
        severity, count, keys = found["message_id_unique_in_file"]
        assert (severity, count) == ("fatal", 2)
        assert {(k["message_id"], k["source_file"]) for k in keys} == {
            ("456872134598765568", "x_api/x_api_dubbele_ids.json")
        }
        assert con.execute("SELECT count(*) FROM raw.x_api_messages").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM raw._files WHERE source = 'x_api'").fetchone()[0] == 0
    finally:
        con.close()
    moved = loaded_cbs.quarantine / "x_api" / "x_api_dubbele_ids.json"
    assert moved.exists()
    assert "message_id_unique_in_file" in moved.with_name(moved.name + ".reason").read_text()


def test_the_files_of_an_undone_load_are_not_taken_as_loaded_by_the_next_source(loaded_cbs: Settings) -> None:
    """The sources of a family share one fetch of raw._files' hashes (KnownHashes); a load taken back out makes the
    next source fetch them again: the same bytes landed for X archives are read (and refused there), not skipped
    as already loaded."""
    drop(loaded_cbs, "x_api", DQ / "x_api_dubbele_ids.json")
    drop(loaded_cbs, "x_archive", DQ / "x_api_dubbele_ids.json")
    with pytest.raises(FatalRuleFailed, match="message_id_unique_in_file"):
        load_family("social", loaded_cbs)
    con = warehouse.connect(loaded_cbs)
    try:
        [(skipped, quarantined)] = con.execute("SELECT files_skipped, files_quarantined FROM dq.loads "
                                               "WHERE source = 'x_archive'").fetchall()
    finally:
        con.close()
    assert (skipped, quarantined) == (0, 1)


def test_out_of_range_grade_is_an_error_and_loads(loaded_cbs: Settings) -> None:
    drop(loaded_cbs, "survey", DQ / "enquete-2014-cijfer-te-hoog.csv")
    load_family("survey", loaded_cbs)
    con = warehouse.connect(loaded_cbs)
    try:
        found = failures(con, "survey")
        assert set(found) == {"rapportcijfer_1_10"}
        severity, count, keys = found["rapportcijfer_1_10"]
        assert (severity, count) == ("error", 1)
        assert keys[0]["gm_code"] == "GM0034" and keys[0]["source_position"] == "line 3"
        assert con.execute("SELECT count(*) FROM raw.survey_responses").fetchone()[0] == 2
    finally:
        con.close()


def test_unknown_municipality_in_the_registry_is_an_error(loaded_cbs: Settings) -> None:
    drop(loaded_cbs, "channels", DQ / "kanalen-onbekende-gemeente.csv")
    load_family("channels", loaded_cbs)
    con = warehouse.connect(loaded_cbs)
    try:
        found = failures(con, "channels")
        assert set(found) == {"municipality_existed"}
        severity, count, keys = found["municipality_existed"]
        assert (severity, count) == ("error", 1)
        assert keys[0]["gm_code"] == "GM9999"
    finally:
        con.close()
