"""X archives read in bulk: their tweet files unpacked, DuckDB reads a group of archives and shapes the tweets in SQL
exactly as :func:`parse` (``parser.py``) would; an archive it cannot shape so is left to the parser (see
``ingestion/social/sql.py``)."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import pyarrow as pa

from core.settings import get_limits
from ingestion.framework import BulkFile, literal_path
from ingestion.social.sql import (
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
from ingestion.social.x_archive.parser import (
    SOURCE_SYSTEM,
    TABLE,
    TWEETS_FILE,
    archive_contents,
    open_archive,
    skip_js_prefix,
)

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
            with open_archive(unit.path) as archive:
                tweet_files, owner = archive_contents(archive)
                these = []
                for index, name in enumerate(tweet_files):
                    target = folder / f"{fid}-{index}.json"
                    with archive.open(name) as member, target.open("wb") as out:
                        shutil.copyfileobj(skip_js_prefix(member, name), out, 1 << 20)
                    these.append(_TweetFile(fid, index + 1, name, str(target), owner["id"], owner["handle"]))
        except Exception:  # whatever is wrong with it, the parser reads it and says why
            continue
        unpacked += these
    return unpacked


def unpacked_tweets(path: Path) -> int:
    """What :func:`shape_group` reads of an archive: its tweet files unpacked (``Source.bulk_weight``; the ZIP is a
    fraction of that). A file that is not a readable ZIP weighs its size: the bulk loader leaves it to the parser."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(member.file_size for member in archive.infolist()
                       if TWEETS_FILE.match(member.filename.rsplit("/", 1)[-1]))
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


def shape_group(con: duckdb.DuckDBPyConnection, files: list[BulkFile]) -> ShapedPart:
    """Shape a group of ZIP archives in DuckDB: the archives :func:`parse` would load whole, shaped as it would."""
    with tempfile.TemporaryDirectory(prefix="dialoog-archive-") as folder:
        if not literal_path(folder):  # a temporary folder DuckDB would read as a pattern: the parser reads them
            return nothing(TABLE)
        tweet_files = _unpack(files, Path(folder))
        if not tweet_files:
            return nothing(TABLE)
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
            owner_handle AS channel_handle, NULL::VARCHAR AS direction, '{SOURCE_SYSTEM}' AS source_system
        FROM shaped""")
    con.unregister("_bulk_parts")
    return set_apart(con, files, TABLE)

