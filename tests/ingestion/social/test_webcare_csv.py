"""Webcare CSVs: encodings, Amsterdam local time to UTC across clock changes, profiles, bad rows and files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from core.pseudonym import citizen_key
from core.settings import Settings
from ingestion.framework import FileRejected, load_source
from ingestion.social import webcare
from ingestion.social.webcare import WEBCARE_CSV
from ingestion.social.webcare.clock import to_utc
from ingestion.social.x_api import X_API
from tests.ingestion.social.support import TEST_KEY, fetch, land, table_snapshot

UTF8, CP1252 = "webcare_vraagbaak_2014.csv", "webcare_export_2024_cp1252.csv"
COLUMNS = ("source_position, platform, message_id, author_handle, created_at, in_reply_to_id, mentions, "
           "channel_handle, direction")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_exports_load_to_the_expected_messages(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "webcare_csv", UTF8, CP1252)
    report = load_source(con, WEBCARE_CSV, settings)
    assert (report.rows_loaded, report.rows_quarantined) == (8, 2)
    rows = con.execute(
        f"SELECT {COLUMNS} FROM raw.webcare_csv_messages ORDER BY source_file, source_position")
    kanaal = "vraagbaak_gemeente"
    assert rows.fetchall() == [
        ("line 2", "x", "1765003412398765432", "burger_anna", utc(2024, 3, 5, 13, 16), None, [kanaal],
         kanaal, "inkomend"),
        ("line 3", "x", "1765040000000000003", kanaal, utc(2024, 3, 5, 15, 45), "1765035000000000002",
         ["jeroen_f"], kanaal, "uitgaand"),
        ("line 2", "x", "450008012345678901", "fietser_henk", utc(2014, 3, 30, 0, 50), None, [kanaal],
         kanaal, "inkomend"),
        ("line 3", "x", "450012345678901234", kanaal, utc(2014, 3, 30, 1, 5), "450008012345678901",
         ["fietser_henk"], kanaal, "uitgaand"),
        ("line 4", "facebook", "2233445566778899_998877665544332", "pieter jansen", utc(2014, 5, 12, 9, 2),
         "104523456789012_2233445566778899", [], "gemeentevoorbeeld", "inkomend"),
        # A quoted multi-line message: its position is the line it starts on.
        ("line 5", "instagram", "17890012345678901", "lisa.de.vries", utc(2014, 6, 14, 16, 20), None, [],
         "gemeentevoorbeeld", "inkomend"),
        ("line 7", "instagram", "17890012345679999", "gemeentevoorbeeld", utc(2014, 6, 14, 18, 2),
         "17890012345678901", ["lisa.de.vries"], "gemeentevoorbeeld", "uitgaand"),
        ("line 8", "x", "450200000000000001", "nachtbraker", utc(2014, 10, 26, 0, 30), None, [kanaal],
         kanaal, "inkomend"),
    ]


def test_a_reply_across_the_spring_clock_change_is_fifteen_minutes(
    settings: Settings, con: duckdb.DuckDBPyConnection
) -> None:
    land(settings, "webcare_csv", UTF8)
    load_source(con, WEBCARE_CSV, settings)
    [(minutes,)] = con.execute(
        "SELECT date_diff('minute', q.created_at, r.created_at) FROM raw.webcare_csv_messages q "
        "JOIN raw.webcare_csv_messages r ON r.in_reply_to_id = q.message_id "
        "WHERE q.message_id = '450008012345678901'").fetchall()
    assert minutes == 15


@pytest.mark.parametrize(("local", "expected"), [
    (datetime(2014, 3, 30, 1, 59), utc(2014, 3, 30, 0, 59)),  # last minute of winter time
    (datetime(2014, 3, 30, 3, 0), utc(2014, 3, 30, 1, 0)),  # first minute of summer time
    (datetime(2014, 3, 30, 2, 30), utc(2014, 3, 30, 1, 30)),  # skipped hour: read with the winter offset
    (datetime(2014, 10, 26, 2, 30), utc(2014, 10, 26, 0, 30)),  # repeated hour: its first occurrence
    (datetime(2014, 10, 26, 3, 0), utc(2014, 10, 26, 2, 0)),
])
def test_amsterdam_local_time_rules(local: datetime, expected: datetime) -> None:
    assert to_utc(local) == expected


def test_bad_rows_are_quarantined_and_the_rest_loads(
    settings: Settings, con: duckdb.DuckDBPyConnection
) -> None:
    land(settings, "webcare_csv", UTF8, CP1252)
    load_source(con, WEBCARE_CSV, settings)
    rows = fetch(con, "SELECT source_file, position, reason FROM dq.quarantined_rows ORDER BY source_file")
    assert [(r["source_file"], r["position"]) for r in rows] == [
        (f"webcare_csv/{CP1252}", "line 4"), (f"webcare_csv/{UTF8}", "line 9")]
    assert "mangled by Excel" in rows[0]["reason"]
    assert rows[1]["reason"] == "datum '31-02-2014 10:00' does not parse as dd-mm-jjjj hh:mm"


def test_windows_1252_text_is_decoded(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "webcare_csv", CP1252)
    load_source(con, WEBCARE_CSV, settings)
    [(text,)] = con.execute(
        "SELECT text FROM raw.webcare_csv_messages WHERE message_id = '1765040000000000003'").fetchall()
    assert "café" in text and "Fryslân" in text and text.endswith("Joëlle")


def test_authors_are_keyed_by_handle(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "webcare_csv", UTF8)
    load_source(con, WEBCARE_CSV, settings)
    [row] = fetch(con, "SELECT author_id, author_key FROM raw.webcare_csv_messages "
                       "WHERE message_id = '450008012345678901'")
    assert row == {"author_id": None, "author_key": citizen_key(TEST_KEY.encode(), "x", "Fietser_Henk")}


def test_a_message_in_the_api_and_in_a_webcare_export_is_the_same_message(
    settings: Settings, con: duckdb.DuckDBPyConnection
) -> None:
    land(settings, "webcare_csv", UTF8)
    land(settings, "x_api", "search_2014_03_30.json")
    load_source(con, WEBCARE_CSV, settings)
    load_source(con, X_API, settings)
    both = con.execute(
        "SELECT a.platform, a.message_id, a.created_at = w.created_at FROM raw.x_api_messages a "
        "JOIN raw.webcare_csv_messages w USING (platform, message_id)").fetchall()
    assert both == [("x", "450008012345678901", True)]


def test_loading_twice_changes_nothing(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "webcare_csv", UTF8, CP1252)
    load_source(con, WEBCARE_CSV, settings)
    before = table_snapshot(con, "webcare_csv_messages")
    again = load_source(con, WEBCARE_CSV, settings)
    assert (again.files_skipped, again.rows_loaded, again.rows_quarantined) == (2, 0, 0)
    assert table_snapshot(con, "webcare_csv_messages") == before


def test_a_file_missing_a_column_is_quarantined(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "webcare_csv", UTF8)
    load_source(con, WEBCARE_CSV, settings)
    before = table_snapshot(con, "webcare_csv_messages")
    land(settings, "webcare_csv", "webcare_zonder_richting.csv")
    report = load_source(con, WEBCARE_CSV, settings)
    assert [label for label, _ in report.files_quarantined] == ["webcare_csv/webcare_zonder_richting.csv"]
    reason = (settings.quarantine / "webcare_csv" / "webcare_zonder_richting.csv.reason").read_text()
    assert reason.startswith("missing column(s) richting (profile webcare)") and "(at line 1)" in reason
    assert table_snapshot(con, "webcare_csv_messages") == before


def test_an_undecodable_file_is_quarantined(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    target = settings.landing / "webcare_csv" / "kapot.csv"
    target.parent.mkdir(parents=True)
    # 0x81 is undefined in Windows-1252 and invalid UTF-8: no encoding we accept reads it.
    target.write_bytes(b"bericht_id;datum;kanaal;account;auteur;richting;in_antwoord_op;tekst\r\n"
                       b"1;01-01-2014 10:00;x;a;b;inkomend;;caf\x81\r\n")
    report = load_source(con, WEBCARE_CSV, settings)
    assert report.files_quarantined and "encoding" in report.files_quarantined[0][1]


def test_a_coosto_export_maps_through_its_profile(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "webcare_csv", "coosto_export_mei_2014.csv")
    load_source(con, WEBCARE_CSV, settings)
    rows = con.execute("SELECT message_id, platform, author_handle, created_at, text, mentions, direction "
                       "FROM raw.webcare_csv_messages ORDER BY source_position").fetchall()
    assert rows == [
        ("466125000000000000", "x", "pjansen", utc(2014, 5, 13, 7, 51),
         "@zwolle_crisis waarom is de Dorpsstraat dicht?", ["zwolle_crisis"], None),
        ("466130000000000001", "x", "zwolle_crisis", utc(2014, 5, 13, 8, 20),
         "@pjansen Ja, de Dorpsstraat is dicht tot de bomen zijn geruimd.", ["pjansen"], None),
    ]


def test_the_profile_comes_from_the_folder_name_or_else_the_header(tmp_path: Path) -> None:
    export = tmp_path / "berichten-13-05-2014_12_31.csv"
    export.write_text("Datum;Kanaal;Bericht;Geplaatst door (optioneel);Mentions;Url\n"
                      "13-05-2014 09:51;Twitter;waarom is de weg dicht?;pjansen;@Zwolle_Crisis;"
                      "https://twitter.com/pjansen/status/466125000000000000\n", encoding="cp1252")
    [record] = webcare.parse(export)  # no profile folder: the header picks obi4wan
    assert record.values["message_id"] == "466125000000000000"
    assert record.values["mentions"] == ["zwolle_crisis"]
    forced = tmp_path / "webcare"
    forced.mkdir()
    (forced / export.name).write_bytes(export.read_bytes())
    with pytest.raises(FileRejected, match="missing column.*profile webcare"):
        list(webcare.parse(forced / export.name))
