"""Data Docs built once for a batch of validations (the mart suites, a family's loads) are as complete as those
built after each one: every run's page, every suite's page, and an index listing the runs of every batch."""

from __future__ import annotations

from pathlib import Path

import duckdb
import great_expectations.expectations as gxe
import pandas as pd
import pytest

from core.settings import Settings
from expectations import data_docs
from expectations.runner import DataDocsBatch, Rule, Suite, SuiteOutcome, run_suite


def _suite(name: str) -> Suite:
    return Suite(name=name, key_columns=("id",),
                 rules=(Rule(f"{name}_id_not_null", gxe.ExpectColumnValuesToNotBeNull(column="id"), "error"),))


def _run_batch(con: duckdb.DuckDBPyConnection, home: Settings, load_id: str,
               names: tuple[str, ...]) -> tuple[DataDocsBatch, list[SuiteOutcome]]:
    """Each suite run on the same small frame (one null id: a failed rule, so the pages have something to show),
    their Data Docs left to the batch."""
    docs = DataDocsBatch(home)
    outcomes = [run_suite(con, _suite(name), pd.DataFrame({"id": [1, 2, None]}), settings=home, load_id=load_id,
                          data_docs=docs) for name in names]
    return docs, outcomes


def _index(home: Settings) -> str:
    return (home.reports / "data_docs" / "index.html").read_text(encoding="utf-8")


def _listed(home: Settings, page: Path) -> bool:
    """The index links the page (by its path relative to the site)."""
    return page.relative_to(home.reports / "data_docs").as_posix() in _index(home)


def _dq_pages(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    return dict(con.execute("SELECT run_id, data_docs_page FROM dq.validation_runs").fetchall())


def test_a_batch_renders_every_page_and_the_index_when_built(con: duckdb.DuckDBPyConnection, home: Settings) -> None:
    alone = run_suite(con, _suite("alpha"), pd.DataFrame({"id": [1]}), settings=home, load_id="load-0")
    assert alone.data_docs_page is not None and alone.data_docs_page.is_file()  # no batch: built at once

    docs, outcomes = _run_batch(con, home, "load-1", ("alpha", "beta", "gamma"))
    pages = [outcome.data_docs_page for outcome in outcomes]
    assert all(page is not None and not page.exists() for page in pages)  # named, not rendered yet
    assert _dq_pages(con) == {alone.run_id: str(alone.data_docs_page)} | {
        outcome.run_id: str(outcome.data_docs_page) for outcome in outcomes}

    assert docs.build(con) is None
    for outcome in outcomes:
        assert outcome.data_docs_page is not None and outcome.data_docs_page.is_file()
        assert outcome.data_docs_index == home.reports / "data_docs" / "index.html"
        assert _listed(home, outcome.data_docs_page), outcome.suite
        assert "33.33% of 3 total rows" in outcome.data_docs_page.read_text(encoding="utf-8")  # its result
        suite_page = home.reports / "data_docs" / "expectations" / f"{outcome.suite}.html"
        assert f"{outcome.suite}_id_not_null" in suite_page.read_text(encoding="utf-8")
    assert _listed(home, alone.data_docs_page)  # the index lists every stored result, not only the batch's
    assert docs.build(con) is None  # nothing pending: nothing to do

    later_docs, later = _run_batch(con, home, "load-2", ("beta",))
    assert later_docs.build(con) is None
    every_page = [alone.data_docs_page, *pages, later[0].data_docs_page]
    assert all(page is not None and page.is_file() and _listed(home, page) for page in every_page)


def test_a_failed_batch_build_names_no_page_in_dq(
    con: duckdb.DuckDBPyConnection, home: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pages are named in dq when the runs are stored; if the build then fails, dq names none of them (and
    keeps the rule results: a Data Docs failure never hides a check)."""
    docs, outcomes = _run_batch(con, home, "load-1", ("alpha", "beta"))

    def no_assets(folder: Path) -> None:
        raise data_docs.AssetsMissing("npm packages not installed (test)")

    monkeypatch.setattr(data_docs, "install_assets", no_assets)
    error = docs.build(con)

    assert error is not None and "npm packages not installed" in error
    assert _dq_pages(con) == {outcome.run_id: None for outcome in outcomes}
    assert not any(outcome.data_docs_page is not None and outcome.data_docs_page.exists() for outcome in outcomes)
    [(failed,)] = con.execute("SELECT count(*) FROM dq.rule_results WHERE NOT success").fetchall()
    assert failed == 2
