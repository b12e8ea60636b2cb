"""Instagram Graph pages read in bulk: DuckDB reads a group of media and comments pages and shapes them in SQL
exactly as :func:`parse` (``parser.py``) would; a page it cannot shape so is left to the parser (see
``ingestion/social/sql.py``).

What the SQL takes: a page whose ``data`` items, comments and replies have the JSON types it reads (ids, times,
texts and usernames as strings; ``owner``, ``from``, ``media``, ``comments`` and ``replies`` as objects), every
message with an id and a time of the Graph API's usual form, every media item with its ``owner.id``, and usernames
and texts that SQL normalises as Python does. Whether a page holds media or comments is what the parser decides
from its first item's keys: a structure whose items show no media key anywhere is a comments page; one that does is
read as media, and every media item must then have its owner, so the first item has that key too.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ingestion.framework import BulkFile
from ingestion.social.instagram_graph.parser import _MEDIA_KEYS, PLATFORM, SOURCE_SYSTEM, TABLE
from ingestion.social.sql import (
    MENTION_RE2,
    ShapedPart,
    fields_ok,
    list_of,
    read_json_pages,
    set_apart,
    structure_checker,
)

_WHO = '{"id": "VARCHAR", "username": "VARCHAR"}'
_OWN = f'"id": "VARCHAR", "timestamp": "VARCHAR", "text": "VARCHAR", "username": "VARCHAR", "from": {_WHO}'
_REPLY_TYPE = f'{{{_OWN}, "parent_id": "VARCHAR"}}'
_COMMENT_TYPE = f'{{{_OWN}, "parent_id": "VARCHAR", "replies": {{"data": [{_REPLY_TYPE}]}}}}'
#: A media item and a comments page's comment in one type: the page's kind says which fields count.
_ITEM_TYPE = (f'{{{_OWN}, "parent_id": "VARCHAR", "caption": "VARCHAR", "owner": {{"id": "VARCHAR"}}, '
              f'"media": {{"id": "VARCHAR", "owner": {{"id": "VARCHAR"}}}}, '
              f'"comments": {{"data": [{_COMMENT_TYPE}]}}, "replies": {{"data": [{_REPLY_TYPE}]}}}}')

#: ``timestamp`` as ``parse_utc(value, GRAPH_TIME)`` reads it (its fast path's form, in range), which DuckDB casts
#: to the same instant; any other form goes to the parser.
_GRAPH_INSTANT = (r"[12]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d"
                  r"[+-]([01]\d|2[0-3])[0-5]\d")
#: A username SQL normalises as ``normalise_handle`` does (Instagram usernames hold dots).
_USERNAME = "@*[A-Za-z0-9_.]+"


def _who_ok(who: Any) -> bool:
    return fields_ok(who, ("id", "username"))


def _reply_ok(reply: Any) -> bool:
    return fields_ok(reply, ("id", "timestamp", "text", "username", "parent_id"), {"from": _who_ok})


def _comment_ok(comment: Any) -> bool:
    return _reply_ok(comment) and fields_ok(comment, (), {
        "replies": lambda edge: fields_ok(edge, (), {"data": list_of(_reply_ok)})})


def _media_ok(media: Any) -> bool:
    return fields_ok(media, ("id", "timestamp", "caption", "username"), {
        "from": _who_ok, "owner": lambda owner: fields_ok(owner, ("id",)),
        "comments": lambda edge: fields_ok(edge, (), {"data": list_of(_comment_ok)})})


def _page_comment_ok(comment: Any) -> bool:
    return _comment_ok(comment) and fields_ok(comment, (), {
        "media": lambda media: fields_ok(media, ("id",), {"owner": lambda owner: fields_ok(owner, ("id",))})})


def _is_media_items(items: Any) -> bool:
    """Whether a page's item structure shows a media key (then it is read as a media page)."""
    return (isinstance(items, list) and len(items) == 1 and isinstance(items[0], dict)
            and bool(_MEDIA_KEYS & set(items[0])))


def _page_ok(page: Any) -> bool:
    if not isinstance(page, dict):
        return False
    items = page.get("data")
    return list_of(_media_ok if _is_media_items(items) else _page_comment_ok)(items)


_judge_page = structure_checker(_page_ok)


@lru_cache(maxsize=4096)
def _is_media_page(structure: str) -> bool:
    return _is_media_items(json.loads(structure).get("data"))


def _folder_media(path: Path) -> str | None:
    """The media id a comments page's folder names, as :func:`parse` reads it."""
    return path.parent.name if path.parent.name.isdigit() else None


def shape_group(con: duckdb.DuckDBPyConnection, files: list[BulkFile]) -> ShapedPart:
    """Shape a group of pages in DuckDB: the pages :func:`parse` would load whole, shaped as it would."""
    # Each page is parsed twice: once for its structure (judged per distinct structure), once into types.
    read_json_pages(con, files, _judge_page, f"""from_json(o.json, '{{"data": [{_ITEM_TYPE}]}}').data""")
    good = [row[0] for row in con.execute("SELECT structure FROM _bulk_good_structures").fetchall()]
    con.register("_ig_pages", pa.table({
        "fid": list(range(len(files))), "folder_media": [_folder_media(f.path) for f in files]}))
    con.register("_ig_media_structures", pa.table({"structure": [s for s in good if _is_media_page(s)]},
                                                  schema=pa.schema([("structure", pa.string())])))
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _bulk_rows AS
        WITH pages AS (
            SELECT j.fid, j.page, j.structure IN (SELECT structure FROM _ig_media_structures) AS media,
                   p.folder_media
            FROM _bulk_json j JOIN _ig_pages p USING (fid)),
        items AS (
            SELECT fid, media, folder_media, unnest(page) AS it, generate_subscripts(page, 1) - 1 AS i FROM pages),
        medias AS (
            SELECT fid, i, it, nullif(it.id, '') AS media_id, nullif(it.owner.id, '') AS owner_id
            FROM items WHERE media),
        comments AS (
            SELECT fid, i, j, media_id, owner_id, c, 'data[' || i || '].comments[' || j || ']' AS pos
            FROM (SELECT fid, i, media_id, owner_id, unnest(it.comments.data) AS c,
                         generate_subscripts(it.comments.data, 1) - 1 AS j FROM medias)
            UNION ALL
            SELECT fid, i, -1, coalesce(nullif(it.media.id, ''), folder_media), nullif(it.media.owner.id, ''),
                   CASE WHEN it IS NOT NULL THEN {{'id': it.id, 'timestamp': it.timestamp, 'text': it.text,
                       'username': it.username, 'from': it."from", 'parent_id': it.parent_id, 'replies': it.replies}}
                   END, 'data[' || i || ']'
            FROM items WHERE NOT media),
        replies AS (
            SELECT fid, i, j, media_id, owner_id, c.id AS comment_id, pos, unnest(c.replies.data) AS r,
                   generate_subscripts(c.replies.data, 1) - 1 AS k
            FROM comments),
        messages AS (
            SELECT fid, i, -1 AS j, -1 AS k, 'data[' || i || ']' AS pos, it IS NOT NULL AND owner_id IS NOT NULL AS ok,
                   it.id, it.timestamp, it.caption AS text, it.username, it."from".username AS from_username,
                   owner_id AS author_id, NULL::VARCHAR AS in_reply_to_id, it.id AS conversation_id, owner_id
            FROM medias
            UNION ALL
            SELECT fid, i, j, -1, pos, c IS NOT NULL, c.id, c.timestamp, c.text, c.username, c."from".username,
                   nullif(c."from".id, ''), coalesce(nullif(c.parent_id, ''), media_id), media_id, owner_id
            FROM comments
            UNION ALL
            SELECT fid, i, j, k, pos || '.replies[' || k || ']', r IS NOT NULL, r.id, r.timestamp, r.text,
                   r.username, r."from".username, nullif(r."from".id, ''),
                   coalesce(nullif(r.parent_id, ''), nullif(comment_id, '')), media_id, owner_id
            FROM replies),
        shaped AS (
            SELECT *, CASE WHEN coalesce(username, '') <> '' THEN username ELSE from_username END AS handle,
                list_filter(list_transform(regexp_extract_all(coalesce(text, ''), '{MENTION_RE2}', 1),
                                           lambda h: lower(rtrim(h, '.'))), lambda h: h <> '') AS named
            FROM messages)
        SELECT fid, i * 1000000000000 + (j + 1) * 1000000 + k + 1 AS ord,
            ok AND coalesce(id, '') <> ''
                AND coalesce(regexp_full_match(timestamp, '{_GRAPH_INSTANT}'), false)
                AND try_cast(timestamp AS TIMESTAMPTZ) IS NOT NULL
                AND (coalesce(handle, '') = '' OR regexp_full_match(handle, '{_USERNAME}'))
                AND NOT contains(coalesce(text, ''), '.@') AS row_ok,
            pos AS source_position, '{PLATFORM}' AS platform, id AS message_id, author_id,
            CASE WHEN coalesce(handle, '') <> '' THEN lower(ltrim(handle, '@')) END AS author_handle,
            try_cast(timestamp AS TIMESTAMPTZ) AS created_at, text, in_reply_to_id,
            NULL::VARCHAR AS in_reply_to_author_id, conversation_id,
            list_filter(named, lambda h, n: list_position(named, h) = n) AS mentions, false AS is_retweet,
            NULL::VARCHAR AS retweeted_id, NULL::VARCHAR AS quoted_id, owner_id AS channel_account_id,
            NULL::VARCHAR AS channel_handle, NULL::VARCHAR AS direction, '{SOURCE_SYSTEM}' AS source_system
        FROM shaped""")
    for name in ("_ig_pages", "_ig_media_structures"):
        con.unregister(name)
    return set_apart(con, files, TABLE)
