"""Mart suites catch what the marts must never hold: a rate above 1, a question on an unknown channel."""

from __future__ import annotations

import duckdb
import pytest

from core.settings import Settings
from expectations.runner import run_suite
from expectations.suites.marts import mart_checks


@pytest.fixture
def marts(home: Settings) -> duckdb.DuckDBPyConnection:
    home.home.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(home.home / "warehouse.duckdb"))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.dim_channel AS SELECT 'x:1' AS channel_id")
    con.execute("CREATE TABLE marts.dim_municipality AS SELECT 'GM0363' AS gm_code")
    con.execute("""CREATE TABLE marts.fct_questions AS SELECT * FROM (VALUES
        ('x:10', 'x:1', 'GM0363', 30.0), ('x:11', 'x:2', 'GM0363', NULL)) t(question_id, channel_id, gm_code,
        response_minutes)""")
    con.execute("""CREATE TABLE marts.rpt_municipality_year AS SELECT * FROM (VALUES
        ('GM0363', 2014, 2, 0.5, 3), ('GM0363', 2013, 0, 0.0, 0)) t(gm_code, year, questions, answer_rate,
        maturity_level)""")
    con.execute("""CREATE TABLE marts.rpt_national_year AS SELECT * FROM (VALUES
        (2014, 0.75, 0.2, 1.5, 0.7, 7.2)) t(year, pct_with_facebook, pct_structural, answer_rate,
        pct_comms_responsible, avg_self_rating_comms)""")
    con.execute("""CREATE TABLE marts.dim_source_file AS SELECT * FROM (VALUES
        (repeat('a', 64), 'x_api', 'x_api/p1.json', 25, 0), (repeat('a', 64), 'x_api', 'x_api/p1-copy.json', 25, 0),
        ('not-a-hash', 'x_api', 'x_api/p2.json', 3, 1)) t(source_sha256, source, source_file, rows_loaded,
        rows_quarantined)""")
    con.execute("CREATE TABLE marts.dim_platform AS SELECT * FROM (VALUES ('x'), ('facebook')) t(platform)")
    con.execute("""CREATE TABLE marts.rpt_platform_year AS SELECT * FROM (VALUES
        ('x', 2025, 3, 1, 2, 4, 3, 0.75), ('facebook', 2025, 0, 0, 1, 0, 0, NULL),
        ('tiktok', 2025, 0, 0, 0, 0, 0, NULL)) t(platform, year, present, "left", parked, questions, answered,
        answer_rate)""")
    con.execute("CREATE SCHEMA intermediate")
    con.execute("""CREATE TABLE intermediate.int_channel_states_by_year AS SELECT * FROM (VALUES
        ('GM0363', 'x', 2025, 'present'), ('GM0363', 'x', 2025, 'parked'), ('GM0363', 'facebook', 2025, 'parked'))
        t(gm_code, platform, year, state)""")
    yield con
    con.close()


def test_mart_suites_report_exactly_the_broken_rows(home: Settings, marts: duckdb.DuckDBPyConnection) -> None:
    found = {}
    for check in mart_checks(marts, mode="full"):
        outcome = run_suite(marts, check.suite, check.frame, settings=home, load_id="marts-test")
        found[check.suite.name] = (outcome.fatal_failures, outcome.error_failures)
    assert found == {
        "fct_questions": ([], ["channel_in_dim_channel"]),
        "rpt_municipality_year": ([], []),
        "rpt_national_year": (["answer_rate_0_1"], []),
        "dim_source_file": (["one_row_per_file"], ["sha256_format"]),
        "rpt_platform_year": ([], ["platform_in_dim_platform"]),
        "int_channel_states_by_year": (["one_state_per_municipality_platform_year"], []),
    }
    keys = marts.execute(
        "SELECT failing_keys FROM dq.rule_results WHERE rule = 'channel_in_dim_channel'"
    ).fetchone()[0]
    assert '"question_id": "x:11"' in keys
