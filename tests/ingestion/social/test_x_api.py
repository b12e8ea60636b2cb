"""X API v2 pages load to exactly the expected messages; error objects and truncated pages are quarantined."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from core.pseudonym import citizen_key
from core.settings import Settings
from ingestion.framework import load_source
from ingestion.social.x_api import X_API
from tests.ingestion.social.support import TEST_KEY, fetch, land, table_snapshot

GOOD = ("page_2024_03_mentions_1.json", "page_2024_03_mentions_2.json", "search_2014_03_30.json",
        "search_empty.json")
COLUMNS = ("source_file, source_position, message_id, author_id, author_handle, created_at, in_reply_to_id, "
           "in_reply_to_author_id, conversation_id, mentions, is_retweet, retweeted_id")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_pages_load_to_the_expected_messages(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "x_api", *GOOD)
    report = load_source(con, X_API, settings)
    assert (len(report.files_loaded), report.rows_loaded, report.rows_quarantined) == (4, 7, 0)
    rows = con.execute(f"SELECT {COLUMNS} FROM raw.x_api_messages ORDER BY source_file, source_position")
    p1, p2, p3 = (f"x_api/{name}" for name in GOOD[:3])
    assert rows.fetchall() == [
        (p1, "data[0]", "1765003412398765432", "1234567890123456789", "burger_anna",
         utc(2024, 3, 5, 13, 16, 20), None, "112233445", "1765003412398765432", ["vraagbaak_gemeente"],
         False, None),
        (p1, "data[1]", "1765021987654321098", "112233445", "vraagbaak_gemeente", utc(2024, 3, 5, 14, 30, 9),
         "1765003412398765432", "1234567890123456789", "1765003412398765432", ["burger_anna"], False, None),
        (p1, "data[2]", "1765030000000000001", "987654321", "kees_de_vries", utc(2024, 3, 5, 15, 2),
         None, None, "1765030000000000001", ["vraagbaak_gemeente"], True, "1764990000000000000"),
        (p1, "includes.tweets[0]", "1764990000000000000", "112233445", "vraagbaak_gemeente",
         utc(2024, 3, 5, 12), None, None, "1764990000000000000", [], False, None),
        # The same reply again: overlapping pages keep both copies in raw; staging keys them as one message.
        (p2, "data[0]", "1765021987654321098", "112233445", "vraagbaak_gemeente", utc(2024, 3, 5, 14, 30, 9),
         "1765003412398765432", "1234567890123456789", "1765003412398765432", ["burger_anna"], False, None),
        (p2, "data[1]", "1765100000000000002", "555000111222333444", "tegelwipper",
         utc(2024, 3, 5, 19, 45, 31), None, None, "1765100000000000002", ["vraagbaak_gemeente"], False, None),
        (p3, "data[0]", "450008012345678901", "20987654", "fietser_henk", utc(2014, 3, 30, 0, 50),
         None, None, "450008012345678901", ["vraagbaak_gemeente"], False, None),
    ]
    distinct = con.execute("SELECT count(DISTINCT message_id) FROM raw.x_api_messages").fetchone()
    assert distinct == (6,)


def test_ids_stay_exact_text_and_citizens_get_a_keyed_hash(
    settings: Settings, con: duckdb.DuckDBPyConnection
) -> None:
    land(settings, "x_api", "page_2024_03_mentions_1.json")
    load_source(con, X_API, settings)
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'x_api_messages'").fetchall())
    assert {types[c] for c in ("message_id", "author_id", "in_reply_to_id", "conversation_id")} == {"VARCHAR"}
    [anna] = fetch(con, "SELECT * FROM raw.x_api_messages WHERE message_id = '1765003412398765432'")
    assert int(anna["message_id"]) > 2**53 and anna["message_id"] == "1765003412398765432"
    assert anna["author_key"] == citizen_key(TEST_KEY.encode(), "x", "1234567890123456789")
    assert anna["text"].endswith("Schoolstraat? 🗑️")
    assert (anna["platform"], anna["source_system"], anna["direction"]) == ("x", "x_api", None)


def test_long_posts_keep_their_full_note_tweet_text(
    settings: Settings, con: duckdb.DuckDBPyConnection
) -> None:
    land(settings, "x_api", "page_2024_03_mentions_2.json")
    load_source(con, X_API, settings)
    [(text,)] = con.execute(
        "SELECT text FROM raw.x_api_messages WHERE message_id = '1765100000000000002'").fetchall()
    assert text.endswith("Meldingsnummer 2024-0315 😤") and len(text) > 280


def test_loading_twice_changes_nothing(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "x_api", *GOOD)
    load_source(con, X_API, settings)
    before = table_snapshot(con, "x_api_messages")
    again = load_source(con, X_API, settings)
    assert (again.files_skipped, again.rows_loaded, again.files_loaded) == (4, 0, [])
    assert table_snapshot(con, "x_api_messages") == before


def test_error_object_and_truncated_page_are_quarantined_whole(
    settings: Settings, con: duckdb.DuckDBPyConnection
) -> None:
    land(settings, "x_api", "page_2024_03_mentions_1.json")
    load_source(con, X_API, settings)
    before = table_snapshot(con, "x_api_messages")
    land(settings, "x_api", "error_invalid_request.json", "truncated_page.json")
    report = load_source(con, X_API, settings)
    assert report.files_loaded == [] and len(report.files_quarantined) == 2
    assert table_snapshot(con, "x_api_messages") == before
    quarantine = settings.quarantine / "x_api"
    error_reason = (quarantine / "error_invalid_request.json.reason").read_text()
    assert "X API error object without data" in error_reason and "(at errors[0])" in error_reason
    truncated_reason = (quarantine / "truncated_page.json.reason").read_text()
    assert "truncated JSON" in truncated_reason and "near byte 1400" in truncated_reason
    assert not (settings.landing / "x_api" / "truncated_page.json").exists()
    recorded = fetch(con, "SELECT source_file, position FROM dq.quarantined_files ORDER BY source_file")
    assert recorded == [{"source_file": "x_api/error_invalid_request.json", "position": "errors[0]"},
                        {"source_file": "x_api/truncated_page.json", "position": "near byte 1400"}]
