"""The channel registry loads valid rows normalised, rejects bad rows with a reason, and bad files whole; a
platform the platform registry lacks loads and is an error of the load's suite naming the row."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from core.settings import Settings, get_settings
from core.warehouse import connect
from expectations.runner import run_suite
from expectations.suites import load_frame
from expectations.suites.channels import channels_suite
from ingestion.channels import CHANNELS
from ingestion.framework import load_source

Con = duckdb.DuckDBPyConnection
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("DIALOOG_HOME", str(tmp_path / "home"))
    return get_settings()


@pytest.fixture
def con(settings: Settings) -> Iterator[Con]:
    connection = connect(settings)
    yield connection
    connection.close()


def land(settings: Settings, *names: str) -> None:
    target = settings.landing / "channels"
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(FIXTURES / name, target / name)


def test_valid_rows_load_normalised(settings: Settings, con: Con) -> None:
    land(settings, "kanalen_register.csv")
    report = load_source(con, CHANNELS, settings)
    assert (report.rows_loaded, report.rows_quarantined) == (5, 4)
    rows = con.execute("SELECT gm_code, platform, account_id, handle, theme, active_from, active_to "
                       "FROM raw.channels ORDER BY source_position").fetchall()
    assert rows == [
        ("GM0193", "x", "112233445", "vraagbaak_gemeente", "kcc", date(2012, 1, 1), None),
        ("GM0193", "x", "9007199254740993", "zwolle_crisis", "crisis", date(2013, 11, 2), date(2015, 12, 31)),
        ("GM0193", "facebook", "104523456789012", "gemeentevoorbeeld", "algemeen", date(2011, 6, 1), None),
        ("GM0193", "instagram", "17841400000000999", "gemeentevoorbeeld", "project", date(2014, 3, 1), None),
        ("GM0193", "myspace", "55667788", "gemeente_retro", "overig", date(2012, 1, 1), None),  # unknown: as given
    ]


def test_bad_rows_are_quarantined_with_their_reason(settings: Settings, con: Con) -> None:
    land(settings, "kanalen_register.csv")
    load_source(con, CHANNELS, settings)
    rows = con.execute("SELECT position, reason FROM dq.quarantined_rows ORDER BY position").fetchall()
    assert rows == [
        ("line 10", "active_to 2014-01-01 is before active_from 2015-01-01"),
        ("line 6", "gm_code '0193' is not GM followed by four digits"),
        ("line 7", "theme 'marketing' is not one of algemeen, crisis, verkiezingen, project, kcc, raad, "
                   "overig"),
        ("line 8", "active_from '31-02-2014' is not a date (jjjj-mm-dd or dd-mm-jjjj)"),
    ]


def test_a_platform_the_registry_lacks_loads_as_given_and_is_an_error_naming_its_row(
    settings: Settings, con: Con
) -> None:
    registry = settings.landing / "channels" / "register.csv"
    registry.parent.mkdir(parents=True)
    registry.write_text("gm_code,platform,account_id,handle,theme,active_from,active_to\n"
                        "GM0193,Twitter,112233445,vraagbaak,kcc,2012-01-01,\n"
                        "GM0193, MySpace ,55667788,gemeente_retro,overig,2012-01-01,\n"
                        "GM0193,mastodon,gemeente@social.overheid.nl,gemeente@social.overheid.nl,algemeen,,\n"
                        "GM0193,,99887766,zonder_platform,algemeen,,\n", encoding="utf-8")
    report = load_source(con, CHANNELS, settings, load_id="channels-1")
    assert (report.rows_loaded, report.rows_quarantined) == (3, 1)
    assert con.execute("SELECT position, reason FROM dq.quarantined_rows").fetchall() == [
        ("line 5", "platform is empty")]
    assert con.execute("SELECT platform FROM raw.channels ORDER BY source_position").fetchall() == [
        ("x",), ("myspace",), ("mastodon",)]  # the registry's alias read, an unknown name lowercased and stripped

    outcome = run_suite(con, channels_suite(["GM0193"]), load_frame(con, "channels", "channels", "channels-1"),
                        settings=settings, load_id="channels-1")
    assert outcome.error_failures == ["platform_known"] and outcome.fatal_failures == []
    [(keys,)] = con.execute("SELECT failing_keys FROM dq.rule_results WHERE run_id = ? AND rule = 'platform_known'",
                            [outcome.run_id]).fetchall()
    assert json.loads(keys) == [{"platform": "myspace", "account_id": "55667788",
                                 "source_file": "channels/register.csv", "source_position": "line 3"}]


def test_loading_twice_changes_nothing(settings: Settings, con: Con) -> None:
    land(settings, "kanalen_register.csv")
    load_source(con, CHANNELS, settings)
    before = con.execute("SELECT * FROM raw.channels ORDER BY ALL").fetchall()
    again = load_source(con, CHANNELS, settings)
    assert (again.files_skipped, again.rows_loaded, again.rows_quarantined) == (1, 0, 0)
    assert con.execute("SELECT * FROM raw.channels ORDER BY ALL").fetchall() == before


def test_a_file_missing_a_column_is_quarantined_whole(settings: Settings, con: Con) -> None:
    land(settings, "kanalen_register.csv")
    load_source(con, CHANNELS, settings)
    land(settings, "register_zonder_handle.csv")
    report = load_source(con, CHANNELS, settings)
    assert [label for label, _ in report.files_quarantined] == ["channels/register_zonder_handle.csv"]
    reason = (settings.quarantine / "channels" / "register_zonder_handle.csv.reason").read_text()
    assert reason.startswith("missing column(s) handle in register_zonder_handle.csv") and "(at header)" in reason
    assert con.execute("SELECT count(*) FROM raw.channels").fetchone() == (5,)
