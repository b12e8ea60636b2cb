"""Instagram Graph pages load media, comments and replies as messages; bad bodies and bad items are quarantined.

Fixtures (tests/fixtures/instagram_graph, invented): a media page of the account 17841400000000999
(gemeentevoorbeeld) with comments and the account's replies, a comments page in a folder named for its media
(one comment of it also in the media page), a comments page whose comments name their media, an API error object
and a body whose ``data`` is not a list.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from core.pseudonym import citizen_key
from core.settings import Settings
from ingestion.framework import FileRejected, Record, RowRejected, load_source
from ingestion.social import json_input
from ingestion.social.instagram_graph import INSTAGRAM_GRAPH, parse
from tests.ingestion.social.support import TEST_KEY, fetch, land, table_snapshot

OWNER = "17841400000000999"
MEDIA, MEDIA_2 = "17900000000000001", "17900000000000002"
C_LISA, C_JAN, C_MO, C_SANNE, C_KEES = (f"1789001234567890{n}" for n in (1, 2, 3, 5, 6))
R_LISA, R_JAN, R_MO = "17890012345679999", "17890012345680002", "17890012345680003"
GOOD = ("media_2024_06.json", "17900000000000001", "comments_with_media.json")
COLUMNS = ("source_position, message_id, author_id, author_handle, created_at, in_reply_to_id, conversation_id, "
           "channel_account_id, mentions")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_pages_load_to_the_expected_messages(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "instagram_graph", *GOOD)
    report = load_source(con, INSTAGRAM_GRAPH, settings)
    assert (len(report.files_loaded), report.rows_loaded, report.rows_quarantined) == (3, 11, 1)
    rows = con.execute(f"SELECT source_file, {COLUMNS} FROM raw.instagram_graph_messages "
                       "ORDER BY source_file, source_position").fetchall()
    by_file: dict[str, list[tuple[object, ...]]] = {}
    for row in rows:
        by_file.setdefault(Path(row[0]).name, []).append(row[1:])
    assert by_file["media_2024_06.json"] == [
        # the municipality's own post: a message of the owner account, its own thread
        ("data[0]", MEDIA, OWNER, "gemeentevoorbeeld", utc(2024, 6, 14, 10), None, MEDIA, OWNER, []),
        # a comment on the account's media replies to the media, in its thread, on the owner's channel
        ("data[0].comments[0]", C_LISA, "17841400000000001", "lisa.de.vries", utc(2024, 6, 14, 16, 20, 5),
         MEDIA, MEDIA, OWNER, []),
        # the owner's reply in the comment's `replies` answers the comment
        ("data[0].comments[0].replies[0]", R_LISA, OWNER, "gemeentevoorbeeld", utc(2024, 6, 14, 18, 2, 40),
         C_LISA, MEDIA, OWNER, ["lisa.de.vries"]),
        ("data[0].comments[1]", C_JAN, "17841400000000002", "jan_bakker", utc(2024, 6, 14, 17), MEDIA, MEDIA,
         OWNER, []),
        # a citizen's reply to a citizen's comment
        ("data[0].comments[1].replies[0]", R_JAN, "17841400000000003", "piet.k", utc(2024, 6, 14, 17, 30),
         C_JAN, MEDIA, OWNER, ["jan_bakker"]),
        # no `from`: the username is the only author identity
        ("data[0].comments[2]", C_MO, None, "mo.amrani", utc(2024, 6, 17, 7, 30), MEDIA, MEDIA, OWNER, []),
        # data[0].comments[3] has the timestamp 'gisteren': quarantined alone
        ("data[1]", MEDIA_2, OWNER, "gemeentevoorbeeld", utc(2024, 6, 16, 8), None, MEDIA_2, OWNER, []),
    ]
    # a comments page in a folder named for its media: the media is known, the owner is not
    assert by_file["comments_0001.json"] == [
        ("data[0]", C_MO, None, "mo.amrani", utc(2024, 6, 17, 7, 30), MEDIA, MEDIA, None, []),
        ("data[0].replies[0]", R_MO, OWNER, "gemeentevoorbeeld", utc(2024, 6, 17, 9, 45, 30), C_MO, MEDIA, None,
         ["mo.amrani"]),
        ("data[1]", C_SANNE, "17841400000000004", "sanne_v", utc(2024, 6, 18, 12), MEDIA, MEDIA, None, []),
    ]
    # comments that name their media (and its owner) in their own `media` field
    assert by_file["comments_with_media.json"] == [
        ("data[0]", C_KEES, "17841400000000006", "kees.k", utc(2024, 6, 17, 6, 15), MEDIA_2, MEDIA_2, OWNER,
         ["gemeentevoorbeeld"]),
    ]
    [quarantined] = fetch(con, "SELECT position, reason FROM dq.quarantined_rows")
    assert quarantined["position"] == "data[0].comments[3]" and "'gisteren'" in quarantined["reason"]


def test_messages_are_instagram_with_keyed_authors(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "instagram_graph", "media_2024_06.json")
    load_source(con, INSTAGRAM_GRAPH, settings)
    rows = {r["message_id"]: r for r in fetch(con, "SELECT * FROM raw.instagram_graph_messages")}
    assert {r["platform"] for r in rows.values()} == {"instagram"}
    assert {r["source_system"] for r in rows.values()} == {"instagram_graph"}
    assert rows[C_LISA]["author_key"] == citizen_key(TEST_KEY.encode(), "instagram", "17841400000000001")
    # only the username is given: the pseudonym is of the (lowercased) username
    assert rows[C_MO]["author_key"] == citizen_key(TEST_KEY.encode(), "instagram", "mo.amrani")
    assert rows[MEDIA]["text"].startswith("Vanaf zaterdag 15 juni") and rows[MEDIA]["text"].endswith("🏊")
    assert rows[C_LISA]["text"] == "Is het zwembad deze zomer ook op zondag open?"
    assert {r["is_retweet"] for r in rows.values()} == {False}
    assert {r["direction"] for r in rows.values()} == {None}


@pytest.mark.parametrize(("name", "reason"), [
    ("error_rate_limit.json", "Graph API error object without data"),
    ("data_not_a_list.json", "'data' is not a list"),
])
def test_a_body_that_is_not_a_page_is_quarantined_whole(
    settings: Settings, con: duckdb.DuckDBPyConnection, name: str, reason: str
) -> None:
    land(settings, "instagram_graph", name, "media_2024_06.json")
    report = load_source(con, INSTAGRAM_GRAPH, settings)
    [(file, why)] = report.files_quarantined
    assert file.endswith(name) and reason in why
    # the reason never quotes the file: not the error's message
    assert "request limit" not in why
    assert (settings.quarantine / "instagram_graph" / name).exists()
    assert report.rows_loaded == 7  # the good page still loads


@pytest.mark.parametrize("body", [
    "[]",  # an array, not a page
    '{"paging": {}}',  # no data
    '{"data": [{"id": "1", "text": "x", "timestamp": "2024-06-14T10:00:00+0000"}',  # truncated
])
def test_other_bodies_are_rejected_whole(tmp_path: Path, settings: Settings, body: str) -> None:
    page = tmp_path / "page.json"
    page.write_text(body, encoding="utf-8")
    with pytest.raises(FileRejected):
        list(parse(page))


def _items(tmp_path: Path, data: list[object]) -> list[Record | RowRejected]:
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"data": data}), encoding="utf-8")
    return list(parse(page))


def test_bad_items_are_rejected_as_rows(tmp_path: Path, settings: Settings) -> None:
    owner = {"id": OWNER}
    media = {"id": "1", "timestamp": "2024-06-14T10:00:00+0000", "owner": owner, "comments": {"data": [
        "not an object",
        {"id": "2", "text": "zonder tijd", "username": "a"},
        {"text": "zonder id", "timestamp": "2024-06-14T10:00:00+0000", "username": "a"},
        {"id": "3", "text": "geen tijd", "timestamp": "14-06-2024 10:00", "username": "a"},
        {"id": "4", "text": "goed", "timestamp": "2024-06-14T10:00:00+0000", "username": "a",
         "replies": {"data": [7, {"id": "5", "timestamp": "2024-06-14T11:00:00+00:00", "username": "b"}]}},
    ]}}
    parsed = _items(tmp_path, [media, {"id": "9", "timestamp": "2024-06-14T10:00:00+0000", "caption": "c"}, 5])
    assert [(p.position, p.reason) for p in parsed if isinstance(p, RowRejected)] == [
        ("data[0].comments[0]", "comment is not an object"),
        ("data[0].comments[1]", "comment without timestamp"),
        ("data[0].comments[2]", "comment without id"),
        ("data[0].comments[3]",
         "unusable comment: time data '14-06-2024 10:00' does not match format '%Y-%m-%dT%H:%M:%S%z'"),
        ("data[0].comments[4].replies[0]", "reply is not an object"),
        # a media item without owner cannot be tied to an account: quarantined with its comments
        ("data[1]", "media without owner.id"),
        ("data[2]", "item is not an object"),
    ]
    records = [p.values for p in parsed if isinstance(p, Record)]
    assert [(r["message_id"], r["in_reply_to_id"]) for r in records] == [("1", None), ("4", "1"), ("5", "4")]
    # an offset written with a colon is the same instant
    assert records[-1]["created_at"] == utc(2024, 6, 14, 11)


def test_a_comments_page_without_its_media_replies_to_nothing(tmp_path: Path, settings: Settings) -> None:
    """Outside a folder named for the media, and without a `media` field, a comment's media is unknown: it has
    no parent and no thread, and a reply to it still answers it."""
    parsed = _items(tmp_path, [{"id": "2", "text": "Vraag?", "timestamp": "2024-06-14T10:00:00+0000",
                                "username": "a", "replies": {"data": [
                                    {"id": "3", "timestamp": "2024-06-14T11:00:00+0000", "username": "b"}]}}])
    assert [(p.values["message_id"], p.values["in_reply_to_id"], p.values["conversation_id"],
             p.values["channel_account_id"]) for p in parsed if isinstance(p, Record)] == [
        ("2", None, None, None), ("3", "2", None, None)]


def test_a_big_page_is_streamed_to_the_same_messages(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "instagram_graph"
    whole = [(p.position, getattr(p, "values", None) or p.reason) for p in parse(fixtures / "media_2024_06.json")]
    monkeypatch.setattr(json_input, "WHOLE_FILE_LIMIT", 0)
    streamed = [(p.position, getattr(p, "values", None) or p.reason) for p in parse(fixtures / "media_2024_06.json")]
    assert streamed == whole and len(whole) == 8
    for name in ("data_not_a_list.json", "error_rate_limit.json"):
        with pytest.raises(FileRejected):
            list(parse(fixtures / name))


def test_loading_twice_changes_nothing(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "instagram_graph", *GOOD)
    load_source(con, INSTAGRAM_GRAPH, settings)
    before = table_snapshot(con, "instagram_graph_messages")
    again = load_source(con, INSTAGRAM_GRAPH, settings)
    assert (again.files_skipped, again.rows_loaded, again.rows_quarantined) == (3, 0, 0)
    assert table_snapshot(con, "instagram_graph_messages") == before
