"""The runner: validation with GX, results in schema dq, Data Docs, fatal rules and the volume check."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import great_expectations.expectations as gxe
import pandas as pd
import pytest

from core.bookkeeping import ensure_bookkeeping
from core.settings import Settings
from expectations import store
from expectations.runner import (
    FAILING_KEYS_SAMPLE,
    FatalRuleFailed,
    FromRows,
    Rule,
    Suite,
    VolumeCheck,
    run_suite,
    volume_baseline,
)
from expectations.suites.cbs import gemeenten_suite
from tests.conftest import PROJECT
from tests.expectations.conftest import GEMEENTEN_TYPES, read_fixture

LANDED_2023 = "cbs_gemeenten/2023/gemeenten-alfabetisch-2023.csv"


def _rule_rows(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, dict]:
    cursor = con.execute("select * from dq.rule_results where run_id = ?", [run_id])
    names = [d[0] for d in cursor.description]
    return {row[names.index("rule")]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def test_clean_list_passes_and_is_recorded(con: duckdb.DuckDBPyConnection, home: Settings) -> None:
    df = read_fixture(con, "gemeenten_effective_clean.csv", GEMEENTEN_TYPES)
    outcome = run_suite(
        con, gemeenten_suite(), df, settings=home, load_id="load-1", source_file="x.csv", source_sha256="ab"
    )

    assert outcome.passed, outcome.summary()
    assert (outcome.fatal_failures, outcome.error_failures, outcome.warning_failures) == ([], [], [])
    outcome.raise_for_fatal()  # nothing to raise
    run = con.execute(
        """select suite, load_id, source_file, source_sha256, rows_checked, outcome, fatal_failures,
                  error_failures, warning_failures, finished_at >= started_at
           from dq.validation_runs"""
    ).fetchall()
    assert run == [("cbs_gemeenten", "load-1", "x.csv", "ab", 10, "passed", 0, 0, 0, True)]
    rules = _rule_rows(con, outcome.run_id)
    assert set(rules) == {rule.name for rule in gemeenten_suite().rules} | {"row_volume"}
    assert all(row["success"] and json.loads(row["failing_keys"]) == [] for row in rules.values())
    assert json.loads(rules["gm_code_format"]["expected"]) == {"column": "gm_code", "regex": r"^GM\d{4}$"}


def test_broken_list_gives_exactly_its_failures_with_keys(con: duckdb.DuckDBPyConnection, home: Settings) -> None:
    df = read_fixture(con, "gemeenten_effective_broken.csv", GEMEENTEN_TYPES)
    outcome = run_suite(con, gemeenten_suite(), df, settings=home, load_id="load-2")

    assert not outcome.passed
    assert sorted(outcome.fatal_failures) == [
        "gemeentenaam_not_blank",
        "gm_code_format",
        "one_row_per_code_and_year",
    ]
    assert outcome.error_failures == [] and outcome.warning_failures == []
    rules = _rule_rows(con, outcome.run_id)
    failed = {name: row for name, row in rules.items() if not row["success"]}
    assert {name: row["severity"] for name, row in failed.items()} == dict.fromkeys(failed, "fatal")

    code_keys = json.loads(failed["gm_code_format"]["failing_keys"])
    assert code_keys == [{"gm_code": "GM518X", "jaar": 2023, "source_file": LANDED_2023, "source_position": "line 238"}]
    name_keys = json.loads(failed["gemeentenaam_not_blank"]["failing_keys"])
    assert [(k["gm_code"], k["gemeentenaam"], k["source_position"]) for k in name_keys] == [("GM0599", "", "line 260")]
    duplicate_keys = json.loads(failed["one_row_per_code_and_year"]["failing_keys"])
    assert sorted((k["gm_code"], k["jaar"], k["source_position"]) for k in duplicate_keys) == [
        ("GM0363", 2023, "line 24"),
        ("GM0363", 2023, "line 25"),
    ]
    assert failed["one_row_per_code_and_year"]["unexpected_count"] == 2
    assert json.loads(failed["gm_code_format"]["observed"])["top_unexpected"] == [{"value": "GM518X", "count": 1}]
    stored = con.execute("select outcome, fatal_failures from dq.validation_runs").fetchall()
    assert stored == [("failed", 3)]


def test_raise_for_fatal_names_rules_and_keys(con: duckdb.DuckDBPyConnection, home: Settings) -> None:
    df = read_fixture(con, "gemeenten_effective_broken.csv", GEMEENTEN_TYPES)
    outcome = run_suite(con, gemeenten_suite(), df, settings=home, load_id="load-3")

    with pytest.raises(FatalRuleFailed) as caught:
        outcome.raise_for_fatal()
    message = str(caught.value)
    for expected in ("cbs_gemeenten", "load-3", "gm_code_format", "GM518X", "line 238", "one_row_per_code"):
        assert expected in message
    assert caught.value.outcome is outcome
    assert "FAILED" in outcome.summary() and "gm_code_format" in outcome.summary()


def test_data_docs_are_rebuilt_and_linked(con: duckdb.DuckDBPyConnection, home: Settings) -> None:
    df = read_fixture(con, "gemeenten_effective_clean.csv", GEMEENTEN_TYPES)
    first = run_suite(con, gemeenten_suite(), df, settings=home, load_id="load-a")
    second = run_suite(con, gemeenten_suite(), df, settings=home, load_id="load-b")

    index = home.reports / "data_docs" / "index.html"
    assert second.data_docs_index == index and index.is_file()
    html = index.read_text(encoding="utf-8")
    assert "cbs_gemeenten" in html and "load-a" in html and "load-b" in html  # history is kept
    assert first.data_docs_page is not None and first.data_docs_page.is_file()
    assert str(index) in second.summary()
    pages = con.execute("select data_docs_page from dq.validation_runs order by started_at").fetchall()
    assert [page for (page,) in pages] == [str(first.data_docs_page), str(second.data_docs_page)]
    suite_page = (home.reports / "data_docs" / "expectations" / "cbs_gemeenten.html").read_text("utf-8")
    assert "gemeentenaam_not_blank" in suite_page  # the rule's note, with its severity, is rendered


def test_volume_check_flags_a_small_load(con: duckdb.DuckDBPyConnection, home: Settings) -> None:
    suite = Suite(
        name="volume_demo",
        key_columns=("id",),
        rules=(Rule("id_not_null", gxe.ExpectColumnValuesToNotBeNull(column="id"), "fatal"),),
        volume=VolumeCheck(min_ratio=0.5, history=3, severity="error"),
    )
    for load, rows in enumerate((100, 120)):
        outcome = run_suite(con, suite, pd.DataFrame({"id": range(rows)}), settings=home, load_id=f"l{load}")
        assert outcome.passed
    small = pd.DataFrame({"id": range(20)})

    assert volume_baseline(con, "volume_demo", suite.volume) == (2, 110, 55)  # 20 rows are too few
    outcome = run_suite(con, suite, small, settings=home, load_id="l-small")
    assert outcome.error_failures == ["row_volume"] and outcome.fatal_failures == []
    volume = _rule_rows(con, outcome.run_id)["row_volume"]
    assert (volume["severity"], volume["observed"], json.loads(volume["expected"])["min_value"]) == (
        "error",
        "20",
        55,
    )


def test_volume_ignores_a_rerun_of_the_same_load(con: duckdb.DuckDBPyConnection) -> None:
    ensure_bookkeeping(con)
    ensure_bookkeeping(con)  # idempotent
    assert volume_baseline(con, "anything", VolumeCheck()) == (0, None, 0)
    con.execute(
        """insert into dq.validation_runs values
           ('r1', 's', 'load-x', null, null, now(), now(), 1000, 1, 'passed', 0, 0, 0, null)"""
    )
    assert volume_baseline(con, "s", VolumeCheck(), exclude_load_id="load-x") == (0, None, 0)
    assert volume_baseline(con, "s", VolumeCheck()) == (1, 1000, 500)  # 5 rows would be flagged


def test_a_rule_that_cannot_run_is_a_failure_not_a_crash(con: duckdb.DuckDBPyConnection, home: Settings) -> None:
    suite = Suite(
        name="broken_rules",
        key_columns=("id",),
        rules=(
            Rule("missing_column", gxe.ExpectColumnValuesToNotBeNull(column="nope"), "fatal"),
            Rule("bad_factory", FromRows(gxe.ExpectColumnValuesToBeInSet, lambda df: {"column": df["x"]}), "error"),
            Rule("fine", gxe.ExpectColumnValuesToNotBeNull(column="id"), "warning"),
        ),
    )
    outcome = run_suite(con, suite, pd.DataFrame({"id": [1, 2]}), settings=home, load_id="l")

    assert outcome.fatal_failures == ["missing_column"] and outcome.error_failures == ["bad_factory"]
    rules = _rule_rows(con, outcome.run_id)
    assert "nope" in rules["missing_column"]["exception"]
    assert "cannot build expectation" in rules["bad_factory"]["exception"]
    assert rules["fine"]["success"] is True


def test_failing_keys_are_a_sample_and_counts_complete(con: duckdb.DuckDBPyConnection, home: Settings) -> None:
    suite = Suite(
        name="sample_demo",
        key_columns=("id",),
        rules=(
            Rule("code_format", gxe.ExpectColumnValuesToMatchRegex(column="code", regex="^A"), "error"),
        ),
    )
    df = pd.DataFrame({"id": range(60), "code": ["B"] * 50 + ["A"] * 10}, index=range(100, 160))
    con.execute("begin transaction")  # a caller's transaction is joined, not nested
    outcome = run_suite(con, suite, df, settings=home, load_id="l")
    con.execute("commit")

    [result] = outcome.results
    assert result.unexpected_count == 50 and len(result.failing_keys) == FAILING_KEYS_SAMPLE
    assert result.failing_keys[:2] == ({"code": "B", "id": 0}, {"code": "B", "id": 1})
    assert con.execute("select count(*) from dq.rule_results").fetchone() == (1,)


def test_suite_definitions_are_checked() -> None:
    rule = Rule("r", gxe.ExpectColumnValuesToNotBeNull(column="a"), "fatal")
    with pytest.raises(ValueError, match="duplicate"):
        Suite(name="s", rules=(rule, rule), key_columns=())
    with pytest.raises(ValueError, match="severity"):
        Rule("r", gxe.ExpectColumnValuesToNotBeNull(column="a"), "critical")  # type: ignore[arg-type]


def test_plain_makes_strict_json() -> None:
    value = {
        "n": pd.Series([3]).iloc[0],
        "missing": float("nan"),
        "t": pd.NaT,
        "d": pd.Timestamp("2023-01-01"),
    }
    assert json.loads(store.to_json(value)) == {
        "n": 3,
        "missing": None,
        "t": None,
        "d": "2023-01-01T00:00:00",
    }


def test_importing_runner_and_suites_does_not_load_gx() -> None:
    code = (
        "import sys, expectations.runner, expectations.suites.cbs; "
        "assert 'great_expectations' not in sys.modules, 'GX imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT, env={"PYTHONPATH": str(PROJECT)})


def test_a_suite_reads_its_keys_and_its_rules_columns() -> None:
    from expectations.suites.building import between, columns_present, not_null, unique_together

    rules = (not_null("b", "error", ""), unique_together("ab", ("a", "b"), "fatal", ""),
             between("c_range", "c", 0, 1, "error", ""))
    assert Suite(name="s", key_columns=("k",), rules=rules).columns == ("k", "b", "a", "c")
    # a check of the column set, or arguments computed from the data, needs every column
    assert Suite(name="s", key_columns=("k",), rules=(*rules, columns_present(["a"]))).columns is None
    computed = Rule("d_set", FromRows(gxe.ExpectColumnValuesToBeInSet, lambda frame: {"column": "d"}), "error")
    assert Suite(name="s", key_columns=("k",), rules=(computed,)).columns is None
