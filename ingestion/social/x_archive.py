"""X account archives of municipal accounts: the ZIP as downloaded, or its unzipped folder (one load unit).

The owner comes from ``data/account.js``; tweets from ``tweets.js``, ``tweet.js`` and ``tweets-partN.js``
(found by name anywhere in the archive, so a ZIP with a top folder works too). Each ``.js`` file is one
assignment ``window.YTD.<name>.partN = [ ... ]``: the prefix is checked and skipped, the array is streamed
with ijson, never evaluated. Text is HTML-unescaped. A unit without an account or without tweets is
rejected. Tweets in several parts are not de-duplicated here (that needs memory per tweet); staging
or intermediate models key messages by ``(platform, message_id)``.
"""

from __future__ import annotations

import html
import io
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any, NamedTuple

import duckdb
import pyarrow as pa

from core.settings import get_limits
from ingestion.framework import (
    BulkFile,
    FileRejected,
    Parsed,
    Record,
    Source,
    UnpackBudget,
    is_hidden,
    literal_path,
    regular_files,
)
from ingestion.social.bulk import (
    MAX_OBJECT,
    MENTION_RE2,
    SIMPLE_HANDLE,
    ShapedPart,
    fields_ok,
    good_structures,
    insertion_order,
    list_of,
    nothing,
    register_files,
    set_apart,
    strict_structure,
    structure_checker,
)
from ingestion.social.common import (
    MESSAGE_COLUMNS,
    mentions_in,
    message,
    normalise_handle,
    parse_utc,
    rejected,
    stream_items,
    text_id,
)

SOURCE_SYSTEM = "x_archive"
_TWEETS_FILE = re.compile(r"^tweets?(?:-part\d+)?\.js$")
_JS_PREFIX = re.compile(r"^\s*window\.YTD\.\w+\.part\d+\s*=\s*$")
_TIME = "%a %b %d %H:%M:%S %z %Y"
_PREFIX_LIMIT = 512


def discover(folder: Path) -> Iterator[Path]:
    """Load units: each ``.zip``, each archive folder (whole), and any other file (to be rejected). As
    :func:`ingestion.framework.loading.default_discover`, links are never followed (a linked folder is yielded as
    itself, for
    the loader to quarantine), and hidden entries and ``.reason`` notes are yielded for the loader to report; so are
    the links and special files inside an archive folder, before the folder, which is read without them."""
    if not folder.is_dir():  # the source's own folder may be a link the operator made; nothing under it is
        return
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    for entry in entries:
        path = Path(entry.path)
        if not entry.is_dir(follow_symlinks=False) or is_hidden(entry.name):
            yield path
        elif _is_archive_folder(path):
            yield from _odd_entries(path)
            yield path
        else:
            yield from discover(path)


def _is_archive_folder(folder: Path) -> bool:
    """An archive folder holds the account or tweets file itself or in its own ``data/`` folder (a real one)."""
    names = [*_file_names(folder), *(_file_names(folder / "data") if (folder / "data").is_dir()
                                     and not (folder / "data").is_symlink() else [])]
    return any(name == "account.js" or _TWEETS_FILE.match(name) for name in names)


def _file_names(folder: Path) -> list[str]:
    with os.scandir(folder) as listing:
        return [e.name for e in listing if e.is_file(follow_symlinks=False) and e.name.endswith(".js")]


def _odd_entries(folder: Path) -> Iterator[Path]:
    """The links and special files anywhere in an archive folder (not in its linked folders)."""
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _odd_entries(Path(entry.path))
        elif not entry.is_file(follow_symlinks=False):
            yield Path(entry.path)


def parse(path: Path) -> Iterator[Parsed]:
    """Tweets of one archive (ZIP or folder), each with the archive's owner as author and channel."""
    with _archive(path) as archive:
        tweet_files, owner = _contents(archive)
        for name in tweet_files:
            with archive.open(name) as handle:
                for index, item in enumerate(stream_items(_skip_js_prefix(handle, name), "item")):
                    yield _parse_item(item, f"{name}[{index}]", owner)


def _contents(archive: _Archive) -> tuple[list[str], dict[str, str | None]]:
    """An archive's tweet files (in name order) and its owner; raises FileRejected without either."""
    names = archive.names()
    tweet_files = sorted(n for n in names if _TWEETS_FILE.match(n.rsplit("/", 1)[-1]))
    accounts = [n for n in names if n.rsplit("/", 1)[-1] == "account.js"]
    if not tweet_files:
        raise FileRejected("archive holds no tweets (data/tweets.js, data/tweet.js or tweets-partN.js)")
    if not accounts:
        raise FileRejected("archive holds no data/account.js: its owner is unknown")
    return tweet_files, _owner(archive, accounts[0])


class _Archive:
    """Members of a ZIP or of a folder, by relative POSIX path. A folder's members are its regular files (its
    links are not followed); a ZIP's are read within its :class:`ingestion.framework.loading.UnpackBudget`."""

    def __init__(self, path: Path, zip_file: zipfile.ZipFile | None) -> None:
        self.path, self.zip = path, zip_file
        self.budget = UnpackBudget(path, zip_file.infolist()) if zip_file is not None else None

    def names(self) -> list[str]:
        if self.zip is not None:
            return [i.filename for i in self.zip.infolist() if not i.is_dir()]
        return regular_files(self.path)

    def open(self, name: str) -> IO[bytes]:
        if self.zip is not None and self.budget is not None:
            return self.budget.reader(self.zip.open(name))
        fd = os.open(self.path / name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        return os.fdopen(fd, "rb")


@contextmanager
def _archive(path: Path) -> Iterator[_Archive]:
    if path.is_dir():
        yield _Archive(path, None)
        return
    if not zipfile.is_zipfile(path):
        if path.suffix.lower() == ".zip":
            raise FileRejected("unreadable ZIP (truncated or not a ZIP file)")
        raise FileRejected("not an X archive: expected a .zip or an unzipped archive folder")
    with zipfile.ZipFile(path) as zip_file:
        yield _Archive(path, zip_file)


def _member(name: str) -> str:
    """A member's name for a reason: printable, at most 100 characters (it is the supplier's text)."""
    printable = "".join(c if c.isprintable() else "?" for c in name)
    return printable if len(printable) <= 100 else printable[:99] + "…"


def _skip_js_prefix(handle: IO[bytes], name: str) -> IO[bytes]:
    """The stream positioned at the array after ``window.YTD.x.partN =``, with a trailing ``;`` hidden."""
    head = b""
    while b"[" not in head and len(head) < _PREFIX_LIMIT:
        chunk = handle.read(64)
        if not chunk:
            break
        head += chunk
    prefix, bracket, rest = head.partition(b"[")
    if not bracket or not _JS_PREFIX.match(prefix.decode("utf-8", "replace").lstrip("\ufeff")):
        raise FileRejected(f"{_member(name)}: not an archive data file (expected 'window.YTD.<name>.partN = [')",
                           _member(name))
    return _TrailingSemicolon(b"[" + rest, handle)


class _TrailingSemicolon(io.RawIOBase):
    """A read-only stream of ``head`` then ``tail`` in which a final ``;`` (and whitespace) is dropped."""

    def __init__(self, head: bytes, tail: IO[bytes]) -> None:
        self._pending, self._tail, self._done = head, tail, False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._done and len(self._pending) < 2 * 65536:
            chunk = self._tail.read(65536)
            if not chunk:
                self._done = True
                self._pending = self._pending.rstrip().removesuffix(b";")
            self._pending += chunk
        # Keep a small tail back until the end, so a trailing ';' can still be removed.
        size = min(len(buffer), len(self._pending) - (0 if self._done else 64))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _owner(archive: _Archive, name: str) -> dict[str, str | None]:
    """The archive owner's account id and handle, from ``account.js``."""
    with archive.open(name) as handle:
        items = list(stream_items(_skip_js_prefix(handle, name), "item.account"))
    if not items or not isinstance(items[0], dict) or not items[0].get("accountId"):
        raise FileRejected(f"{_member(name)} holds no account with an accountId", _member(name))
    return {"id": text_id(items[0]["accountId"]), "handle": normalise_handle(items[0].get("username"))}


def _parse_item(item: Any, position: str, owner: dict[str, str | None]) -> Parsed:
    tweet = item.get("tweet", item) if isinstance(item, dict) else None
    if not isinstance(tweet, dict):
        return rejected(position, "archive element is not a tweet object", item)
    try:
        tweet_id = text_id(tweet.get("id_str") or tweet.get("id"))
        if not tweet_id:
            return rejected(position, "tweet without id", item)
        created_at: datetime = parse_utc(str(tweet.get("created_at") or ""), _TIME)
    except ValueError as exc:
        return rejected(position, f"unusable tweet: {exc}", item)
    text = html.unescape(tweet.get("full_text") or tweet.get("text") or "")
    mentioned = (tweet.get("entities") or {}).get("user_mentions") or []
    return Record(position, message(
        "x", tweet_id, created_at, SOURCE_SYSTEM,
        author_id=owner["id"], author_handle=owner["handle"], text=text,
        in_reply_to_id=_str_field(tweet, "in_reply_to_status_id"),
        in_reply_to_author_id=_str_field(tweet, "in_reply_to_user_id"),
        mentions=_handles(mentioned) or mentions_in(text),
        is_retweet=text.startswith("RT @") or "retweeted_status" in tweet,
        quoted_id=text_id(tweet.get("quoted_status_id_str")),
        channel_account_id=owner["id"], channel_handle=owner["handle"],
    ))


def _str_field(tweet: dict[str, Any], name: str) -> str | None:
    """An id field of a v1.1-style tweet, preferring its exact ``_str`` twin."""
    return text_id(tweet.get(f"{name}_str") or tweet.get(name))


def _handles(mentioned: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(h for m in mentioned if (h := normalise_handle(m.get("screen_name")))))


X_ARCHIVE = Source(
    name="x_archive", table="x_archive_messages", columns=MESSAGE_COLUMNS, parse=parse, discover=discover
)


# --- Bulk: DuckDB reads and shapes the tweets of a group of ZIP archives (see ingestion/social/bulk.py) -------

_ARCHIVE_STRINGS = ("id_str", "id", "created_at", "full_text", "text", "in_reply_to_status_id_str",
                    "in_reply_to_status_id", "in_reply_to_user_id_str", "in_reply_to_user_id",
                    "quoted_status_id_str")
#: The type of one element of a tweet file, as the SQL reads it.
_ARCHIVE_ITEM = ("{\"tweet\": {" + ", ".join(f'"{name}": "VARCHAR"' for name in _ARCHIVE_STRINGS)
                 + ', "entities": {"user_mentions": [{"screen_name": "VARCHAR"}]}}}')
#: ``created_at`` as ``parse_utc(value, _TIME)`` reads it (``Tue Jan 01 09:07:18 +0000 2013``).
_ARCHIVE_INSTANT = r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} \d{4}"
#: The entities X writes in archive texts; a text with any other ``&`` is unescaped by the parser.
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&amp;", "&"))


def _item_ok(item: Any) -> bool:
    """An archive element ``{"tweet": {...}}`` whose fields have the types the SQL reads (and no retweet object,
    whose presence alone makes the parser flag a retweet)."""
    if not isinstance(item, dict) or not isinstance(item.get("tweet"), dict) or "retweeted_status" in item["tweet"]:
        return False
    mentions = list_of(lambda m: fields_ok(m, ("screen_name",)))
    entities = {"entities": lambda e: fields_ok(e, (), {"user_mentions": mentions})}
    return fields_ok(item["tweet"], _ARCHIVE_STRINGS, entities)


_judge_item = structure_checker(_item_ok)


class _TweetFile(NamedTuple):
    """A tweet file of an archive in a bulk group, unpacked to ``filename`` (its array only)."""

    fid: int  # the archive's place in the group
    nth: int  # the file's place among the archive's tweet files, in name order
    member: str
    filename: str
    owner_id: str | None
    owner_handle: str | None


def _unpack(files: list[BulkFile], folder: Path) -> list[_TweetFile]:
    """Extract the array of every tweet file of every well-formed archive (``window.YTD.x.partN =`` and the final
    ``;`` left behind, as :func:`parse` skips them). An archive the parser would reject, or whose data file
    prefix it would, is left out (the parser rejects it with its reason)."""
    unpacked: list[_TweetFile] = []
    for fid, unit in enumerate(files):
        try:
            with _archive(unit.path) as archive:
                tweet_files, owner = _contents(archive)
                these = []
                for index, name in enumerate(tweet_files):
                    target = folder / f"{fid}-{index}.json"
                    with archive.open(name) as member, target.open("wb") as out:
                        shutil.copyfileobj(_skip_js_prefix(member, name), out, 1 << 20)
                    these.append(_TweetFile(fid, index + 1, name, str(target), owner["id"], owner["handle"]))
        except Exception:  # whatever is wrong with it, the parser reads it and says why
            continue
        unpacked += these
    return unpacked


def unpacked_tweets(path: Path) -> int:
    """What :func:`bulk` reads of an archive: its tweet files unpacked (``Source.bulk_weight``; the ZIP is a fraction
    of that). A file that is not a readable ZIP weighs its size: the bulk loader leaves it to the parser."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(member.file_size for member in archive.infolist()
                       if _TWEETS_FILE.match(member.filename.rsplit("/", 1)[-1]))
    except Exception:  # not a readable ZIP: the parser says why
        return path.stat().st_size


def _read_items(con: duckdb.DuckDBPyConnection, tweet_files: list[_TweetFile], files: list[BulkFile]) -> None:
    """``_bulk_json(filename, structure, item)``: one row per element of the unpacked arrays, streamed (memory does
    not grow with an archive), in the files' order, so that ``rowid`` numbers them. A malformed array fails the
    query, with its archive named. ``_bulk_parts`` says whose tweet file each unpacked file is."""
    con.register("_bulk_parts", pa.Table.from_pylist([t._asdict() for t in tweet_files]))
    try:
        with insertion_order(con):
            # An element with what only DuckDB's parser reads gets no structure: the parser takes its archive (a
            # comma before the array's own closing bracket fails the read).
            # An element longer than DIALOOG_MAX_VALUE_BYTES gets no structure either: the parser measures its values.
            con.execute(f"""CREATE OR REPLACE TEMP TABLE _bulk_json AS
                SELECT filename,
                       CASE WHEN strlen(o.json) <= {get_limits().max_value_bytes} THEN {strict_structure("o.json")} END
                           AS structure,
                       from_json(o.json, '{_ARCHIVE_ITEM}') AS item
                FROM read_json_objects(?, format = 'array', filename = true,
                                       maximum_object_size = {MAX_OBJECT}) AS o""", [[t.filename for t in tweet_files]])
    except duckdb.Error as exc:
        message = str(exc)
        for t in tweet_files:
            message = message.replace(f'"{t.filename}"', f'"{files[t.fid].path}"')
        raise type(exc)(message) from exc


def bulk(con: duckdb.DuckDBPyConnection, files: list[BulkFile]) -> ShapedPart:
    """Shape a group of ZIP archives in DuckDB: the archives :func:`parse` would load whole, shaped as it would."""
    with tempfile.TemporaryDirectory(prefix="dialoog-archive-") as folder:
        if not literal_path(folder):  # a temporary folder DuckDB would read as a pattern: the parser reads them
            return nothing(X_ARCHIVE.table)
        tweet_files = _unpack(files, Path(folder))
        if not tweet_files:
            return nothing(X_ARCHIVE.table)
        register_files(con, files)
        _read_items(con, tweet_files, files)
    good_structures(con, _judge_item, depth_offset=1)  # an element is one level inside its file's array
    # An archive is shaped when every element of its tweet files is one the SQL reads as the parser does (one
    # whose tweet files hold no element at all has no row here: the parser loads it).
    con.execute("""CREATE OR REPLACE TEMP TABLE _bulk_pages AS
        SELECT p.fid, bool_and(j.structure IN (SELECT structure FROM _bulk_good_structures)) AS page_ok
        FROM _bulk_json AS j JOIN _bulk_parts AS p USING (filename) GROUP BY p.fid""")
    unescaped = "raw"
    for entity, char in _ENTITIES:
        unescaped = f"replace({unescaped}, '{entity}', '{char.replace(chr(39), chr(39) * 2)}')"
    stray = "raw"
    for entity, _ in _ENTITIES:
        stray = f"replace({stray}, '{entity}', '')"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _bulk_rows AS
        WITH items AS (
            SELECT p.fid, p.member, p.owner_id, p.owner_handle, p.nth, j.item, j.rowid - f.first AS i
            FROM _bulk_json AS j JOIN _bulk_parts AS p USING (filename)
                JOIN (SELECT filename, min(rowid) AS first FROM _bulk_json GROUP BY filename) AS f USING (filename)),
        base AS (
            SELECT *, item.tweet AS t,
                   coalesce(nullif(item.tweet.full_text, ''), nullif(item.tweet.text, ''), '') AS raw,
                   nullif(coalesce(nullif(item.tweet.id_str, ''), item.tweet.id), '') AS tweet_id,
                   list_filter(list_transform(item.tweet.entities.user_mentions,
                                              lambda m: lower(ltrim(m.screen_name, '@'))),
                               lambda h: coalesce(h, '') <> '') AS tagged
            FROM items),
        shaped AS (
            SELECT *, {unescaped} AS body,
                CASE WHEN len(tagged) > 0 THEN tagged
                     ELSE list_filter(list_transform(regexp_extract_all({unescaped}, '{MENTION_RE2}', 1),
                                      lambda h: lower(rtrim(h, '.'))), lambda h: h <> '') END AS named,
                t IS NOT NULL AND tweet_id IS NOT NULL
                AND coalesce(regexp_full_match(t.created_at, '{_ARCHIVE_INSTANT}'), false)
                AND try_strptime(t.created_at, '%a %b %d %H:%M:%S %z %Y') IS NOT NULL
                AND NOT contains({stray}, '&')
                AND coalesce(list_bool_and(list_transform(t.entities.user_mentions, lambda m: m IS NOT NULL
                    AND (m.screen_name IS NULL OR regexp_full_match(m.screen_name, '@*{SIMPLE_HANDLE}')))), true)
                AND (len(tagged) > 0 OR NOT contains({unescaped}, '.@')) AS ok
            FROM base)
        SELECT fid, nth * 1000000000 + i AS ord, ok AS row_ok, member || '[' || i || ']' AS source_position,
            'x' AS platform, tweet_id AS message_id, owner_id AS author_id, owner_handle AS author_handle,
            try_strptime(t.created_at, '%a %b %d %H:%M:%S %z %Y')::TIMESTAMPTZ AS created_at, body AS text,
            nullif(coalesce(nullif(t.in_reply_to_status_id_str, ''), t.in_reply_to_status_id), '') AS in_reply_to_id,
            nullif(coalesce(nullif(t.in_reply_to_user_id_str, ''), t.in_reply_to_user_id), '')
                AS in_reply_to_author_id,
            NULL::VARCHAR AS conversation_id, list_filter(named, lambda h, n: list_position(named, h) = n) AS mentions,
            starts_with(body, 'RT @') AS is_retweet, NULL::VARCHAR AS retweeted_id,
            nullif(t.quoted_status_id_str, '') AS quoted_id, owner_id AS channel_account_id,
            owner_handle AS channel_handle, NULL::VARCHAR AS direction, 'x_archive' AS source_system
        FROM shaped""")
    con.unregister("_bulk_parts")
    return set_apart(con, files, X_ARCHIVE.table)


#: Archives are weighed and grouped by their unpacked tweets (what DuckDB reads), 8 MB a group; an archive is one
#: unit, so a bigger one is a group of its own. DuckDB streams the arrays element by element, but a group's tables
#: grow with its archive (an 88 MB one peaked at 525-550 MB in bulk, 361-364 MB through the parser): an archive of more
#: than 32 MB of tweets streams through the parser.
X_ARCHIVE = replace(X_ARCHIVE, bulk=bulk, bulk_weight=unpacked_tweets, bulk_max_bytes=32 << 20,
                    bulk_group_bytes=8 << 20)
