"""Mastodon account archives load the owner's posts and boosts; broken archives and activities are quarantined.

The fixture archive ``tests/fixtures/mastodon_archive/gemeenteamsterdam-archive.tar.gz`` is packed from the folder
beside it (:func:`pack`); a test keeps the two the same. Hostile archives are packed by the tests themselves.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from core.pseudonym import citizen_key
from core.settings import Settings
from ingestion.framework import FileRejected, Record, RowRejected, load_source
from ingestion.social.mastodon_archive import MASTODON_ARCHIVE, parse
from tests.ingestion.social.support import FIXTURES, TEST_KEY, fetch, table_snapshot

FOLDER = FIXTURES / "mastodon_archive" / "gemeenteamsterdam"
ARCHIVE = FIXTURES / "mastodon_archive" / "gemeenteamsterdam-archive.tar.gz"
OWNER = "gemeenteamsterdam@social.overheid.nl"
ME = "https://social.overheid.nl/users/gemeenteamsterdam"


def pack(members: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    """A .tar.gz of these members (and symbolic links), byte for byte the same every time."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as zipped, \
            tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 1735689600, 0o644
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname, info.mtime = tarfile.SYMTYPE, target, 1735689600
            tar.addfile(info)
    return buffer.getvalue()


def folder_members(folder: Path = FOLDER) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def drop(tmp_path: Path, data: bytes, name: str = "archive.tar.gz") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_the_fixture_archive_is_packed_from_its_folder() -> None:
    assert ARCHIVE.read_bytes() == pack(folder_members())


def test_the_archive_loads_to_the_expected_messages(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    target = settings.landing / "mastodon_archive"
    target.mkdir(parents=True)
    (target / ARCHIVE.name).write_bytes(ARCHIVE.read_bytes())
    report = load_source(con, MASTODON_ARCHIVE, settings)
    assert (report.rows_loaded, report.rows_quarantined, report.files_quarantined) == (3, 0, [])
    rows = fetch(con, "SELECT * EXCLUDE (source_file, source_sha256, load_id, loaded_at) "
                      "FROM raw.mastodon_archive_messages ORDER BY source_position")
    key = citizen_key(TEST_KEY.encode(), "mastodon", OWNER)
    common = {"platform": "mastodon", "author_id": OWNER, "author_handle": OWNER, "author_key": key,
              "in_reply_to_author_id": None, "quoted_id": None, "channel_account_id": OWNER,
              "channel_handle": OWNER, "direction": None, "source_system": "mastodon_archive"}
    assert rows == [
        # a root post: its own thread; two paragraphs apart, entities decoded
        common | {"message_id": f"{ME}/statuses/114000000000000010", "created_at": utc(2025, 2, 14, 8),
                  "text": "Het stadhuis is maandag & dinsdag gesloten.\n\nMeer op amsterdam.nl",
                  "in_reply_to_id": None, "conversation_id": f"{ME}/statuses/114000000000000010", "mentions": [],
                  "is_retweet": False, "retweeted_id": None, "source_position": "outbox.json[0]"},
        # a boost of a URI: not a message of the account, a retweet of that status (the API's boost, same id)
        common | {"message_id": f"{ME}/statuses/114250000000000005/activity", "created_at": utc(2025, 4, 10, 9),
                  "text": None, "in_reply_to_id": None,
                  "conversation_id": f"{ME}/statuses/114250000000000005/activity", "mentions": [],
                  "is_retweet": True,
                  "retweeted_id": "https://social.overheid.nl/users/rijksoverheid/statuses/114249990000000000",
                  "source_position": "outbox.json[1]"},
        # also in the API (statuses-0001.json [0]): the Note's id is the status uri, so one message
        common | {"message_id": f"{ME}/statuses/113900000000000101", "created_at": utc(2025, 5, 6, 9, 15),
                  "text": "@Erik Bij het afvalpunt aan de Henk Sneevlietweg.",
                  "in_reply_to_id": "https://mastodon.social/users/erik/statuses/113888880000000004",
                  "conversation_id": None, "mentions": ["erik@mastodon.social"], "is_retweet": False,
                  "retweeted_id": None, "source_position": "outbox.json[2]"},
    ]
    before = table_snapshot(con, "mastodon_archive_messages")
    again = load_source(con, MASTODON_ARCHIVE, settings)
    assert (again.files_skipped, again.rows_loaded) == (1, 0)
    assert table_snapshot(con, "mastodon_archive_messages") == before


def _outbox(*items: object) -> bytes:
    return json.dumps({"type": "OrderedCollection", "orderedItems": list(items)}).encode()


def _members(*items: object) -> dict[str, bytes]:
    return {"actor.json": (FOLDER / "actor.json").read_bytes(), "outbox.json": _outbox(*items)}


def _create(sid: str, content: str) -> dict[str, object]:
    return {"id": f"{ME}/statuses/{sid}/activity", "type": "Create", "published": "2025-03-30T00:30:00Z",
            "object": {"id": f"{ME}/statuses/{sid}", "type": "Note", "inReplyTo": None,
                       "published": "2025-03-30T00:30:00Z", "content": content, "tag": []}}


def test_bad_activities_are_rejected_alone(tmp_path: Path) -> None:
    path = drop(tmp_path, pack(_members(
        _create("1", "<p>Goed</p>"),
        {"id": f"{ME}/statuses/2/activity", "type": "Announce", "published": "2025-03-30T00:30:00Z",
         "object": {"id": "https://example.org/x", "type": "Note"}},
        _create("3", "<p>Niet <a href=\"x\">af</p>"),
        {"id": f"{ME}/statuses/4/activity", "type": "Like", "object": "https://example.org/y"},
        _create("5", "<p>Wel</p>"),
    )))
    parsed = list(parse(path))
    assert [(r.position, r.values["message_id"]) for r in parsed if isinstance(r, Record)] == [
        ("outbox.json[0]", f"{ME}/statuses/1"), ("outbox.json[4]", f"{ME}/statuses/5")]
    assert [(r.position, r.reason) for r in parsed if isinstance(r, RowRejected)] == [
        ("outbox.json[1]", "Announce whose object is not a URI"),
        ("outbox.json[2]", "unusable Create: </p> closes no open <p>"),
        ("outbox.json[3]", "activity of type 'Like' is not read (Create and Announce are)"),
    ]


@pytest.mark.parametrize(("data", "reason"), [
    (pack({"actor.json": b"{}", "likes.json": b"{}"}), "archive holds no outbox.json: no activities to read"),
    (pack({"outbox.json": _outbox()}), "archive holds no actor.json with preferredUsername and id: its owner is "
                                       "unknown"),
    (pack({"actor.json": (FOLDER / "actor.json").read_bytes()}, links={"outbox.json": "/etc/passwd"}),
     "outbox.json is not a regular file (a link is not followed)"),
    (pack(_members() | {"../escape.json": b"{}"}), "a member's path leaves the archive (absolute or with '..')"),
    (b"PK\x03\x04 not a tar", "not a Mastodon archive: expected a .tar.gz"),
    (pack(_members(_create("1", "<p>a</p>")))[:-40], "unreadable .tar.gz (truncated or not a tar archive: EOFError)"),
    (pack({"actor.json": (FOLDER / "actor.json").read_bytes(), "outbox.json": b'{"orderedItems": [{"a": '}),
     "invalid or truncated JSON: parse error: premature EOF"),
])
def test_bad_archives_are_rejected_whole(tmp_path: Path, data: bytes, reason: str) -> None:
    with pytest.raises(FileRejected) as caught:
        list(parse(drop(tmp_path, data)))
    assert caught.value.reason.startswith(reason), caught.value.reason


def test_an_archive_that_unpacks_beyond_its_budget_is_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIALOOG_MAX_UNPACKED_BYTES", "100000")
    filler = b" " * 200_000  # compresses to almost nothing
    data = pack({"actor.json": (FOLDER / "actor.json").read_bytes(), "outbox.json": _outbox(), "media": filler})
    with pytest.raises(FileRejected, match=r"^\.tar\.gz unpacks to more than 100000 bytes"):
        list(parse(drop(tmp_path, data)))
