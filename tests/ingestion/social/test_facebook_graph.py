"""Facebook Graph feeds load posts, comments and replies to comments; error objects are quarantined."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from core.pseudonym import citizen_key
from core.settings import Settings
from ingestion.framework import load_source
from ingestion.social.facebook_graph import FACEBOOK_GRAPH
from tests.ingestion.social.support import TEST_KEY, fetch, land, table_snapshot

FEEDS = ("feed_2014_05.json", "feed_2014_05_stream.json")
PAGE = "104523456789012"
POST, STREAM_POST = f"{PAGE}_2233445566778899", f"{PAGE}_2233445566711111"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_feeds_load_to_the_expected_messages(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "facebook_graph", *FEEDS)
    report = load_source(con, FACEBOOK_GRAPH, settings)
    assert (report.rows_loaded, report.rows_quarantined) == (9, 1)
    rows = con.execute(
        "SELECT source_position, message_id, author_id, created_at, in_reply_to_id, conversation_id, "
        "channel_account_id FROM raw.facebook_graph_messages ORDER BY source_file, source_position")
    assert rows.fetchall() == [
        ("data[0]", POST, PAGE, utc(2014, 5, 12, 8, 15, 30), None, POST, PAGE),
        ("data[0].comments[0]", "2233445566778899_998877665544332", "555666777888999",
         utc(2014, 5, 12, 9, 2, 11), POST, POST, PAGE),
        # A reply nested under its comment answers that comment, not the post.
        ("data[0].comments[0].comments[0]", "2233445566778899_998877665544400", PAGE,
         utc(2014, 5, 12, 10, 30, 45), "2233445566778899_998877665544332", POST, PAGE),
        # Without moderation rights the Graph API hides `from`: no author, no key.
        ("data[0].comments[1]", "2233445566778899_998877665544501", None, utc(2014, 5, 12, 11, 47, 3),
         POST, POST, PAGE),
        ("data[0].comments[2]", "2233445566778899_998877665544602", "555666777000111",
         utc(2014, 5, 12, 12, 5, 19), POST, POST, PAGE),
        ("data[1]", f"{PAGE}_2233445566700001", PAGE, utc(2014, 5, 13, 6, 0, 2), None,
         f"{PAGE}_2233445566700001", PAGE),
        ("data[0]", STREAM_POST, PAGE, utc(2014, 5, 20, 14), None, STREAM_POST, PAGE),
        ("data[0].comments[0]", "2233445566711111_100000000000001", "555666777222333",
         utc(2014, 5, 20, 15, 10), STREAM_POST, STREAM_POST, PAGE),
        # filter=stream: the reply comes flat, its `parent` names the comment it answers.
        ("data[0].comments[1]", "2233445566711111_100000000000002", PAGE, utc(2014, 5, 20, 15, 40),
         "2233445566711111_100000000000001", STREAM_POST, PAGE),
    ]


def test_authors_are_keyed_and_have_no_handle(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "facebook_graph", "feed_2014_05.json")
    load_source(con, FACEBOOK_GRAPH, settings)
    rows = fetch(con, "SELECT message_id, author_handle, author_key, text, platform, mentions "
                      "FROM raw.facebook_graph_messages ORDER BY source_position")
    assert {r["author_handle"] for r in rows} == {None} and {r["platform"] for r in rows} == {"facebook"}
    assert rows[1]["author_key"] == citizen_key(TEST_KEY.encode(), "facebook", "555666777888999")
    assert rows[3]["author_key"] is None
    assert rows[0]["text"].endswith("werkzaamheden. 🚧") and rows[-1]["text"] is None


def test_a_comment_with_a_bad_time_is_quarantined_alone(
    settings: Settings, con: duckdb.DuckDBPyConnection
) -> None:
    land(settings, "facebook_graph", "feed_2014_05_stream.json")
    load_source(con, FACEBOOK_GRAPH, settings)
    [row] = fetch(con, "SELECT source_file, position, reason FROM dq.quarantined_rows")
    assert row["position"] == "data[0].comments[2]" and "'bad time'" in row["reason"]
    assert con.execute("SELECT count(*) FROM raw.facebook_graph_messages").fetchone() == (3,)


def test_loading_twice_changes_nothing(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "facebook_graph", *FEEDS)
    load_source(con, FACEBOOK_GRAPH, settings)
    before = table_snapshot(con, "facebook_graph_messages")
    again = load_source(con, FACEBOOK_GRAPH, settings)
    assert (again.files_skipped, again.rows_loaded, again.rows_quarantined) == (2, 0, 0)
    assert table_snapshot(con, "facebook_graph_messages") == before
    assert con.execute("SELECT count(*) FROM dq.quarantined_rows").fetchone() == (1,)


def test_error_object_and_truncated_feed_are_quarantined(
    settings: Settings, con: duckdb.DuckDBPyConnection
) -> None:
    land(settings, "facebook_graph", "feed_2014_05.json")
    load_source(con, FACEBOOK_GRAPH, settings)
    before = table_snapshot(con, "facebook_graph_messages")
    land(settings, "facebook_graph", "error_oauth.json", "truncated_feed.json")
    report = load_source(con, FACEBOOK_GRAPH, settings)
    assert len(report.files_quarantined) == 2 and report.rows_loaded == 0
    quarantine = settings.quarantine / "facebook_graph"
    error_reason = (quarantine / "error_oauth.json.reason").read_text()
    assert "Graph API error object without data" in error_reason and "(at error)" in error_reason
    assert "OAuthException" not in error_reason  # the file's own words stay in the file
    assert "near byte 900" in (quarantine / "truncated_feed.json.reason").read_text()
    assert table_snapshot(con, "facebook_graph_messages") == before
