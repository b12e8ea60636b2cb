"""After an incremental build a mart suite whose mart the build did not run is skipped (steps/validate.py): that
table is the one the previous build left and its suite checked. After a full build every suite runs, and in doubt
(a results file older than the build, a previous check that did not pass) the suite runs too.

The warehouse is the hand-made one of tests/expectations/test_marts_changed.py; dbt's ``manifest.json`` and
``run_results.json`` are written by hand with the fields steps.validate reads (a real dbt build writes them under
``$DIALOOG_HOME/dbt/target``; tests/dbt runs real builds).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb
import pytest

from core.settings import Settings
from steps.validate import validate_marts
from tests.expectations.conftest import GEMEENTEN_TYPES
from tests.expectations.test_marts_changed import marts, record_build  # noqa: F401 - marts is a fixture

#: Every relation a mart suite checks, with the models it is built from (a small part of the real graph).
MODELS = {
    "intermediate.int_municipality_years_selected": ["model.dialoog.stg_cbs__gemeenten_in_force"],
    "marts.dim_municipality": ["model.dialoog.int_municipality_years_selected"],
    "marts.fct_questions": ["model.dialoog.stg_x_api__messages", "model.dialoog.dim_municipality"],
    "marts.rpt_municipality_year": ["model.dialoog.fct_questions"],
    "marts.rpt_national_year": ["model.dialoog.fct_questions"],
    "marts.dim_source_file": ["model.dialoog.stg_lineage__files"],
    "marts.rpt_platform_year": ["model.dialoog.fct_questions"],
    "intermediate.int_channel_states_by_year": ["model.dialoog.stg_channels__channels",
                                                "model.dialoog.stg_x_api__messages"],
    "staging.stg_cbs__gemeenten_in_force": [],
    "staging.stg_channels__channels": [],
    "staging.stg_x_api__messages": [],
    "staging.stg_lineage__files": [],
}
#: What an incremental build runs: everything downstream of the social messages and the files' list.
INCREMENTAL = ("stg_x_api__messages", "stg_lineage__files", "fct_questions", "rpt_municipality_year",
               "rpt_national_year", "dim_source_file", "rpt_platform_year", "int_channel_states_by_year")
EVERY_SUITE = {"cbs_gemeenten", "dim_municipality", "fct_questions", "rpt_municipality_year", "rpt_national_year",
               "dim_source_file", "rpt_platform_year", "int_channel_states_by_year"}


def write_dbt_target(home: Settings, ran: tuple[str, ...], written: datetime | None = None) -> None:
    """dbt's manifest (models with schema and name, and their parents) and the results of a build that ran
    ``ran`` (model names), written at ``written`` (now)."""
    target = home.home / "dbt" / "target"
    target.mkdir(parents=True, exist_ok=True)
    nodes, parents = {}, {}
    for relation, depends_on in MODELS.items():
        schema, name = relation.split(".")
        unique_id = f"model.dialoog.{name}"
        nodes[unique_id] = {"resource_type": "model", "schema": schema, "name": name, "alias": name}
        parents[unique_id] = depends_on
    (target / "manifest.json").write_text(json.dumps({"nodes": nodes, "parent_map": parents}), encoding="utf-8")
    stamp = (written or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    results = {"metadata": {"generated_at": stamp}, "args": {"which": "build"},
               "results": [{"unique_id": f"model.dialoog.{name}", "status": "success"} for name in ran]}
    (target / "run_results.json").write_text(json.dumps(results), encoding="utf-8")


def checked_by(home: Settings, after: datetime) -> set[str]:
    """The suites with a dq.validation_runs row started after ``after``."""
    with duckdb.connect(str(home.warehouse_path)) as con:
        rows = con.execute("SELECT suite FROM dq.validation_runs WHERE started_at > ?", [after]).fetchall()
    return {suite for (suite,) in rows}


def newest_check(home: Settings) -> datetime:
    """When the newest suite run started."""
    with duckdb.connect(str(home.warehouse_path)) as con:
        return con.execute("SELECT max(started_at) FROM dq.validation_runs").fetchone()[0]


def build(home: Settings, mode: str) -> None:
    with duckdb.connect(str(home.warehouse_path)) as con:
        record_build(con, mode)


@pytest.fixture
def checked_once(home: Settings, marts: duckdb.DuckDBPyConnection) -> Settings:  # noqa: F811 - the fixture
    """The hand-made warehouse after a full build, every suite checked once (and passed)."""
    columns = ", ".join(f"{name} {kind}" for name, kind in GEMEENTEN_TYPES.items())
    marts.execute(f"CREATE SCHEMA raw; CREATE TABLE raw.cbs_gemeenten ({columns})")
    marts.execute("CREATE TABLE intermediate.int_municipality_years_selected (year INTEGER, source_file VARCHAR)")
    record_build(marts, "full")
    marts.close()  # the step opens the warehouse itself
    write_dbt_target(home, tuple(relation.split(".")[1] for relation in MODELS))
    assert validate_marts(home) == "8 mart suite(s) checked, no fatal failure"
    return home


def test_an_incremental_build_skips_the_suites_of_marts_it_did_not_run(
    checked_once: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    home, before = checked_once, newest_check(checked_once)
    build(home, "incremental")
    write_dbt_target(home, INCREMENTAL)

    with caplog.at_level("INFO", logger="steps.validate"):
        summary = validate_marts(home)

    assert summary == "6 mart suite(s) checked, no fatal failure; 2 skipped (marts the incremental build did not run)"
    assert checked_by(home, before) == EVERY_SUITE - {"cbs_gemeenten", "dim_municipality"}  # no row when skipped
    skipped = {message.split()[0]: message for message in caplog.messages if " skipped: " in message}
    assert set(skipped) == {"cbs_gemeenten", "dim_municipality"}
    assert "did not run dim_municipality nor any of its 2 upstream nodes" in skipped["dim_municipality"]
    assert "passed every rule it has now" in skipped["dim_municipality"]


def test_a_full_build_checks_every_suite(checked_once: Settings) -> None:
    """Whatever dbt's results say: only an incremental build leaves marts as the previous build made them."""
    home, before = checked_once, newest_check(checked_once)
    build(home, "full")
    write_dbt_target(home, INCREMENTAL)

    assert validate_marts(home) == "8 mart suite(s) checked, no fatal failure"
    assert checked_by(home, before) == EVERY_SUITE


def test_results_older_than_the_build_skip_nothing(checked_once: Settings) -> None:
    """A results file written before the current build started is another build's: in doubt, check."""
    home, before = checked_once, newest_check(checked_once)
    build(home, "incremental")  # started 2025-03-01, an hour after the first
    write_dbt_target(home, INCREMENTAL, written=datetime(2025, 3, 1, 10, 30, tzinfo=UTC))

    assert validate_marts(home) == "8 mart suite(s) checked, no fatal failure"
    assert checked_by(home, before) == EVERY_SUITE


def test_a_suite_whose_previous_check_failed_runs_again(checked_once: Settings) -> None:
    """dim_municipality's last check failed a rule (an error: the build was still published); the incremental
    build did not run it, but only a check that passes lets later builds skip it."""
    home = checked_once
    with duckdb.connect(str(home.warehouse_path)) as con:
        con.execute("UPDATE marts.dim_municipality SET name = NULL")
        record_build(con, "full")
    write_dbt_target(home, tuple(relation.split(".")[1] for relation in MODELS))
    validate_marts(home)
    before = newest_check(home)
    build(home, "incremental")
    write_dbt_target(home, INCREMENTAL)

    validate_marts(home)

    assert checked_by(home, before) == EVERY_SUITE - {"cbs_gemeenten"}
