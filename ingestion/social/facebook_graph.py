"""Facebook Graph API page feeds: ``{data, paging}`` with comments (and replies to comments) per post.

A post is one message; each comment under ``comments.data`` is a message replying to the post, and a reply
to a comment (under that comment's ``comments.data``, or flat with a ``parent``) replies to that comment.
Ids stay verbatim (a comment keeps its ``postid_commentid`` form). Facebook has no handles and a display
name is not one, so ``author_handle`` stays empty; comments without ``from`` (hidden by the Graph API
without moderation rights) have no author. The page is the channel: the part of the post id before ``_``.
A feed up to ``WHOLE_FILE_LIMIT`` is parsed whole; a bigger one is streamed post by post, so memory
follows the largest post, not the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb

from ingestion.framework import BulkFile, FileRejected, Parsed, Record, Source
from ingestion.social.bulk import ShapedPart, fields_ok, list_of, read_json_pages, set_apart, structure_checker
from ingestion.social.common import (
    MESSAGE_COLUMNS,
    items_at,
    message,
    parse_utc,
    rejected,
    stream_items,
    text_id,
    top_level_keys,
    whole_object,
)

SOURCE_SYSTEM = "facebook_graph"
_TIME = "%Y-%m-%dT%H:%M:%S%z"  # 2014-05-12T08:15:30+0000


def parse(path: Path) -> Iterator[Parsed]:
    """Posts and their comments of one Graph API feed page."""
    page = whole_object(path)
    if page is not None:
        if "data" not in page:
            _reject_without_data(path, set(page))
        for index, post in enumerate(items_at(page, "data.item")):
            yield from _post_messages(post, f"data[{index}]")
        return
    with path.open("rb") as handle:
        keys = top_level_keys(handle)
    if "data" not in keys:
        _reject_without_data(path, keys)
    with path.open("rb") as handle:
        for index, post in enumerate(stream_items(handle, "data.item")):
            yield from _post_messages(post, f"data[{index}]")


def _reject_without_data(path: Path, keys: set[str]) -> None:
    """Reject a file without ``data``; the reason says where, never what the file says (its error's message, its
    keys): a reason is no place for a file's content (the quarantined file itself is there to read)."""
    if "error" in keys:
        raise FileRejected("Graph API error object without data (see its code, type and message)", "error")
    raise FileRejected(f"not a Graph API feed page: no 'data' among its {len(keys)} top-level key(s)", "top level")


def _post_messages(post: Any, position: str) -> Iterator[Parsed]:
    """The post itself, then every comment and reply under it."""
    if not isinstance(post, dict):
        yield rejected(position, "post is not an object", post)
        return
    post_id = text_id(post.get("id"))
    page_id = post_id.split("_", 1)[0] if post_id and "_" in post_id else None
    page_id = page_id or text_id((post.get("from") or {}).get("id"))
    yield _message(post, position, None, post_id, page_id, is_post=True)
    yield from _comments(post.get("comments"), f"{position}.comments", post_id, post_id, page_id)


def _comments(edge: Any, position: str, parent_id: str | None, post_id: str | None,
              page_id: str | None) -> Iterator[Parsed]:
    """Comments of one edge ``{data: [...]}``, recursing into replies to each comment."""
    items = edge.get("data") if isinstance(edge, dict) else None
    for index, comment in enumerate(items or []):
        here = f"{position}[{index}]"
        if not isinstance(comment, dict):
            yield rejected(here, "comment is not an object", comment)
            continue
        parent = text_id((comment.get("parent") or {}).get("id")) or parent_id
        yield _message(comment, here, parent, post_id, page_id, is_post=False)
        yield from _comments(comment.get("comments"), f"{here}.comments", text_id(comment.get("id")),
                             post_id, page_id)


def _message(obj: dict[str, Any], position: str, reply_to: str | None, post_id: str | None,
             page_id: str | None, is_post: bool) -> Parsed:
    kind = "post" if is_post else "comment"
    # Nested comments are left out of the quarantined content: they are judged on their own.
    own = {k: v for k, v in obj.items() if k != "comments"}
    try:
        message_id = text_id(obj.get("id"))
        if not message_id:
            return rejected(position, f"{kind} without id", own)
        if not obj.get("created_time"):
            return rejected(position, f"{kind} without created_time", own)
        created_at = parse_utc(str(obj["created_time"]), _TIME)
        author_id = text_id((obj.get("from") or {}).get("id"))
    except ValueError as exc:
        return rejected(position, f"unusable {kind}: {exc}", own)
    return Record(position, message(
        "facebook", message_id, created_at, SOURCE_SYSTEM,
        author_id=author_id, text=obj.get("message"), in_reply_to_id=reply_to,
        conversation_id=post_id, channel_account_id=page_id,
    ))


FACEBOOK_GRAPH = Source(
    name="facebook_graph", table="facebook_graph_messages", columns=MESSAGE_COLUMNS, parse=parse
)


# --- Bulk: DuckDB reads and shapes a group of feed pages (see ingestion/social/bulk.py) -----------------------

_OWN = '"id": "VARCHAR", "created_time": "VARCHAR", "message": "VARCHAR", "from": {"id": "VARCHAR"}'
_REPLY_TYPE = f'{{{_OWN}, "parent": {{"id": "VARCHAR"}}}}'
_COMMENT_TYPE = f'{{{_OWN}, "parent": {{"id": "VARCHAR"}}, "comments": {{"data": [{_REPLY_TYPE}]}}}}'
_POST_TYPE = f'[{{{_OWN}, "comments": {{"data": [{_COMMENT_TYPE}]}}}}]'
_STRINGS = ("id", "created_time", "message")
#: ``created_time`` as ``parse_utc(value, _TIME)`` reads it, and DuckDB casts it to the same instant.
_GRAPH_INSTANT = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:?\d{2})"
#: How deep the SQL follows comments: post → comment → reply (all the Graph API nests). Deeper: the parser.
_DEPTH = 2


def _object_ok(obj: Any, depth: int) -> bool:
    """A post (depth 0) or comment whose fields have the types the SQL reads, nested no deeper than _DEPTH."""
    nested: dict[str, Any] = {"from": lambda who: fields_ok(who, ("id",))}
    if depth > 0:
        nested["parent"] = lambda parent: fields_ok(parent, ("id",))
    if depth < _DEPTH:
        nested["comments"] = lambda edge: fields_ok(edge, (), {"data": list_of(lambda c: _object_ok(c, depth + 1))})
    elif isinstance(obj, dict) and obj.get("comments", "NULL") != "NULL":
        return False
    return fields_ok(obj, _STRINGS, nested)


_judge_page = structure_checker(lambda page: isinstance(page, dict)
                                and list_of(lambda post: _object_ok(post, 0))(page.get("data")))


def bulk(con: duckdb.DuckDBPyConnection, files: list[BulkFile]) -> ShapedPart:
    """Shape a group of feed pages in DuckDB: the pages :func:`parse` would load whole, shaped as it would."""
    # Each page is parsed twice: once for its structure (judged per distinct structure), once into types.
    read_json_pages(con, files, _judge_page, f"""from_json(o.json, '{{"data": {_POST_TYPE}}}').data""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _bulk_rows AS
        WITH posts AS (SELECT fid, unnest(page) AS p, generate_subscripts(page, 1) - 1 AS i FROM _bulk_json),
        post_ids AS (
            SELECT *, nullif(p.id, '') AS post_id,
                coalesce(CASE WHEN contains(p.id, '_') THEN nullif(split_part(p.id, '_', 1), '') END,
                         nullif(p."from".id, '')) AS page_id
            FROM posts),
        comments AS (
            SELECT fid, i, post_id, page_id, unnest(p.comments.data) AS c,
                   generate_subscripts(p.comments.data, 1) - 1 AS j FROM post_ids),
        replies AS (
            SELECT fid, i, j, post_id, page_id, c.id AS parent_id, unnest(c.comments.data) AS r,
                   generate_subscripts(c.comments.data, 1) - 1 AS k FROM comments),
        messages AS (
            SELECT fid, i, -1 AS j, -1 AS k, 'data[' || i || ']' AS source_position,
                   p.id, p.created_time, p.message, p."from".id AS author_id, NULL AS in_reply_to_id, post_id, page_id,
                   p IS NOT NULL AS is_object
            FROM post_ids
            UNION ALL
            SELECT fid, i, j, -1, 'data[' || i || '].comments[' || j || ']', c.id, c.created_time, c.message,
                   c."from".id, coalesce(nullif(c.parent.id, ''), post_id), post_id, page_id, c IS NOT NULL
            FROM comments
            UNION ALL
            SELECT fid, i, j, k, 'data[' || i || '].comments[' || j || '].comments[' || k || ']', r.id, r.created_time,
                   r.message, r."from".id, coalesce(nullif(r.parent.id, ''), nullif(parent_id, '')), post_id, page_id,
                   r IS NOT NULL
            FROM replies)
        SELECT fid, i * 1000000000000 + (j + 1) * 1000000 + k + 1 AS ord,
            is_object AND coalesce(id, '') <> ''
                AND coalesce(regexp_full_match(created_time, '{_GRAPH_INSTANT}'), false)
                AND try_cast(created_time AS TIMESTAMPTZ) IS NOT NULL AS row_ok,
            source_position, 'facebook' AS platform, id AS message_id, nullif(author_id, '') AS author_id,
            NULL::VARCHAR AS author_handle, try_cast(created_time AS TIMESTAMPTZ) AS created_at, message AS text,
            in_reply_to_id, NULL::VARCHAR AS in_reply_to_author_id, post_id AS conversation_id,
            []::VARCHAR[] AS mentions, false AS is_retweet, NULL::VARCHAR AS retweeted_id, NULL::VARCHAR AS quoted_id,
            page_id AS channel_account_id, NULL::VARCHAR AS channel_handle, NULL::VARCHAR AS direction,
            'facebook_graph' AS source_system
        FROM messages""")
    return set_apart(con, files, FACEBOOK_GRAPH.table)


#: ~3 messages per kB of page: a group of 64 MB inserts more than a row group, read in parts of 32 MB.
FACEBOOK_GRAPH = replace(FACEBOOK_GRAPH, bulk=bulk, bulk_group_bytes=64 << 20, bulk_part_bytes=32 << 20)
