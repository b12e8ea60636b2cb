"""CBS suites: real shipped reference data passes; mergers and dim_municipality report their bad keys."""

from __future__ import annotations

import json

import duckdb

from core.settings import Settings
from expectations.runner import run_suite
from expectations.suites.cbs import (
    dim_municipality_suite,
    effective_gemeenten,
    gemeenten_suite,
    herindelingen_suite,
)
from ingestion.cbs import CBS_GEMEENTEN, CBS_HERINDELINGEN
from ingestion.framework import load_source
from tests.expectations.conftest import (
    DIM_MUNICIPALITY_TYPES,
    GEMEENTEN_TYPES,
    HERINDELINGEN_TYPES,
    read_fixture,
)


def _failing_keys(con: duckdb.DuckDBPyConnection, run_id: str, rule: str) -> list[dict]:
    [(keys,)] = con.execute(
        "select failing_keys from dq.rule_results where run_id = ? and rule = ?", [run_id, rule]
    ).fetchall()
    return json.loads(keys)


def test_shipped_reference_data_passes(con: duckdb.DuckDBPyConnection, home: Settings) -> None:
    load_source(con, CBS_GEMEENTEN, home, load_id="gem-1")
    load_source(con, CBS_HERINDELINGEN, home, load_id="her-1")
    gemeenten = con.execute("select * from raw.cbs_gemeenten").df()
    mergers = con.execute("select * from raw.cbs_herindelingen").df()

    lists = run_suite(con, gemeenten_suite(), gemeenten, settings=home, load_id="gem-1")
    known = set(gemeenten["gm_code"])
    merged = run_suite(con, herindelingen_suite(known), mergers, settings=home, load_id="her-1")

    assert lists.passed and not lists.warning_failures, lists.summary()
    assert merged.passed and not merged.warning_failures, merged.summary()
    assert lists.rows_checked > 14 * 340  # every shipped year, 2012-2025


def test_unknown_successor_is_an_error_with_its_key(con: duckdb.DuckDBPyConnection, home: Settings) -> None:
    mergers = read_fixture(con, "herindelingen_unknown_successor.csv", HERINDELINGEN_TYPES)
    known = {"GM0007", "GM0048", "GM1950", "GM0501", "GM1992"}

    outcome = run_suite(con, herindelingen_suite(known), mergers, settings=home, load_id="her-2")

    assert outcome.error_failures == ["successor_in_yearly_lists"] and outcome.fatal_failures == []
    assert not outcome.passed
    assert _failing_keys(con, outcome.run_id, "successor_in_yearly_lists") == [
        {
            "nieuwe_gm_code": "GM1999",
            "datum_ingang": "2023-01-01T00:00:00",
            "oude_gm_code": "GM0501",
            "source_file": "cbs_herindelingen/herindelingen-2019.csv",
            "source_position": "line 4",
        }
    ]


def test_successor_that_is_not_current_is_fatal(con: duckdb.DuckDBPyConnection, home: Settings) -> None:
    dim = read_fixture(con, "dim_municipality_stale_successor.csv", DIM_MUNICIPALITY_TYPES)

    outcome = run_suite(con, dim_municipality_suite(), dim, settings=home, load_id="build-1")

    assert outcome.fatal_failures == ["successor_is_current"]
    assert [key["gm_code"] for key in _failing_keys(con, outcome.run_id, "successor_is_current")] == ["GM0501"]
    clean = dim.assign(successor_gm_code=dim["successor_gm_code"].replace({"GM0614": "GM1992"}))
    clean.loc[clean["gm_code"] == "GM0614", "successor_gm_code"] = "GM1992"
    assert run_suite(con, dim_municipality_suite(), clean, settings=home, load_id="build-2").passed


def test_effective_list_follows_the_lists_dbt_selected(con: duckdb.DuckDBPyConnection) -> None:
    landed = read_fixture(con, "gemeenten_effective_clean.csv", GEMEENTEN_TYPES)
    replaced = landed[landed["jaar"] == 2023].assign(
        source_file="shipped:cbs_gemeenten/gemeenten-alfabetisch-2023.csv", gemeentenaam="oud"
    )
    con.register("landed_rows", landed)
    con.register("replaced_rows", replaced)
    con.execute("create schema raw; create schema intermediate")
    con.execute("create table raw.cbs_gemeenten as select * from landed_rows union all select * from replaced_rows")
    con.execute(
        """create table intermediate.int_municipality_years_selected as
           select jaar as year, gm_code, source_file from landed_rows"""
    )

    effective = effective_gemeenten(con)

    assert len(effective) == len(landed)
    assert "oud" not in set(effective["gemeentenaam"])
    assert {"source_file", "source_position", "load_id"} <= set(effective.columns)
