"""CBS loaders on the shipped data and on small fixtures in each real dialect, including broken ones."""

from __future__ import annotations

import duckdb
import pytest

from core import warehouse
from core.settings import Settings
from ingestion import cbs
from ingestion.framework import load_source
from tests.conftest import FIXTURES, drop

CBS = FIXTURES / "cbs_gemeenten"

OFFICIAL_COUNTS = {2012: 415, 2013: 408, 2014: 403, 2015: 393, 2016: 390, 2017: 388, 2018: 380,
                   2019: 355, 2020: 355, 2021: 352, 2022: 345, 2023: 342, 2024: 342, 2025: 342}


@pytest.fixture
def con(home: Settings) -> duckdb.DuckDBPyConnection:
    connection = warehouse.connect(home)
    yield connection
    connection.close()


def test_shipped_lists_give_the_official_counts(home: Settings, con: duckdb.DuckDBPyConnection) -> None:
    report = load_source(con, cbs.CBS_GEMEENTEN, home)
    assert len(report.files_loaded) == 14 and report.rows_quarantined == 0
    counts = dict(con.execute("SELECT jaar, count(*) FROM raw.cbs_gemeenten GROUP BY 1").fetchall())
    assert counts == OFFICIAL_COUNTS


def test_identical_lists_of_two_years_both_load(home: Settings, con: duckdb.DuckDBPyConnection) -> None:
    """2019 and 2020 have the same bytes; the year in the name makes them different files."""
    load_source(con, cbs.CBS_GEMEENTEN, home)
    again = load_source(con, cbs.CBS_GEMEENTEN, home)
    assert again.files_loaded == [] and again.files_skipped == 14
    assert con.execute("SELECT count(*) FROM raw.cbs_gemeenten").fetchone()[0] == sum(OFFICIAL_COUNTS.values())


def test_windows_1252_semicolon_list_with_code_without_zeros(
    home: Settings, con: duckdb.DuckDBPyConnection
) -> None:
    drop(home, "cbs_gemeenten", CBS / "gemeenten-alfabetisch-2014-cp1252.csv")
    load_source(con, cbs.CBS_GEMEENTEN, home)
    rows = con.execute(
        "SELECT gm_code, gemeentenaam, pv_code, provincienaam FROM raw.cbs_gemeenten "
        "WHERE source_file LIKE 'cbs_gemeenten/%' ORDER BY gm_code"
    ).fetchall()
    assert rows == [
        ("GM0363", "Amsterdam", "PV27", "Noord-Holland"),
        ("GM1680", "Aa en Hunze", "PV22", "Drenthe"),
        ("GM1900", "Súdwest-Fryslân", "PV21", "Fryslân"),
    ]


def test_xlsx_with_year_column(home: Settings, con: duckdb.DuckDBPyConnection) -> None:
    drop(home, "cbs_gemeenten", CBS / "gemeenten-alfabetisch.xlsx")
    load_source(con, cbs.CBS_GEMEENTEN, home)
    rows = con.execute(
        "SELECT jaar, gm_code, gemeentenaam FROM raw.cbs_gemeenten WHERE source_file LIKE '%.xlsx' ORDER BY 2"
    ).fetchall()
    assert rows == [(2018, "GM0014", "Groningen"), (2018, "GM0363", "Amsterdam")]


def test_bad_row_is_quarantined_and_the_rest_loads(home: Settings, con: duckdb.DuckDBPyConnection) -> None:
    drop(home, "cbs_gemeenten", CBS / "gemeenten-2015-bad-row.csv")
    report = load_source(con, cbs.CBS_GEMEENTEN, home)
    assert report.rows_quarantined == 1
    position, reason = con.execute("SELECT position, reason FROM dq.quarantined_rows").fetchone()
    assert position == "line 3" and "abc" in reason
    landed = con.execute("SELECT count(*) FROM raw.cbs_gemeenten WHERE source_file LIKE 'cbs_gemeenten/%'")
    assert landed.fetchone()[0] == 1


@pytest.mark.parametrize(
    ("fixture", "reason_part"),
    [
        ("gemeenten-2016-broken.xlsx", "unreadable XLSX"),
        ("gemeenten-2017-missing-columns.csv", "missing column(s) provinciecode, provincienaam"),
        ("gemeenten-zonder-jaar.csv", "no year"),
    ],
)
def test_broken_file_is_quarantined_whole_and_earlier_loads_stay(
    home: Settings, con: duckdb.DuckDBPyConnection, fixture: str, reason_part: str
) -> None:
    load_source(con, cbs.CBS_GEMEENTEN, home)
    before = con.execute("SELECT count(*) FROM raw.cbs_gemeenten").fetchone()[0]
    landed = drop(home, "cbs_gemeenten", CBS / fixture)
    report = load_source(con, cbs.CBS_GEMEENTEN, home)
    assert [label for label, _ in report.files_quarantined] == [f"cbs_gemeenten/{fixture}"]
    assert not landed.exists()
    moved = home.quarantine / "cbs_gemeenten" / fixture
    assert moved.exists()
    assert reason_part in (moved.parent / f"{fixture}.reason").read_text()
    assert con.execute("SELECT count(*) FROM raw.cbs_gemeenten").fetchone()[0] == before
    assert con.execute("SELECT reason FROM dq.quarantined_files").fetchone()[0].count(reason_part) == 1


def test_mergers_and_population_load(home: Settings, con: duckdb.DuckDBPyConnection) -> None:
    load_source(con, cbs.CBS_HERINDELINGEN, home)
    load_source(con, cbs.CBS_BEVOLKING, home)
    weesp = con.execute(
        "SELECT datum_ingang::VARCHAR, nieuwe_gm_code FROM raw.cbs_herindelingen WHERE oude_gm_code = 'GM0457'"
    ).fetchone()
    assert weesp == ("2022-03-24", "GM0363")
    years = con.execute("SELECT count(DISTINCT jaar), count(*) FROM raw.cbs_bevolking").fetchone()
    assert years == (14, 5210)


@pytest.mark.parametrize(("typed", "code"), [("363", "GM0363"), ("0014", "GM0014"), ("GM1680", "GM1680")])
def test_normalise_gm_code(typed: str, code: str) -> None:
    assert cbs.normalise_gm_code(typed) == code


@pytest.mark.parametrize("typed", ["abc", "GM12345", ""])
def test_normalise_gm_code_rejects(typed: str) -> None:
    with pytest.raises(ValueError):
        cbs.normalise_gm_code(typed)


def test_the_views_hold_the_lists_and_mergers_in_force(home: Settings, con: duckdb.DuckDBPyConnection) -> None:
    """A landed list replaces the shipped one for its year and the last loaded list wins; per old code the last
    loaded merger statement wins (CONTRACT.md §2). The survey loader and dbt both read these views."""
    load_source(con, cbs.CBS_GEMEENTEN, home)
    drop(home, "cbs_gemeenten", CBS / "gemeenten-alfabetisch-2014-cp1252.csv")
    load_source(con, cbs.CBS_GEMEENTEN, home)
    in_force = f"SELECT jaar, count(*), min(source_file) FROM {cbs.GEMEENTEN_IN_FORCE} GROUP BY 1"
    lists = {year: (rows, file) for year, rows, file in con.execute(in_force).fetchall()}
    assert lists[2014] == (3, "cbs_gemeenten/gemeenten-alfabetisch-2014-cp1252.csv")
    assert {year: rows for year, (rows, _) in lists.items() if year != 2014} == {
        year: rows for year, rows in OFFICIAL_COUNTS.items() if year != 2014}
    (home.landing / "cbs_gemeenten" / "gemeenten-2014-later.csv").write_text(
        "Gemeentecode,GemeentecodeGM,Gemeentenaam,Provinciecode,ProvinciecodePV,Provincienaam\n"
        "0363,GM0363,Amsterdam,27,PV27,Noord-Holland\n", encoding="utf-8")
    load_source(con, cbs.CBS_GEMEENTEN, home)
    assert con.execute(f"SELECT gm_code, source_file FROM {cbs.GEMEENTEN_IN_FORCE} WHERE jaar = 2014").fetchall() == [
        ("GM0363", "cbs_gemeenten/gemeenten-2014-later.csv")]

    load_source(con, cbs.CBS_HERINDELINGEN, home)
    (home.landing / "cbs_herindelingen").mkdir()
    (home.landing / "cbs_herindelingen" / "correctie.csv").write_text(
        "datum_ingang,oude_gm_code,nieuwe_gm_code\n2012-01-01,GM0366,GM0363\n", encoding="utf-8")
    load_source(con, cbs.CBS_HERINDELINGEN, home)
    statements, old_codes = con.execute(
        "SELECT count(*), count(DISTINCT oude_gm_code) FROM raw.cbs_herindelingen").fetchone()
    assert statements == old_codes + 1
    assert con.execute(f"SELECT count(*) FROM {cbs.HERINDELINGEN_IN_FORCE}").fetchone()[0] == old_codes
    assert con.execute(f"SELECT nieuwe_gm_code, source_file FROM {cbs.HERINDELINGEN_IN_FORCE} "
                       "WHERE oude_gm_code = 'GM0366'").fetchall() == [("GM0363", "cbs_herindelingen/correctie.csv")]
