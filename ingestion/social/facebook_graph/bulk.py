"""Facebook Graph feed pages read in bulk: DuckDB reads a group of pages and shapes them in SQL exactly as
:func:`parse` (``parser.py``) would; a page it cannot shape so is left to the parser (see
``ingestion/social/sql.py``)."""

from __future__ import annotations

from typing import Any

import duckdb

from ingestion.framework import BulkFile
from ingestion.social.facebook_graph.parser import SOURCE_SYSTEM, TABLE
from ingestion.social.sql import ShapedPart, fields_ok, list_of, read_json_pages, set_apart, structure_checker

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


def shape_group(con: duckdb.DuckDBPyConnection, files: list[BulkFile]) -> ShapedPart:
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
            '{SOURCE_SYSTEM}' AS source_system
        FROM messages""")
    return set_apart(con, files, TABLE)

