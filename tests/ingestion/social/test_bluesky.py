"""Bluesky author feeds, threads and notifications load to exactly the expected messages; bad bodies are
quarantined whole, bad posts row by row (tests/fixtures/bluesky, FORMATS.md §11).

The fixtures: Gemeente Utrecht (``utrecht.nl``; mentioned by its old handle ``gemeente-utrecht.bsky.social``)
posts M1 about road works; Anna asks Q1 under it at 01:50 local on the night the clocks go forward and Utrecht
answers R1 at 03:05 local (the client wrote ``+02:00``); Utrecht reposts Cor's park post P; Bram mentions Utrecht
in Q2 from a client whose clock ran 30 minutes fast (``createdAt`` after ``indexedAt``), answered by R2; Bram asks
Q3 under a post that was deleted (a ``notFoundPost``), answered by R3; Cor quotes M1 in QT (his handle no longer
verifies: ``handle.invalid``). The thread M1 → Q1 → R1 is spread over a feed, a thread and a notification file.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from core.pseudonym import citizen_key
from core.settings import Settings
from ingestion.framework import Record, RowRejected, load_source
from ingestion.social import json_input
from ingestion.social.bluesky import BLUESKY, parse
from tests.ingestion.social.support import FIXTURES, TEST_KEY, fetch, land, table_snapshot

UTRECHT = "did:plc:gemeenteutrecht234567ab"
ANNA, BRAM, COR = ("did:plc:anna7citizen2345abcdefg", "did:plc:bram7citizen2345abcdefg",
                   "did:plc:cor77citizen2345abcdefg")


def post(did: str, rkey: str) -> str:
    return f"at://{did}/app.bsky.feed.post/{rkey}"


M1, Q1, R1 = post(UTRECHT, "3lkm1root00002"), post(ANNA, "3lkq1anna00002"), post(UTRECHT, "3lkr1utrecht02")
P, QT = post(COR, "3lkpcorpark002"), post(COR, "3lkqtcorquote2")
Q2, R2 = post(BRAM, "3lrq2bram00002"), post(UTRECHT, "3lrr2utrecht02")
Q3, R3, DELETED = post(BRAM, "3lsq3bram00002"), post(UTRECHT, "3lsr3utrecht02"), post(UTRECHT, "3lsdeleted0002")

BODIES = ("feed_utrecht_2025_03.json", "feed_utrecht_2025_06.json", "notifications_utrecht.json",
          "thread_q1.json", "thread_q3.json")
BAD_BODIES = ("error_profile_not_found.json", "feed_not_an_array.json", "profile_body.json", "truncated_feed.json")
COLUMNS = ("source_file, source_position, message_id, author_id, author_handle, created_at, in_reply_to_id, "
           "in_reply_to_author_id, conversation_id, mentions, quoted_id")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# (message_id, author_id, author_handle, created_at, in_reply_to_id, in_reply_to_author_id, conversation_id,
#  mentions, quoted_id) of each post, as every body that carries it gives it.
MESSAGES = {
    M1: (M1, UTRECHT, "utrecht.nl", utc(2025, 3, 28, 10), None, None, M1, [], None),
    # 01:50 local (CET) on the night the clocks go forward
    Q1: (Q1, ANNA, "anna.bsky.social", utc(2025, 3, 30, 0, 50), M1, UTRECHT, M1, [], None),
    # createdAt 03:05+02:00 (CEST) is 01:05 UTC, before indexedAt 01:05:02: createdAt counts
    R1: (R1, UTRECHT, "utrecht.nl", utc(2025, 3, 30, 1, 5), Q1, ANNA, M1, [], None),
    # a repost by Utrecht: the post stays Cor's
    P: (P, COR, "cor.bsky.social", utc(2025, 4, 1, 12), None, None, P, [], None),
    # createdAt 09:00 lies after indexedAt 08:30: indexedAt counts; the mention facet names Utrecht's DID
    Q2: (Q2, BRAM, "bram.bsky.social", utc(2025, 6, 2, 8, 30), None, None, Q2, [UTRECHT], None),
    R2: (R2, UTRECHT, "utrecht.nl", utc(2025, 6, 2, 10), Q2, BRAM, Q2, [], None),
    # the post replied to is gone; its uri still names Utrecht's DID
    Q3: (Q3, BRAM, "bram.bsky.social", utc(2025, 7, 1, 7), DELETED, UTRECHT, DELETED, [], None),
    R3: (R3, UTRECHT, "utrecht.nl", utc(2025, 7, 1, 9, 30), Q3, BRAM, DELETED, [], None),
    # handle.invalid is no handle
    QT: (QT, COR, None, utc(2025, 3, 28, 11), None, None, QT, [], M1),
}


def test_bodies_load_to_the_expected_messages(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "bluesky", *BODIES)
    report = load_source(con, BLUESKY, settings)
    assert (report.rows_loaded, report.rows_quarantined, report.files_quarantined) == (16, 0, [])
    rows = con.execute(f"SELECT {COLUMNS} FROM raw.bluesky_messages ORDER BY source_file, source_position").fetchall()
    assert [(file, position, MESSAGES[row[0]]) for file, position, *row in rows] == [
        # the repost, then Utrecht's reply and the posts it answers; M1 again (its own item) is read once
        ("bluesky/feed_utrecht_2025_03.json", "feed[0].post", MESSAGES[P]),
        ("bluesky/feed_utrecht_2025_03.json", "feed[1].post", MESSAGES[R1]),
        ("bluesky/feed_utrecht_2025_03.json", "feed[1].reply.parent", MESSAGES[Q1]),
        ("bluesky/feed_utrecht_2025_03.json", "feed[1].reply.root", MESSAGES[M1]),
        # R3's root is a notFoundPost: skipped; Q2 is R2's root and parent: read once
        ("bluesky/feed_utrecht_2025_06.json", "feed[0].post", MESSAGES[R3]),
        ("bluesky/feed_utrecht_2025_06.json", "feed[0].reply.parent", MESSAGES[Q3]),
        ("bluesky/feed_utrecht_2025_06.json", "feed[1].post", MESSAGES[R2]),
        ("bluesky/feed_utrecht_2025_06.json", "feed[1].reply.parent", MESSAGES[Q2]),
        # a follow and a like carry no message
        ("bluesky/notifications_utrecht.json", "notifications[0]", MESSAGES[Q2]),
        ("bluesky/notifications_utrecht.json", "notifications[2]", MESSAGES[Q1]),
        ("bluesky/notifications_utrecht.json", "notifications[3]", MESSAGES[QT]),
        # the thread of Q1: its parent M1 and its one reply that is a post (a notFoundPost, a blockedPost)
        ("bluesky/thread_q1.json", "thread.parent.post", MESSAGES[M1]),
        ("bluesky/thread_q1.json", "thread.post", MESSAGES[Q1]),
        ("bluesky/thread_q1.json", "thread.replies[0].post", MESSAGES[R1]),
        ("bluesky/thread_q3.json", "thread.post", MESSAGES[Q3]),
        ("bluesky/thread_q3.json", "thread.replies[0].post", MESSAGES[R3]),
    ]
    # the same post through feed, thread and notification is one message_id: nine messages
    assert con.execute("SELECT count(DISTINCT message_id) FROM raw.bluesky_messages").fetchone() == (9,)


def test_posts_are_bluesky_messages_keyed_by_did(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "bluesky", "feed_utrecht_2025_03.json", "notifications_utrecht.json")
    load_source(con, BLUESKY, settings)
    rows = fetch(con, "SELECT DISTINCT message_id, platform, source_system, author_key, is_retweet, text "
                      "FROM raw.bluesky_messages ORDER BY message_id")
    assert {(r["platform"], r["source_system"], r["is_retweet"]) for r in rows} == {("bluesky", "bluesky", False)}
    keys = {r["message_id"]: r["author_key"] for r in rows}
    assert keys[Q1] == citizen_key(TEST_KEY.encode(), "bluesky", ANNA)
    assert keys[QT] == citizen_key(TEST_KEY.encode(), "bluesky", COR)  # keyed by DID, not by a handle
    texts = {r["message_id"]: r["text"] for r in rows}
    assert texts[Q2] == "Hé @gemeente-utrecht.bsky.social, wanneer wordt het grofvuil in Overvecht opgehaald?"
    assert texts[P] == "Mooie ochtend in het Wilhelminapark 🌷"


def test_missing_thread_nodes_are_counted_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="ingestion.social.bluesky.parser"):
        parsed = list(parse(FIXTURES / "bluesky" / "thread_q1.json"))
    assert all(isinstance(p, Record) for p in parsed) and len(parsed) == 3
    assert "thread_q1.json: 1 post(s) not found and 1 blocked in the body; the rest loads" in caplog.messages


def test_bad_bodies_are_quarantined_whole(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "bluesky", "thread_q3.json")
    load_source(con, BLUESKY, settings)
    before = table_snapshot(con, "bluesky_messages")
    land(settings, "bluesky", *BAD_BODIES)
    report = load_source(con, BLUESKY, settings)
    assert report.files_loaded == [] and len(report.files_quarantined) == 4
    assert table_snapshot(con, "bluesky_messages") == before
    quarantine = settings.quarantine / "bluesky"
    reasons = {name: (quarantine / f"{name}.reason").read_text() for name in BAD_BODIES}
    assert "Bluesky API error object" in reasons["error_profile_not_found.json"]
    assert "not a Bluesky feed body: 'feed' is not an array" in reasons["feed_not_an_array.json"]
    assert "none of 'feed', 'thread' or 'notifications' among its 4 top-level key(s)" in reasons["profile_body.json"]
    assert "invalid or truncated JSON" in reasons["truncated_feed.json"]
    assert "Profile not found" not in reasons["error_profile_not_found.json"]  # a reason never quotes the file


def test_bad_posts_are_quarantined_row_by_row(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "bluesky", "feed_with_bad_posts.json")
    report = load_source(con, BLUESKY, settings)
    assert (report.rows_loaded, report.rows_quarantined) == (1, 6)
    assert con.execute("SELECT message_id, source_position FROM raw.bluesky_messages").fetchall() == [
        (M1, "feed[3].post")]
    assert fetch(con, "SELECT position, reason FROM dq.quarantined_rows ORDER BY position") == [
        {"position": "feed[0].post",
         "reason": "unusable post: record.createdAt '30-03-2025 01:50' is not a date and time"},
        {"position": "feed[1]", "reason": "feed item is not an object"},
        {"position": "feed[2].post", "reason": "post without an author DID"},
        {"position": "feed[4].post",
         "reason": "unusable post: record.createdAt '2025-03-30T01:50:00' has no UTC offset"},
        {"position": "feed[5].post", "reason": "post without an at:// post uri"},
        {"position": "feed[6]", "reason": "feed item without a post"},
    ]


@pytest.mark.parametrize("name", [*BODIES, "feed_with_bad_posts.json"])
def test_streamed_bodies_give_what_whole_bodies_give(name: str, settings: Settings,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = FIXTURES / "bluesky" / name
    whole = list(parse(path))
    monkeypatch.setattr(json_input, "WHOLE_FILE_LIMIT", 0)
    assert list(parse(path)) == whole
    assert whole and all(isinstance(p, Record | RowRejected) for p in whole)


@pytest.mark.parametrize("name", BAD_BODIES)
def test_streamed_bad_bodies_are_rejected_alike(name: str, settings: Settings,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from ingestion.framework import FileRejected

    path: Path = FIXTURES / "bluesky" / name
    with pytest.raises(FileRejected) as whole:
        list(parse(path))
    monkeypatch.setattr(json_input, "WHOLE_FILE_LIMIT", 0)
    with pytest.raises(FileRejected) as streamed:
        list(parse(path))
    assert streamed.value.reason == whole.value.reason


def test_loading_twice_changes_nothing(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "bluesky", *BODIES)
    load_source(con, BLUESKY, settings)
    before = table_snapshot(con, "bluesky_messages")
    again = load_source(con, BLUESKY, settings)
    assert (again.files_skipped, again.rows_loaded, again.rows_quarantined) == (5, 0, 0)
    assert table_snapshot(con, "bluesky_messages") == before
