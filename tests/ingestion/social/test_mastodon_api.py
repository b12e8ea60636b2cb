"""Mastodon API bodies (statuses, notifications, contexts) load to the expected messages; other bodies and bad
statuses are quarantined with the reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from core.pseudonym import citizen_key
from core.settings import Settings
from ingestion.framework import FileRejected, Record, RowRejected, load_source
from ingestion.social.mastodon_api import MASTODON_API, parse
from tests.ingestion.social.support import TEST_KEY, fetch, land, table_snapshot

AMS = "https://social.overheid.nl/users/gemeenteamsterdam/statuses/"
ANNA = "https://mastodon.social/users/anna/statuses/"
OWN = "gemeenteamsterdam@social.overheid.nl"
Q1, F1 = ANNA + "114099990000000001", ANNA + "114099990000000205"
R1, R2, R4 = AMS + "114100000000000101", AMS + "114200000000000102", AMS + "113900000000000101"
BOOST = AMS + "114250000000000005/activity"
BOOSTED = "https://social.overheid.nl/users/rijksoverheid/statuses/114249990000000000"
Q5 = "https://mastodon.nl/users/bert/statuses/113900000000000001"
UTRECHT_STATUSES = "mastodon_api/utrecht/statuses-0001.json"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_bodies_load_to_the_expected_messages(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "mastodon_api", "amsterdam", "utrecht")
    report = load_source(con, MASTODON_API, settings)
    assert (report.rows_loaded, report.rows_quarantined, report.files_quarantined) == (14, 0, [])
    rows = con.execute(
        "SELECT source_file, source_position, message_id, author_id, created_at, in_reply_to_id, "
        "in_reply_to_author_id, conversation_id, is_retweet, retweeted_id, status_key, in_reply_to_key "
        "FROM raw.mastodon_api_messages ORDER BY source_file, source_position").fetchall()
    context, notes, statuses = (f"mastodon_api/amsterdam/{n}.json" for n in
                                ("context-114100000000000001", "notifications-0001", "statuses-0001"))
    ov, mn = "social.overheid.nl/", "mastodon.nl/"
    anna, erik = "anna@mastodon.social", "erik@mastodon.social"
    assert rows == [
        # the thread of Q1: the question, the reply (also in the statuses page) and the citizen's thanks, whose
        # parent (R1) is in this body: resolved to its uri here
        (context, "ancestors[0]", Q1, anna, utc(2025, 3, 4, 9, 12, 40), None, None, Q1, False, None,
         ov + "114100000000000001", None),
        (context, "descendants[0]", R1, OWN, utc(2025, 3, 4, 10, 42, 40), Q1, anna, None, False, None,
         ov + "114100000000000101", ov + "114100000000000001"),
        (context, "descendants[1]", F1, anna, utc(2025, 3, 4, 11), R1, OWN, None, False, None,
         ov + "114100000000000205", ov + "114100000000000101"),
        (notes, "[0].status", Q1, anna, utc(2025, 3, 4, 9, 12, 40), None, None, Q1, False, None,
         ov + "114100000000000001", None),
        # 00:30 UTC on the night the clocks go forward (01:30 CET)
        (notes, "[1].status", ANNA + "114199990000000002", anna, utc(2025, 3, 30, 0, 30), None, None,
         ANNA + "114199990000000002", False, None, ov + "114200000000000002", None),
        # [2] is a follow: no status, no message. [3] is a direct message: a message like any other
        (notes, "[3].status", "https://mastodon.social/users/dirk/statuses/114299990000000003",
         "dirk@mastodon.social", utc(2025, 4, 1, 10), None, None,
         "https://mastodon.social/users/dirk/statuses/114299990000000003", False, None,
         ov + "114300000000000003", None),
        # local id 113900000000000001 on social.overheid.nl; mastodon.nl has another status with that id
        (notes, "[4].status", "https://mastodon.social/users/erik/statuses/113888880000000004", erik,
         utc(2025, 5, 6, 8), None, None, "https://mastodon.social/users/erik/statuses/113888880000000004", False,
         None, ov + "113900000000000001", None),
        # replies whose parents are in another body: the parent's key, resolved by dbt staging
        (statuses, "[0]", R4, OWN, utc(2025, 5, 6, 9, 15), None, erik, None, False, None,
         ov + "113900000000000101", ov + "113900000000000001"),
        (statuses, "[1]", BOOST, OWN, utc(2025, 4, 10, 9), None, None, BOOST, True, BOOSTED,
         ov + "114250000000000005", None),
        (statuses, "[1].reblog", BOOSTED, "rijksoverheid@social.overheid.nl", utc(2025, 4, 10, 8), None, None,
         BOOSTED, False, None, ov + "114249990000000000", None),
        (statuses, "[2]", R2, OWN, utc(2025, 3, 30, 1, 30), None, anna, None, False, None,
         ov + "114200000000000102", ov + "114200000000000002"),
        (statuses, "[3]", R1, OWN, utc(2025, 3, 4, 10, 42, 40), None, anna, None, False, None,
         ov + "114100000000000101", ov + "114100000000000001"),
        # mastodon.nl: bert is local there (acct without server): his address takes his profile's host
        ("mastodon_api/utrecht/notifications-0001.json", "[0].status", Q5, "bert@mastodon.nl", utc(2025, 5, 6, 7),
         None, None, Q5, False, None, mn + "113900000000000001", None),
        (UTRECHT_STATUSES, "[0]", "https://mastodon.nl/users/gemeenteutrecht/statuses/113900000000000150",
         "gemeenteutrecht@mastodon.nl", utc(2025, 5, 6, 7, 20), None, "bert@mastodon.nl", None, False, None,
         mn + "113900000000000150", mn + "113900000000000001"),
    ]


def test_text_mentions_and_keys(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "mastodon_api", "statuses-0001.json", under="amsterdam", fixtures="mastodon_api/amsterdam")
    load_source(con, MASTODON_API, settings)
    rows = {r["message_id"]: r for r in fetch(con, "SELECT * FROM raw.mastodon_api_messages")}
    # HTML as text: tags stripped, <br> a line break, entities decoded; mentions as name@server, lowercased
    assert rows[R1]["text"] == "@anna Het oud papier wordt elke tweede dinsdag opgehaald.\nZie de afvalwijzer & de app."
    assert rows[R1]["mentions"] == ["anna@mastodon.social"] and rows[R4]["mentions"] == ["erik@mastodon.social"]
    assert rows[R1]["author_handle"] == OWN and rows[R1]["platform"] == "mastodon"
    assert rows[R1]["author_key"] == citizen_key(TEST_KEY.encode(), "mastodon", OWN)
    assert rows[BOOST]["text"] is None and rows[BOOST]["source_system"] == "mastodon_api"
    before = table_snapshot(con, "mastodon_api_messages")
    assert load_source(con, MASTODON_API, settings).files_skipped == 1
    assert table_snapshot(con, "mastodon_api_messages") == before


def _status(sid: str, **fields: object) -> dict[str, object]:
    account = {"id": "1", "username": "gemeente", "acct": "gemeente", "url": "https://social.example/@gemeente"}
    return {"id": sid, "uri": f"https://social.example/users/gemeente/statuses/{sid}",
            "created_at": "2025-03-04T09:12:44.000Z", "in_reply_to_id": None, "reblog": None,
            "content": "<p>Goedemorgen</p>", "account": account, "mentions": [], **fields}


def write(tmp_path: Path, body: object, name: str = "body.json") -> Path:
    path = tmp_path / name
    path.write_text(body if isinstance(body, str) else json.dumps(body), encoding="utf-8")
    return path


def test_bad_statuses_are_rejected_alone(tmp_path: Path) -> None:
    parsed = list(parse(write(tmp_path, [
        _status("1"),
        _status("2", content="<p>Niet <b>af</p>"),
        _status("3", created_at="4 maart"),
        _status("4", reblog={"id": "9"}),
        "geen status",
        _status("5", in_reply_to_id="1"),
        _status("1"),  # the same status again in one body: once
    ])))
    assert [(r.position, r.values["in_reply_to_id"]) for r in parsed if isinstance(r, Record)] == [
        ("[0]", None), ("[5]", "https://social.example/users/gemeente/statuses/1")]
    assert [(r.position, r.reason) for r in parsed if isinstance(r, RowRejected)] == [
        ("[1]", "unusable status: </p> closes no open <p>"),
        ("[2]", "unusable status: Invalid isoformat string: '4 maart'"),
        ("[3]", "reblog is not a status with a uri"),
        ("[4]", "element is not a status"),
    ]


@pytest.mark.parametrize(("body", "reason"), [
    ({"error": "The access token is invalid"}, "Mastodon API error object"),
    ({"statuses": []}, "not a Mastodon API body: an object with 1 key(s) but no ancestors or descendants"),
    ([{"name": "x"}], "not a Mastodon API body: a list whose first element is neither a status"),
    ("42", "not a Mastodon API body: neither a JSON list nor an object"),
    ("[{\"uri\": ", "invalid or truncated JSON"),
    ([_status("1"), _status("2", account={"id": "7", "acct": "iemand", "url": "https://ander.example/@iemand"})],
     "local accounts on two servers (social.example, ander.example)"),
])
def test_other_bodies_are_rejected_whole(tmp_path: Path, body: object, reason: str) -> None:
    with pytest.raises(FileRejected) as caught:
        list(parse(write(tmp_path, body)))
    assert caught.value.reason.startswith(reason), caught.value.reason


def test_a_rejected_body_is_quarantined_and_the_rest_loads(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "mastodon_api", "notifications-0001.json", under="utrecht", fixtures="mastodon_api/utrecht")
    write(settings.landing / "mastodon_api", {"unknown": 1}, "odd.json")
    report = load_source(con, MASTODON_API, settings)
    assert report.rows_loaded == 1 and [f for f, _ in report.files_quarantined] == ["mastodon_api/odd.json"]


def _outcome(path: Path) -> object:
    """Everything parsing a body gives: its rows and rejects in order, or the body's rejection."""
    try:
        return [(type(p).__name__, p.position, getattr(p, "values", None), getattr(p, "reason", None),
                 getattr(p, "content", None)) for p in parse(path)]
    except FileRejected as exc:
        return ("FileRejected", exc.reason, exc.position)


#: Bodies where reading whole and streaming could part: a null first element, an `item` key where a list is
#: expected, parts missing or not lists, a BOM, a repeated key, NaN, a trailing comma, beyond the limits.
_ODD_BODIES: dict[str, str] = {
    "null_head.json": json.dumps([None, _status("1")]),
    "item_key.json": json.dumps({"ancestors": {"item": _status("1")}, "descendants": None}),
    "one_part.json": json.dumps({"descendants": [_status("2"), 7]}),
    "notifications.json": json.dumps([{"type": "follow"}, {"type": "mention", "status": _status("3")}, {"x": 1},
                                      {"type": "mention", "status": "geen"}]),
    "bom.json": "\ufeff" + json.dumps([_status("4")]),
    "repeated.json": json.dumps({"ancestors": [_status("5")]})[:-1] + ', "ancestors": [], "descendants": []}',
    "nan.json": json.dumps([_status("6", poll=float("nan"))]),
    "comma.json": json.dumps([_status("7")])[:-1] + ",]",
    "deep.json": json.dumps([_status("8", card=json.loads("[" * 300 + "]" * 300))]),
    "long.json": json.dumps([_status("9", content="<p>" + "x" * (70 << 10) + "</p>")]),
    # not a body by its first element, and beyond the limits only after the stream's first chunk (64 kB)
    "late_long.json": json.dumps([{"name": "x"}, {"pad": "y" * (70 << 10)}]),
    "empty.json": "[]",
    "blank.json": "  ",
    "null.json": "null",
}


def test_a_small_body_read_whole_gives_what_streaming_gives(tmp_path: Path, settings: Settings,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fixture and odd body: the same rows, rejects and reasons parsed whole as streamed (twice or thrice)."""
    from ingestion.social import json_input

    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "mastodon_api"
    paths = sorted(fixtures.rglob("*.json"))
    for name, text in _ODD_BODIES.items():
        paths.append(tmp_path / name)
        paths[-1].write_text(text, encoding="utf-8")
    monkeypatch.setenv("DIALOOG_MAX_VALUE_BYTES", str(64 << 10))  # long.json is beyond it
    whole = {path.name: _outcome(path) for path in paths}
    limit = json_input.WHOLE_FILE_LIMIT
    monkeypatch.setattr(json_input, "WHOLE_FILE_LIMIT", -1)  # every body streamed
    streamed = {path.name: _outcome(path) for path in paths}
    assert whole == streamed
    assert sum(isinstance(o, tuple) for o in whole.values()) == 8  # rejected bodies are compared too
    assert all(json_input.whole_value(path) is None for path in paths)
    monkeypatch.setattr(json_input, "WHOLE_FILE_LIMIT", limit)
    assert all(json_input.whole_value(path) is not None for path in fixtures.rglob("*.json"))  # read whole
