"""Lineage to the file in the published warehouse: from one figure of rpt_municipality_year, the query of
docs/lineage.md reaches every question it counts and every file they came from, with the files' SHA-256.

The warehouse scenario (tests/fixtures/warehouse) plus tests/fixtures/lineage (one X API page fetched twice)
is loaded with the real loaders, built with the real `dbt build` and published; the query is read from the
docs, so the docs cannot drift from what is tested.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.settings import PROJECT_ROOT, Settings, get_settings
from ingestion.framework import unit_sha256
from steps.build import build_warehouse
from steps.publish import publish_warehouse
from tests.conftest import FIXTURES
from tests.dbt.conftest import load_clean, query_rows

pytestmark = pytest.mark.e2e

BUSSUM, YEAR = "GM0381", 2014  # the row the docs' query traces
# Bussum's 2014 questions (tests/fixtures/warehouse/README.md): q7 is Amsterdam's
Q1, Q2, Q3 = "x:450072413598646272", "x:456794205189046272", "x:463573878174646272"
BUSSUM_QUESTIONS = {Q1, Q2, Q3, "facebook:1001_2001", "facebook:104500000000381_1002", "x:509748132049846275",
                    "x:550418620216246272"}
R1 = "x:450076188472246272"
MENTIONS = "x_api/2014/gem_bussum/mentions-0001.json"
REFETCHED = "x_api/2014/gem_bussum/mentions-0001-refetched.json"  # the lineage fixture: q1 and q3 again
WEBCARE = "webcare_csv/berichten-gem_bussum-2014.csv"
ARCHIVE = "x_archive/twitter-2015-01-10-gem_bussum"


def docs_query() -> str:
    """The SQL block of docs/lineage.md's section "Tracing a figure to its files", as written there."""
    text = (PROJECT_ROOT / "docs" / "lineage.md").read_text(encoding="utf-8")
    section = text.split("## Tracing a figure to its files", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the section has one SQL query"
    assert f"where gm_code = '{BUSSUM}' and year = {YEAR}" in blocks[0]
    return blocks[0]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A DIALOOG_HOME with both fixtures loaded, built and published."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIALOOG_HOME", str(tmp_path_factory.mktemp("lineage") / "home"))
        patch.setenv("DIALOOG_CITIZEN_KEY", "test-key")
        settings = get_settings()
        shutil.copytree(FIXTURES / "warehouse" / "landing", settings.landing)
        shutil.copytree(FIXTURES / "lineage" / "landing", settings.landing, dirs_exist_ok=True)
        load_clean(settings)
        build_warehouse(settings)
        publish_warehouse(settings)
        yield settings


def served(settings: Settings, sql: str) -> list[dict[str, Any]]:
    return query_rows(settings.serving_path, sql)


@pytest.fixture(scope="module")
def traced(published: Settings) -> list[dict[str, Any]]:
    return served(published, docs_query())


def landed_sha256(path: Path) -> str:
    """The SHA-256 of a landed file, hashed here; of an unzipped archive folder, as the loader keys it."""
    if path.is_dir():
        return unit_sha256(path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_query_reaches_every_question_the_figure_counts(published: Settings, traced: list[dict[str, Any]]) -> None:
    [figure] = served(published, f"SELECT questions FROM marts.rpt_municipality_year "
                                 f"WHERE gm_code = '{BUSSUM}' AND year = {YEAR}")
    reached = {row["question_id"] for row in traced}
    counted = served(published, f"SELECT question_id FROM marts.fct_questions "
                                f"WHERE gm_code = '{BUSSUM}' AND asked_year = {YEAR}")
    assert reached == {row["question_id"] for row in counted}
    # the extra page changes no figure: its copies are copies
    assert figure["questions"] == len(BUSSUM_QUESTIONS) == 7
    assert reached == BUSSUM_QUESTIONS
    assert {row["figure_questions"] for row in traced} == {figure["questions"]}
    # each question is reached as a question, with a copy that won
    for question in BUSSUM_QUESTIONS:
        own = [row for row in traced if row["message_id"] == question]
        assert {row["message_role"] for row in own} == {"question"}
        assert sum(row["is_winning_copy"] for row in own) == 1, question
    # and every reply of those questions (answered, response hours) with its copies
    replies = served(published, f"SELECT DISTINCT reply_id FROM marts.fct_replies WHERE question_id IN "
                                f"(SELECT question_id FROM marts.fct_questions "
                                f"WHERE gm_code = '{BUSSUM}' AND asked_year = {YEAR})")
    assert len(replies) == 6
    assert {r["message_id"] for r in traced if r["message_role"] == "reply"} == {r["reply_id"] for r in replies}


def test_every_file_reached_is_landed_with_that_sha256(published: Settings, traced: list[dict[str, Any]]) -> None:
    files = {(row["source_file"], row["source_sha256"]) for row in traced}
    # the X API mentions page, its refetch, the timeline, the webcare export, the archive folder, the feed
    assert {name for name, _ in files} >= {MENTIONS, REFETCHED, WEBCARE, ARCHIVE}
    for name, sha256 in files:
        path = published.landing / name
        assert path.exists(), name
        assert landed_sha256(path) == sha256, name


def test_messages_in_several_files_list_every_copy_one_winning(
    published: Settings, traced: list[dict[str, Any]]
) -> None:
    copies: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in traced:
        copies[row["message_id"]].append(row)
    # q1 in two X API pages (the page and its refetch): both listed, one wins
    assert sorted(r["source_file"] for r in copies[Q1]) == sorted([MENTIONS, REFETCHED])
    assert sum(r["is_winning_copy"] for r in copies[Q1]) == 1
    # q2 in the X API page and the webcare export: the platform's copy wins
    assert {(r["source_file"], r["is_winning_copy"]) for r in copies[Q2]} == {(MENTIONS, True), (WEBCARE, False)}
    # r1 on the X API timeline and in the unzipped archive folder, loaded later: the latest loaded wins
    assert {(r["source_system"], r["is_winning_copy"]) for r in copies[R1]} == {("x_api", False), ("x_archive", True)}
    assert [r["source_file"] for r in copies[R1] if r["is_winning_copy"]] == [ARCHIVE]
    # the facts name the winning copy of each message
    facts = served(published, """
        SELECT question_id AS message_id, source_file, source_sha256, source_position FROM marts.fct_questions
        UNION
        SELECT reply_id, source_file, source_sha256, source_position FROM marts.fct_replies""")
    named = {f["message_id"]: (f["source_file"], f["source_sha256"], f["source_position"]) for f in facts}
    for message, rows in copies.items():
        [winner] = [r for r in rows if r["is_winning_copy"]]
        assert named[message] == (winner["source_file"], winner["source_sha256"], winner["source_position"])
        assert len(rows) == len({(r["source_sha256"], r["source_position"]) for r in rows})


def test_lineage_tables_hold_no_citizen_data(published: Settings) -> None:
    for table in ("fct_message_sources", "dim_source_file"):
        columns = {r["column_name"] for r in served(
            published, f"SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' "
                       f"AND table_name = '{table}'")}
        assert columns and not columns & {"citizen_key", "author_key", "author_id", "message_text", "text"}
    # every loaded file is in dim_source_file, with the rows it loaded
    files = served(published, "SELECT source, source_file, rows_loaded FROM marts.dim_source_file")
    by_name = {f["source_file"]: f for f in files}
    assert by_name[REFETCHED] == {"source": "x_api", "source_file": REFETCHED, "rows_loaded": 2}
    assert by_name[ARCHIVE]["source"] == "x_archive"


@pytest.mark.parametrize(("tampering", "failing"), [
    ("UPDATE scratch.intermediate.int_messages_deduplicated SET copies = copies + 1 WHERE message_id = '{R1}'",
     "the winning copy no longer matches the copy the deduplication kept"),
    ("UPDATE marts.fct_message_sources SET is_winning_copy = false WHERE message_id = '{Q2}'",
     "a message listed without a winning copy"),
])
def test_the_lineage_checks_fail_on_a_copy_the_deduplication_did_not_keep(
    published: Settings, tmp_path: Path, tampering: str, failing: str
) -> None:
    """The data tests tying `fct_message_sources` to the deduplication (`rows_found_in`, compared column by column)
    pass on the build and fail when its copies no longer match (on a copy of the build warehouse)."""
    import duckdb

    from steps.build import run_dbt

    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(published.warehouse_path, copy)
    shutil.copy(published.warehouse_path.with_name(published.warehouse_path.name + ".scratch"),
                copy.with_name(copy.name + ".scratch"))
    environment = {"DIALOOG_WAREHOUSE": str(copy), "DBT_TARGET_PATH": str(tmp_path / "target"),
                   "DBT_LOG_PATH": str(tmp_path / "logs")}
    check = ("test", "--select", "fct_message_sources,test_name:rows_found_in")
    run_dbt(*check, settings=published, environment=environment)  # the build as it is passes
    con = duckdb.connect(str(copy))
    try:
        con.execute(f"ATTACH '{copy}.scratch' AS scratch")
        con.execute(tampering.format(R1=R1, Q2=Q2))
        assert con.fetchone()[0] >= 1
    finally:
        con.close()
    with pytest.raises(RuntimeError, match="failed"):
        run_dbt(*check, settings=published, environment=environment)
