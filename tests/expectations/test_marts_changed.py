"""After an incremental build the big fact marts are checked on their recomputed rows only, and still fail on
every rule a check of every row would fail (expectations/suites/marts.py says why, rule kind by rule kind).

The warehouse is made by hand, as in tests/expectations/suites/test_marts.py, with the two tables an incremental
dbt build leaves (``intermediate.int_increment_questions``, ``intermediate.int_increment_traced_messages``) and
``dq.transform_runs`` with the columns the bookkeeping gives it. Every changed-only check follows a full check
that passed, as it does in the pipeline (an incremental build only follows a published one).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import duckdb
import pytest

from core.settings import Settings
from expectations.model import Suite, SuiteOutcome, VolumeCheck
from expectations.runner import run_suite, volume_baseline
from expectations.suites.building import not_null, unique_together
from expectations.suites.marts import build_mode, mart_check, mart_checks, questions_suite
from steps.validate import validate_marts
from tests.expectations.conftest import GEMEENTEN_TYPES

QUESTIONS = 20
#: The questions the "incremental build" recomputed: the last three.
CHANGED = ("q17", "q18", "q19")
#: The file it added to dim_source_file (of two).
NEW_FILE = "b" * 64


@pytest.fixture
def marts(home: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A clean warehouse: every mart a suite checks, twenty questions, three of them recomputed."""
    home.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(home.warehouse_path))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE SCHEMA intermediate")
    con.execute("CREATE TABLE marts.dim_channel AS SELECT * FROM (VALUES ('x:1'), ('x:2')) t(channel_id)")
    con.execute("""CREATE TABLE marts.dim_municipality AS SELECT 'GM0363' AS gm_code, 'Amsterdam' AS name,
        'PV27' AS province_code, 'Noord-Holland' AS province_name, DATE '1900-01-01' AS valid_from,
        NULL::DATE AS valid_to, 'GM0363' AS successor_gm_code, true AS is_current""")
    con.execute(f"""CREATE TABLE marts.fct_questions AS
        SELECT printf('q%02d', i) AS question_id, CASE WHEN i % 2 = 0 THEN 'x:1' ELSE 'x:2' END AS channel_id,
               'GM0363' AS gm_code, (i * 10.0)::DOUBLE AS response_minutes
        FROM range({QUESTIONS}) r(i)""")
    con.execute("""CREATE TABLE marts.rpt_municipality_year AS SELECT * FROM (VALUES
        ('GM0363', 2024, 20, 0.5, 3)) t(gm_code, year, questions, answer_rate, maturity_level)""")
    con.execute("""CREATE TABLE marts.rpt_national_year AS SELECT * FROM (VALUES
        (2023, 0.7, 0.2, 0.6, 0.7, 7.0), (2024, 0.75, 0.2, 0.5, 0.7, 7.2)) t(year, pct_with_facebook,
        pct_structural, answer_rate, pct_comms_responsible, avg_self_rating_comms)""")
    con.execute("""CREATE TABLE marts.dim_source_file AS SELECT * FROM (VALUES
        (repeat('a', 64), 'x_api', 'x_api/p1.json', 25, 0), (repeat('b', 64), 'x_api', 'x_api/p2.json', 25, 0))
        t(source_sha256, source, source_file, rows_loaded, rows_quarantined)""")
    con.execute("CREATE TABLE marts.dim_platform AS SELECT * FROM (VALUES ('x')) t(platform)")
    con.execute("""CREATE TABLE marts.rpt_platform_year AS SELECT * FROM (VALUES
        ('x', 2024, 1, 0, 0, 20, 10, 0.5)) t(platform, year, present, "left", parked, questions, answered,
        answer_rate)""")
    con.execute("""CREATE TABLE intermediate.int_channel_states_by_year AS SELECT * FROM (VALUES
        ('GM0363', 'x', 2024, 'present')) t(gm_code, platform, year, state)""")
    con.execute("CREATE TABLE intermediate.int_increment_questions AS SELECT unnest(?::VARCHAR[]) AS question_id",
                [list(CHANGED)])
    con.execute("CREATE TABLE intermediate.int_increment_traced_messages (message_id VARCHAR)")
    con.execute(f"CREATE TABLE intermediate.int_increment_files AS SELECT '{NEW_FILE}' AS source_sha256")
    yield con
    con.close()


def record_build(con: duckdb.DuckDBPyConnection, mode: str) -> None:
    """A row of ``dq.transform_runs`` for a build newer than every earlier one (the table created on first use,
    as the bookkeeping will have it)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS dq")
    con.execute("""CREATE TABLE IF NOT EXISTS dq.transform_runs (run_id VARCHAR, started_at TIMESTAMPTZ,
        finished_at TIMESTAMPTZ, mode VARCHAR, reason VARCHAR, increment_after TIMESTAMPTZ, loaded_until TIMESTAMPTZ,
        code_version VARCHAR, new_files INTEGER, outcome VARCHAR)""")
    [(builds,)] = con.execute("SELECT count(*) FROM dq.transform_runs").fetchall()
    con.execute(
        """INSERT INTO dq.transform_runs VALUES (?, TIMESTAMPTZ '2025-03-01 10:00:00+00' + to_hours(?::BIGINT),
           TIMESTAMPTZ '2025-03-01 10:01:00+00' + to_hours(?::BIGINT), ?, 'test', NULL, NULL, 'v1', 1, 'built')""",
        [f"build-{builds}", builds, builds, mode],
    ).fetchall()


def check_marts(con: duckdb.DuckDBPyConnection, home: Settings, load_id: str) -> dict[str, SuiteOutcome]:
    """Every mart suite run as steps.validate.validate_marts runs it, by suite name."""
    outcomes = {}
    for check in mart_checks(con):
        outcome = run_suite(con, check.suite, check.frame, settings=home, load_id=load_id,
                            table_rows=check.table_rows)
        outcomes[outcome.suite] = outcome
    return outcomes


def check_questions(con: duckdb.DuckDBPyConnection, home: Settings, load_id: str) -> SuiteOutcome:
    """The fct_questions suite alone, read as the last build allows."""
    check = mart_check(con, questions_suite(con), "marts.fct_questions", build_mode(con))
    return run_suite(con, check.suite, check.frame, settings=home, load_id=load_id, table_rows=check.table_rows)


def verdicts(outcome: SuiteOutcome) -> dict[str, bool]:
    return {result.rule: result.success for result in outcome.results}


def failing_keys(outcome: SuiteOutcome, rule: str) -> list[dict]:
    [result] = [result for result in outcome.results if result.rule == rule]
    return list(result.failing_keys)


def test_a_full_and_a_changed_only_check_agree_on_a_clean_warehouse(
    home: Settings, marts: duckdb.DuckDBPyConnection
) -> None:
    record_build(marts, "full")
    full = check_marts(marts, home, "marts-full")
    record_build(marts, "incremental")
    changed = check_marts(marts, home, "marts-incremental")

    assert all(outcome.passed and not outcome.warning_failures for outcome in [*full.values(), *changed.values()])
    assert {name: verdicts(outcome) for name, outcome in changed.items()} == {
        name: verdicts(outcome) for name, outcome in full.items()
    }
    rows = {name: (full[name].rows_checked, changed[name].rows_checked) for name in full}
    assert rows["fct_questions"] == (QUESTIONS, len(CHANGED))
    assert rows["dim_source_file"] == (2, 1)  # the files' dimension: the file the build added
    assert rows["rpt_national_year"] == (2, 2)  # the national report is read whole after any build
    assert all(before == after for name, (before, after) in rows.items()
               if name not in ("fct_questions", "dim_source_file"))

    described = marts.execute("""SELECT rule, description, observed FROM dq.rule_results
        WHERE run_id = ?""", [changed["fct_questions"].run_id]).fetchall()
    by_rule = {rule: (description, observed) for rule, description, observed in described}
    assert "changed rows only: 3 of 20" in by_rule["response_minutes_not_negative"][0]
    assert by_rule["row_volume"][1] == "20"  # the volume check judged the whole table, counted in SQL


def test_a_bad_changed_row_fails_the_changed_only_check(home: Settings, marts: duckdb.DuckDBPyConnection) -> None:
    record_build(marts, "full")
    assert check_questions(marts, home, "marts-full").passed
    record_build(marts, "incremental")
    marts.execute("UPDATE marts.fct_questions SET response_minutes = -5 WHERE question_id = 'q18'").fetchall()

    outcome = check_questions(marts, home, "marts-incremental")

    assert outcome.rows_checked == len(CHANGED)
    assert outcome.error_failures == ["response_minutes_not_negative"]
    assert failing_keys(outcome, "response_minutes_not_negative") == [
        {"question_id": "q18", "response_minutes": -5.0}
    ]


def test_a_lost_reference_in_an_unchanged_row_still_fails(home: Settings, marts: duckdb.DuckDBPyConnection) -> None:
    """dim_channel is rebuilt by every build: an unchanged question can lose its channel."""
    record_build(marts, "full")
    assert check_questions(marts, home, "marts-full").passed
    record_build(marts, "incremental")
    marts.execute("DELETE FROM marts.dim_channel WHERE channel_id = 'x:2'").fetchall()

    outcome = check_questions(marts, home, "marts-incremental")

    assert outcome.error_failures == ["channel_in_dim_channel"]
    unchanged_on_x2 = [f"q{i:02d}" for i in range(1, 17, 2)]  # odd questions, q17 and q19 are changed
    assert outcome.rows_checked == len(CHANGED) + len(unchanged_on_x2)  # found in SQL over the whole table
    [result] = [r for r in outcome.results if r.rule == "channel_in_dim_channel"]
    assert result.unexpected_count == 10  # as a full check counts them: every question on x:2


def test_a_changed_key_duplicated_by_an_unchanged_row_fails(
    home: Settings, marts: duckdb.DuckDBPyConnection
) -> None:
    """q18's old row survived beside its recomputed one: both are read, as every row of a changed key is."""
    record_build(marts, "full")
    assert check_questions(marts, home, "marts-full").passed
    record_build(marts, "incremental")
    marts.execute("INSERT INTO marts.fct_questions VALUES ('q18', 'x:1', 'GM0363', 1.0)").fetchall()

    outcome = check_questions(marts, home, "marts-incremental")

    assert outcome.fatal_failures == ["question_id_unique"]
    assert outcome.rows_checked == len(CHANGED) + 1


def test_a_new_file_listed_twice_in_the_files_dimension_fails(
    home: Settings, marts: duckdb.DuckDBPyConnection
) -> None:
    """dim_source_file after an incremental build: only the added file's rows are read, every row of its key."""
    record_build(marts, "full")
    assert check_marts(marts, home, "marts-full")["dim_source_file"].passed
    record_build(marts, "incremental")
    marts.execute(f"INSERT INTO marts.dim_source_file VALUES ('{NEW_FILE}', 'x_api', 'x_api/p3.json', 5, 0)")

    outcome = check_marts(marts, home, "marts-incremental")["dim_source_file"]

    assert outcome.fatal_failures == ["one_row_per_file"]
    assert outcome.rows_checked == 2  # both rows of the added file's key; the file loaded before is not read


def test_a_key_without_the_recomputed_column_is_checked_against_the_whole_table(
    home: Settings, marts: duckdb.DuckDBPyConnection
) -> None:
    """fct_message_sources is keyed by the copy (file, position), not by the message that names its recomputed
    rows: a recomputed message's copy that collides with an unchanged message's copy must fail."""
    marts.execute("""CREATE TABLE marts.fct_message_sources AS SELECT * FROM (VALUES
        ('m1', 'sha-a', '1'), ('m2', 'sha-a', '2'), ('m3', 'sha-b', '1'), ('m9', 'sha-c', '1'))
        t(message_id, source_sha256, source_position)""")
    marts.execute("INSERT INTO intermediate.int_increment_traced_messages VALUES ('m9')").fetchall()
    suite = Suite(
        name="fct_message_sources_test",
        key_columns=("message_id",),
        rules=(
            not_null("message_id", "fatal", "Every copy names its message."),
            unique_together("one_row_per_copy", ("source_sha256", "source_position"), "fatal", "One row a copy."),
        ),
    )

    def check(load_id: str) -> SuiteOutcome:
        read = mart_check(marts, suite, "marts.fct_message_sources", build_mode(marts))
        return run_suite(marts, read.suite, read.frame, settings=home, load_id=load_id, table_rows=read.table_rows)

    record_build(marts, "full")
    assert check("full").passed
    record_build(marts, "incremental")
    clean = check("incremental-clean")
    assert clean.passed and clean.rows_checked == 1

    marts.execute("UPDATE marts.fct_message_sources SET source_sha256 = 'sha-a' WHERE message_id = 'm9'").fetchall()
    collided = check("incremental-collided")

    assert collided.fatal_failures == ["one_row_per_copy"]
    assert collided.rows_checked == 2  # m9 and the unchanged m1 it collides with; m2 and m3 are not read
    assert {key["message_id"] for key in failing_keys(collided, "one_row_per_copy")} == {"m1", "m9"}


def test_a_bad_unchanged_row_is_not_read_in_a_changed_only_check(
    home: Settings, marts: duckdb.DuckDBPyConnection
) -> None:
    """Safe because an unchanged row is a row of the previous build, checked when that build was: here the bad
    value is written behind the checks' back, which no build does."""
    record_build(marts, "full")
    assert check_questions(marts, home, "marts-full").passed
    record_build(marts, "incremental")
    marts.execute("UPDATE marts.fct_questions SET response_minutes = -5 WHERE question_id = 'q02'").fetchall()

    changed_only = check_questions(marts, home, "marts-incremental")
    assert changed_only.passed and changed_only.rows_checked == len(CHANGED)

    record_build(marts, "full")
    assert check_questions(marts, home, "marts-full-again").error_failures == ["response_minutes_not_negative"]


def test_a_rule_that_failed_in_the_previous_check_keeps_the_mart_whole(
    home: Settings, marts: duckdb.DuckDBPyConnection
) -> None:
    """An ``error`` failure still publishes, so its bad row is among the unchanged rows of the next build."""
    marts.execute("UPDATE marts.fct_questions SET response_minutes = -5 WHERE question_id = 'q02'").fetchall()
    record_build(marts, "full")
    assert check_questions(marts, home, "marts-full").error_failures == ["response_minutes_not_negative"]
    record_build(marts, "incremental")

    again = check_questions(marts, home, "marts-incremental")

    assert again.rows_checked == QUESTIONS
    assert again.error_failures == ["response_minutes_not_negative"]


def test_everything_is_read_without_an_incremental_build(home: Settings, marts: duckdb.DuckDBPyConnection) -> None:
    assert build_mode(marts) == "full"  # no dq.transform_runs yet
    assert check_marts(marts, home, "marts-first")["fct_questions"].rows_checked == QUESTIONS

    record_build(marts, "incremental")
    record_build(marts, "full")  # the newest build counts, and it was full (its increment tables not emptied)
    assert build_mode(marts) == "full"
    outcomes = check_marts(marts, home, "marts-full")
    assert outcomes["fct_questions"].rows_checked == QUESTIONS
    assert all(outcome.passed for outcome in outcomes.values())


def test_the_volume_check_counts_the_whole_table(home: Settings, marts: duckdb.DuckDBPyConnection) -> None:
    """Changed-only runs keep the usual volume a whole table's, and a mart that lost rows outside the recomputed
    ones fails the volume check as a full check would."""
    record_build(marts, "full")
    check_questions(marts, home, "marts-full")
    record_build(marts, "incremental")
    assert check_questions(marts, home, "marts-incremental-1").rows_checked == len(CHANGED)
    check = VolumeCheck(min_ratio=0.5, severity="error")
    assert volume_baseline(marts, "fct_questions", check) == (2, QUESTIONS, QUESTIONS // 2)

    record_build(marts, "incremental")
    marts.execute("DELETE FROM marts.fct_questions WHERE question_id < 'q12'").fetchall()  # 8 left, 3 changed
    shrunk = check_questions(marts, home, "marts-incremental-2")

    assert shrunk.rows_checked == len(CHANGED) and shrunk.error_failures == ["row_volume"]
    [volume] = [result for result in shrunk.results if result.rule == "row_volume"]
    assert (volume.observed, volume.expected["min_value"]) == (8, QUESTIONS // 2)
    [stored] = marts.execute(
        "SELECT success, observed FROM dq.rule_results WHERE run_id = ? AND rule = 'row_volume'", [shrunk.run_id]
    ).fetchall()
    assert stored == (False, "8") and json.loads(stored[1]) == 8


def test_validate_marts_says_what_it_read(
    home: Settings, marts: duckdb.DuckDBPyConnection, caplog: pytest.LogCaptureFixture
) -> None:
    """The step the DAG runs: its log line per suite ends with what was read."""
    columns = ", ".join(f"{name} {kind}" for name, kind in GEMEENTEN_TYPES.items())
    marts.execute(f"CREATE SCHEMA raw; CREATE TABLE raw.cbs_gemeenten ({columns})")
    marts.execute("CREATE TABLE intermediate.int_municipality_years_selected (year INTEGER, source_file VARCHAR)")
    record_build(marts, "full")
    marts.close()  # the step opens the warehouse itself
    validate_marts(home)
    with duckdb.connect(str(home.warehouse_path)) as con:
        record_build(con, "incremental")

    caplog.clear()
    with caplog.at_level("INFO", logger="steps.validate"):
        assert validate_marts(home) == "8 mart suite(s) checked, no fatal failure"

    lines = {message.split()[2]: message for message in caplog.messages if message.startswith("Data-quality suite")}
    assert lines["fct_questions"].endswith("Read: changed rows only: 3 of 20.")
    assert "PASSED" in lines["fct_questions"]
    assert lines["rpt_national_year"].endswith("Read: whole table.")
    assert "last build: incremental; the big fact marts are checked on their recomputed rows" in caplog.messages
