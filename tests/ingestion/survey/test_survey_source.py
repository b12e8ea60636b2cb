"""The survey load end to end: fixture exports through load_source into a temporary DuckDB."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from core.settings import Settings
from tests.ingestion.survey.support import XLSX_2014, land, load, write_xlsx

ANSWERS = """SELECT gm_code, jaar, gemeente_as_typed, match_method, verantwoordelijke_afdeling, rapportcijfer,
    structureel, kcc_betrokken, steun_management, kanalen
    FROM raw.survey_responses WHERE source_file LIKE ? ORDER BY gm_code"""

EXPECTED_2014 = [
    ("GM0164", 2014, "Hengelo", "exact", "kcc", 5.9, False, True, None, ["x"]),
    ("GM0344", 2014, "Gemeente Utrecht", "exact", "communicatie", 7.5, True, False, 3, ["x", "facebook"]),
    ("GM0363", 2014, "Amsterdam", "exact", "communicatie", 7.2, True, True, 4,
     ["x", "facebook", "instagram"]),
    ("GM0373", 2014, "Bergen (NH.)", "exact", "anders", 6.1, False, False, 2, []),
    ("GM0518", 2014, "Den Haag", "alias", "communicatie", 7.0, True, True, 4, ["x", "facebook", "instagram"]),
    ("GM0796", 2014, "'s-Hertogenbosch", "exact", "gedeeld", 6.8, False, True, 3, ["x"]),
    ("GM0820", 2014, "Nuenen, Gerwen en Nederwetten", "exact", "communicatie", 7.0, True, False, 4, ["x"]),
    ("GM1900", 2014, "Súdwest-Fryslân", "exact", "kcc", 8.0, True, True, 5, ["facebook", "x"]),
]


def rows_of(con: duckdb.DuckDBPyConnection, file_pattern: str) -> list[tuple[object, ...]]:
    return con.execute(ANSWERS, [file_pattern]).fetchall()


def quarantined(con: duckdb.DuckDBPyConnection, file_pattern: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT position, reason FROM dq.quarantined_rows WHERE source_file LIKE ? ORDER BY position",
        [file_pattern]).fetchall()


def test_both_csv_dialects_and_xlsx_load_to_the_same_rows(con: duckdb.DuckDBPyConnection,
                                                           settings: Settings) -> None:
    land(settings, "enquete-2014-puntkomma-cp1252.csv", "enquete-2014-komma-utf8-bom.csv")
    write_xlsx(settings.landing / "survey" / "02-enquete-2014.xlsx", XLSX_2014)
    report = load(con, settings)
    assert report.files_quarantined == []
    assert report.rows_quarantined == 0
    assert report.rows_loaded == 24
    assert rows_of(con, "%cp1252.csv") == EXPECTED_2014
    assert rows_of(con, "%utf8-bom.csv") == EXPECTED_2014
    assert rows_of(con, "%.xlsx") == EXPECTED_2014


def test_row_positions_follow_the_file(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    land(settings, "enquete-2014-puntkomma-cp1252.csv")
    write_xlsx(settings.landing / "survey" / "02-enquete-2014.xlsx", XLSX_2014)
    load(con, settings)
    positions = con.execute(
        "SELECT source_position, source_row FROM raw.survey_responses WHERE gm_code = 'GM0164' "
        "ORDER BY source_file").fetchall()
    # the XLSX has an empty row before Hengelo, which is skipped but still counts in Excel's numbering
    assert positions == [("line 9", 9), ("row 10", 10)]


def test_names_match_or_are_quarantined_with_their_candidates(con: duckdb.DuckDBPyConnection,
                                                               settings: Settings) -> None:
    land(settings, "enquete-2015-namen.csv")
    report = load(con, settings)
    assert (report.rows_loaded, report.rows_quarantined) == (7, 3)
    matched = con.execute(
        "SELECT source_row, gemeente_as_typed, gm_code_as_given, gm_code, matched_name, match_method, "
        "match_score FROM raw.survey_responses ORDER BY source_row").fetchall()
    assert matched == [
        (2, "Amsterdm", None, "GM0363", "Amsterdam", "fuzzy", 88.9),
        (3, "Den Bosch", None, "GM0796", "'s-Hertogenbosch", "alias", 100.0),
        (6, "Utrecht", None, "GM0344", "Utrecht", "exact", 100.0),
        (7, "Sudwest Fryslan", None, "GM1900", "Súdwest-Fryslân", "exact", 100.0),
        (8, "Hengelo (O.)", None, "GM0164", "Hengelo", "historic", 100.0),
        (9, None, "GM0599", "GM0599", "Rotterdam", "code", 100.0),
        (11, "Gemeente Utrecht", None, "GM0344", "Utrecht", "exact", 100.0),
    ]
    assert quarantined(con, "%") == [
        ("line 10", "gemeente 'Groningen' is Groningen (GM0014) but gm_code 'GM0599' is Rotterdam (GM0599)"),
        ("line 4", "gemeente: 'Atlantis' matches no municipality of 2015"),
        ("line 5", "gemeente: 'Bergen' is ambiguous in 2015; "
                   "candidates: Bergen (NH.) (GM0373), Bergen (L.) (GM0893)"),
    ]


def test_the_quarantined_row_keeps_its_content(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    land(settings, "enquete-2015-namen.csv")
    load(con, settings)
    (content,) = con.execute("SELECT content FROM dq.quarantined_rows WHERE position = 'line 4'").fetchone()
    assert '"gemeente": "Atlantis"' in content


def test_a_duplicate_respondent_keeps_both_rows_in_raw(con: duckdb.DuckDBPyConnection,
                                                       settings: Settings) -> None:
    land(settings, "enquete-2015-namen.csv")
    load(con, settings)
    utrecht = con.execute(
        "SELECT source_row, verantwoordelijke_afdeling, rapportcijfer FROM raw.survey_responses "
        "WHERE gm_code = 'GM0344' AND jaar = 2015 ORDER BY source_row").fetchall()
    assert utrecht == [(6, "communicatie", 6.5), (11, "gedeeld", 7.0)]


def test_out_of_range_values_load_and_unreadable_values_are_quarantined(
        con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    land(settings, "enquete-2016-waarden.csv")
    load(con, settings)
    kept = con.execute(
        "SELECT matched_name, verantwoordelijke_afdeling, rapportcijfer, steun_management, kanalen "
        "FROM raw.survey_responses ORDER BY source_row").fetchall()
    assert kept == [("Zwolle", "5", 11.0, 6, ["x"]), ("Leiden", "kcc", 0.5, 1, ["linkedin", "x"])]
    assert quarantined(con, "%") == [
        ("line 2", "rapportcijfer 'zeven' is not a number"),
        ("line 4", "structureel 'misschien' is not ja or nee"),
        ("line 5", "steun_management '3,5' is not a whole number"),
        ("line 6", "jaar is empty"),
    ]


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("kapot-zonder-rapportcijfer.csv", "missing column(s) rapportcijfer"),
        ("kapot-zonder-gemeente.csv", "missing column gemeente (or gm_code)"),
        ("kapot-codering.csv", "encoding: bytes at offset"),
    ],
)
def test_an_unusable_file_is_quarantined_whole(con: duckdb.DuckDBPyConnection, settings: Settings,
                                               fixture: str, reason: str) -> None:
    (landed,) = land(settings, fixture)
    report = load(con, settings)
    assert report.rows_loaded == 0
    assert [label for label, _ in report.files_quarantined] == [f"survey/{landed.name}"]
    assert reason in report.files_quarantined[0][1]
    assert con.execute("SELECT count(*) FROM raw.survey_responses").fetchone() == (0,)
    assert (settings.quarantine / "survey" / landed.name).exists()
    assert not landed.exists()


def test_a_truncated_xlsx_is_quarantined_whole(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    folder = settings.landing / "survey"
    folder.mkdir(parents=True)
    whole = write_xlsx(settings.home / "whole.xlsx", XLSX_2014).read_bytes()
    (folder / "enquete-2014.xlsx").write_bytes(whole[: len(whole) // 2])
    report = load(con, settings)
    assert report.rows_loaded == 0
    assert "unreadable XLSX" in report.files_quarantined[0][1]


def test_reloading_changes_nothing(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    landed = land(settings, "enquete-2014-puntkomma-cp1252.csv", "enquete-2015-namen.csv")
    first = load(con, settings)
    snapshot = con.execute("SELECT * FROM raw.survey_responses ORDER BY ALL").fetchall()
    # the same bytes again under another name: still loaded once
    shutil.copy(landed[0], landed[0].with_name("nog-een-keer.csv"))
    second = load(con, settings)
    assert (first.rows_loaded, first.rows_quarantined) == (15, 3)
    assert (second.rows_loaded, second.rows_quarantined, second.files_skipped) == (0, 0, 3)
    assert con.execute("SELECT * FROM raw.survey_responses ORDER BY ALL").fetchall() == snapshot
    assert con.execute("SELECT count(*) FROM dq.quarantined_rows").fetchone() == (3,)
