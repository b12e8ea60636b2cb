"""Validating a load in chunks of whole files gives exactly what one DataFrame of the load gives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import great_expectations.expectations as gxe
import pandas as pd
import pyarrow as pa
import pytest

from core.settings import Settings
from expectations import suites
from expectations.runner import FAILING_KEYS_SAMPLE, FromRows, Rule, Suite, SuiteOutcome, run_suite
from expectations.suites import file_ranges, load_chunks, load_frame, load_rows, load_suite
from expectations.suites.building import unique_together
from expectations.suites.cbs import bevolking_suite
from ingestion.framework import ensure_table
from ingestion.social.x_api import X_API

LOAD = "x_api-test"
BIG_FILE = "x_api/2024/page-03.json"  # more rows than a small chunk, with a message id twice


def _message(file: str, position: int, **changes: Any) -> dict[str, Any]:
    row = {
        "platform": "x",
        "message_id": f"{file[-7:-5]}{position:03d}",
        "created_at": datetime(2024, 3, 1, 12, position % 60, tzinfo=UTC),
        "author_key": f"k{position % 7}",
        "is_retweet": position % 5 == 0,
        "source_system": "x_api",
        "source_file": file,
        "source_sha256": file,
        "source_position": f"tweet {position}",
        "load_id": LOAD,
        "loaded_at": datetime(2024, 3, 2, tzinfo=UTC),
    }
    return row | changes


def _messages() -> list[dict[str, Any]]:
    """Twelve files of ten messages, one of thirty; failures spread over the files, some rules over 20."""
    rows = []
    for page in range(12):
        file = f"x_api/2024/page-{page:02d}.json"
        for position in range(30 if file == BIG_FILE else 10):
            rows.append(_message(file, position))
    for index, row in enumerate(rows):
        if index % 5 == 1:
            row["platform"] = "myspace"  # 28 rows: more than the failing-key sample
        if index % 17 == 3:
            row["created_at"] = datetime(1999, 1, 1, tzinfo=UTC)
        if index % 11 == 4:
            row["author_key"] = None
    big = [row for row in rows if row["source_file"] == BIG_FILE]
    big[28]["message_id"] = big[2]["message_id"]  # far apart: a chunk cut inside the file would miss it
    rows[0]["message_id"] = big[5]["message_id"]  # the same id in another file is fine
    return rows


@pytest.fixture
def loaded(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The raw X table (the loader's own DDL) with one load; files inserted out of name order."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    ensure_table(con, X_API)
    frame = pd.DataFrame(sorted(_messages(), key=lambda row: row["source_file"][-7:-5] not in ("07", "02")))
    con.register("incoming", frame)
    con.execute("INSERT INTO raw.x_api_messages BY NAME SELECT * FROM incoming")
    con.unregister("incoming")
    return con


def test_file_ranges_cut_only_between_files() -> None:
    counts = [("a", 10), ("b", 10), ("c", 30), ("d", 5), ("e", 5), ("f", 20)]
    assert file_ranges(counts, 25) == [("a", "b"), ("c", "c"), ("d", "e"), ("f", "f")]
    assert file_ranges(counts, 1_000) == [("a", "f")]
    assert file_ranges(counts, 1) == [(name, name) for name, _ in counts]
    assert file_ranges([], 25) == []


def test_chunks_hold_whole_files_in_name_order(loaded: duckdb.DuckDBPyConnection) -> None:
    limit = loaded.execute("SELECT current_setting('memory_limit')").fetchone()
    chunks = list(load_chunks(loaded, "x_api", "x_api_messages", LOAD, max_rows=25))

    per_file = pd.DataFrame(_messages()).groupby("source_file").size().to_dict()
    files = [list(dict.fromkeys(chunk["source_file"])) for chunk in chunks]
    assert [f for chunk in files for f in chunk] == sorted(per_file)  # every file once, in name order
    for chunk, names in zip(chunks, files, strict=True):
        assert chunk["source_file"].value_counts().to_dict() == {name: per_file[name] for name in names}
        assert len(chunk) <= 25 or names == [BIG_FILE]
    assert [len(names) for names in files] == [2, 1, 1, 2, 2, 2, 2]
    assert list(chunks[2]["source_position"]) == [f"tweet {p}" for p in range(30)]  # a file's rows in load order
    assert loaded.execute("SELECT current_setting('memory_limit')").fetchone() == limit  # put back after reading


def test_chunk_dtypes_are_those_of_one_frame(loaded: duckdb.DuckDBPyConnection) -> None:
    whole = load_frame(loaded, "x_api", "x_api_messages", LOAD)
    [chunk] = load_chunks(loaded, "x_api", "x_api_messages", LOAD, max_rows=10_000)
    assert chunk.dtypes.to_dict() == whole.dtypes.to_dict()
    assert str(chunk["author_key"].dtype) == "str" and chunk["created_year"].dtype == "int64"


def test_read_frame_in_batches_gives_the_frame_df_gives() -> None:
    """Batch by batch, an integer column is still exact, and nullable only when some batch holds a null."""
    con = duckdb.connect()
    sql = """SELECT range AS plain, CASE WHEN range = 6 THEN NULL ELSE range * 9007199254740993 END AS late_null,
                    range % 2 = 0 AS flag FROM range(8)"""
    frame = suites.read_frame(con, sql, batch_rows=3)
    expected = con.execute(sql).df()
    assert frame.dtypes.to_dict() == expected.dtypes.to_dict()
    assert str(frame["late_null"].dtype) == "Int64" and frame["plain"].dtype == "int64"
    assert frame["late_null"][7] == 7 * 9007199254740993  # not through float
    assert frame.equals(expected)
    empty = suites.read_frame(con, sql + " WHERE false", batch_rows=3)
    assert empty.dtypes.to_dict() == con.execute(sql + " WHERE false").df().dtypes.to_dict()


def test_running_out_of_memory_while_batches_are_read_is_duckdbs_out_of_memory() -> None:
    """DuckDB runs a query as its Arrow batches are read: an error then comes through pyarrow as an OSError.
    Out of memory must stay DuckDB's OutOfMemoryException, which the capped chunk reads retry at the normal
    limit (a facebook_graph load at scale 10 failed its suite this way); any other error is left as it is."""
    con = duckdb.connect()
    failing = con.sql("SELECT CASE WHEN range < 5000 THEN range ELSE error('boom') END AS x FROM range(10000)")
    with pytest.raises(OSError, match="boom"):
        suites.frame_of(failing.to_arrow_reader(1000))

    first = con.sql("SELECT range AS x FROM range(3)").to_arrow_reader(3)

    def batches() -> Iterator[pa.RecordBatch]:
        yield first.read_next_batch()
        raise OSError("Out of Memory Error: failed to pin block of size 256.0 KiB (60.8 MiB/61.0 MiB used)")

    with pytest.raises(duckdb.OutOfMemoryException, match="failed to pin block"):
        suites.frame_of(pa.RecordBatchReader.from_batches(first.schema, batches()))


def _run(con: duckdb.DuckDBPyConnection, home: Settings, max_rows: int) -> SuiteOutcome:
    suite = load_suite(con, "x_api")
    assert suite is not None and suite.chunkable
    chunks = load_chunks(con, "x_api", "x_api_messages", LOAD, max_rows=max_rows)
    return run_suite(con, suite, chunks, settings=home, load_id=LOAD)


def _stored(con: duckdb.DuckDBPyConnection, outcome: SuiteOutcome) -> tuple[list[tuple], tuple]:
    rules = con.execute(
        "SELECT * EXCLUDE (run_id) FROM dq.rule_results WHERE run_id = ? ORDER BY rule", [outcome.run_id]
    ).fetchall()
    run = con.execute(
        """SELECT * EXCLUDE (run_id, started_at, finished_at, data_docs_page) FROM dq.validation_runs
           WHERE run_id = ?""",
        [outcome.run_id],
    ).fetchone()
    return rules, run


def _gx_result(home: Settings, outcome: SuiteOutcome) -> dict[str, Any]:
    """The GX validation result the run stored (the JSON its Data Docs page was built from)."""
    assert outcome.data_docs_page is not None and outcome.data_docs_page.is_file()
    page = outcome.data_docs_page.relative_to(home.reports / "data_docs")  # validations/<suite>/<run>/...
    return json.loads((home.home / "gx" / "uncommitted" / page.with_suffix(".json")).read_text(encoding="utf-8"))


def _without_ids(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """GX results without the ids that differ between two runs (the suite is registered anew each run)."""
    for result in results:
        result["expectation_config"].pop("id", None)
        result["expectation_config"]["kwargs"].pop("batch_id", None)
    return results


def test_many_chunks_give_the_results_of_one(loaded: duckdb.DuckDBPyConnection, home: Settings) -> None:
    one = _run(loaded, home, max_rows=10_000)
    many = _run(loaded, home, max_rows=25)

    assert one.results == many.results
    assert _stored(loaded, one) == _stored(loaded, many)
    gx_one, gx_many = _gx_result(home, one), _gx_result(home, many)
    assert (gx_one["meta"]["dialoog_chunks"], gx_many["meta"]["dialoog_chunks"]) == (1, 7)
    assert _without_ids(gx_one["results"]) == _without_ids(gx_many["results"])
    assert gx_one["statistics"] == gx_many["statistics"]

    by_rule = {result.rule: result for result in many.results}
    assert many.fatal_failures == ["platform_known", "message_id_unique_in_file"]
    assert many.rows_checked == 140 and by_rule["platform_known"].unexpected_count == 28
    assert len(by_rule["platform_known"].failing_keys) == FAILING_KEYS_SAMPLE
    assert by_rule["created_in_plausible_years"].unexpected_count == 9
    assert not by_rule["author_key_not_null"].success and by_rule["row_volume"].observed == 140


def test_a_duplicate_id_in_a_file_bigger_than_a_chunk_is_caught(
    loaded: duckdb.DuckDBPyConnection, home: Settings
) -> None:
    outcome = _run(loaded, home, max_rows=25)

    [unique] = [result for result in outcome.results if result.rule == "message_id_unique_in_file"]
    assert unique.unexpected_count == 2
    assert sorted((k["source_file"], k["source_position"]) for k in unique.failing_keys) == [
        (BIG_FILE, "tweet 2"),
        (BIG_FILE, "tweet 28"),
    ]


def test_only_suites_whose_rules_add_up_get_chunks(loaded: duckdb.DuckDBPyConnection, home: Settings) -> None:
    with pytest.raises(ValueError, match="unique across files"):
        Rule("id_unique", gxe.ExpectCompoundColumnsToBeUnique(column_list=["platform", "message_id"]), "fatal",
             chunking="rows")
    with pytest.raises(ValueError, match="mostly"):
        Rule("r", gxe.ExpectColumnValuesToNotBeNull(column="a", mostly=0.9), "error", chunking="rows")
    with pytest.raises(ValueError, match="computed from the rows"):
        Rule("r", FromRows(gxe.ExpectColumnValuesToBeInSet, lambda df: {"column": "a"}), "error", chunking="rows")
    with pytest.raises(ValueError, match="not known to add up"):
        Rule("r", gxe.ExpectColumnValuesToBeIncreasing(column="a"), "error", chunking="rows")
    with pytest.raises(ValueError, match="not a row-count"):
        Rule("r", gxe.ExpectColumnValuesToNotBeNull(column="a"), "error", chunking="row_count")
    assert unique_together("u", ("gm_code", "jaar"), "error", "").chunking == "whole"
    assert not bevolking_suite().chunkable

    whole = Suite(name="whole", key_columns=(), rules=(unique_together("u", ("message_id",), "fatal", ""),))
    chunks = load_chunks(loaded, "x_api", "x_api_messages", LOAD, max_rows=25)
    with pytest.raises(ValueError, match="whole load"):
        run_suite(loaded, whole, chunks, settings=home, load_id=LOAD)
    assert isinstance(load_rows(loaded, whole, "x_api", "x_api_messages", LOAD), pd.DataFrame)


def test_an_empty_load_is_one_empty_chunk(loaded: duckdb.DuckDBPyConnection, home: Settings) -> None:
    [chunk] = load_chunks(loaded, "x_api", "x_api_messages", "no-such-load")
    assert len(chunk) == 0 and "created_year" in chunk.columns

    outcome = run_suite(loaded, load_suite(loaded, "x_api"), iter([chunk]), settings=home, load_id="empty")
    assert outcome.rows_checked == 0 and outcome.passed


def test_data_docs_show_one_page_per_chunked_run(loaded: duckdb.DuckDBPyConnection, home: Settings) -> None:
    outcome = _run(loaded, home, max_rows=25)

    pages = list(Path(home.reports / "data_docs" / "validations").rglob("*.html"))
    assert pages == [outcome.data_docs_page]
    html = outcome.data_docs_page.read_text(encoding="utf-8")
    assert "28 unexpected values found" in html and "myspace" in html  # the load's counts, not a chunk's
    assert "2 unexpected values found. ≈1.429% of 140 total rows" in html  # the duplicate id


def test_a_chunk_too_big_for_the_read_cap_is_read_at_the_normal_limit(
    loaded: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = loaded.execute("SELECT current_setting('memory_limit')").fetchall()
    capped = [chunk.to_dict() for chunk in load_chunks(loaded, "x_api", "x_api_messages", LOAD, max_rows=25)]
    monkeypatch.setattr(suites, "READ_LIMIT", "256KB")  # below what any query needs: every read falls back
    reads: list[str] = []
    read = suites.read_frame
    monkeypatch.setattr(suites, "read_frame",
                        lambda con, sql, params: reads.append(params[1]) or read(con, sql, params))

    retried = [chunk.to_dict() for chunk in load_chunks(loaded, "x_api", "x_api_messages", LOAD, max_rows=25)]
    assert retried == capped and len(reads) == 2 * len(retried)  # each chunk tried capped, then read again
    assert loaded.execute("SELECT current_setting('memory_limit')").fetchall() == limit
