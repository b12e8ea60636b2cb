"""X API pages read in bulk: DuckDB reads a group of pages and shapes them in SQL exactly as :func:`parse`
(``parser.py``) would; a page it cannot shape so is left to the parser (see ``ingestion/social/sql.py``)."""

from __future__ import annotations

from typing import Any

import duckdb

from ingestion.framework import BulkFile
from ingestion.social.sql import (
    MENTION_RE2,
    SIMPLE_HANDLE,
    ShapedPart,
    fields_ok,
    list_of,
    read_json_pages,
    set_apart,
    structure_checker,
)
from ingestion.social.x_api.parser import SOURCE_SYSTEM, TABLE

_TWEET_TYPE = ('{"id": "VARCHAR", "text": "VARCHAR", "created_at": "VARCHAR", "author_id": "VARCHAR", '
               '"conversation_id": "VARCHAR", "in_reply_to_user_id": "VARCHAR", "note_tweet": {"text": "VARCHAR"}, '
               '"referenced_tweets": [{"type": "VARCHAR", "id": "VARCHAR"}], '
               '"entities": {"mentions": [{"username": "VARCHAR"}]}}')
_TWEET_STRINGS = ("id", "created_at", "text", "author_id", "conversation_id", "in_reply_to_user_id")
#: ``created_at`` as ``parse_time`` reads it and DuckDB casts it to the same instant.
_ISO_INSTANT = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6})?(Z|[+-]\d{2}:\d{2})"


def _tweet_structure_ok(tweet: Any) -> bool:
    return fields_ok(tweet, _TWEET_STRINGS, {
        "note_tweet": lambda note: fields_ok(note, ("text",)),
        "referenced_tweets": list_of(lambda ref: fields_ok(ref, ("type", "id"))),
        "entities": lambda ent: fields_ok(ent, (), {"mentions": list_of(lambda m: fields_ok(m, ("username",)))}),
    })


def _page_structure_ok(page: Any) -> bool:
    """A page the SQL below shapes as :func:`parse` would: ``data`` an array of tweets, fields of known types."""
    if not isinstance(page, dict) or not list_of(_tweet_structure_ok)(page.get("data")):
        return False
    includes = {"users": list_of(lambda user: fields_ok(user, ("id", "username"))),
                "tweets": list_of(_tweet_structure_ok)}
    return "includes" not in page or page["includes"] == "NULL" or fields_ok(page["includes"], (), includes)


_judge_page = structure_checker(_page_structure_ok)


_PAGE_TYPE = (f'{{"data": [{_TWEET_TYPE}], "includes": {{"users": [{{"id": "VARCHAR", "username": "VARCHAR"}}], '
              f'"tweets": [{_TWEET_TYPE}]}}}}')


def shape_group(con: duckdb.DuckDBPyConnection, files: list[BulkFile]) -> ShapedPart:
    """Shape a group of pages in DuckDB: the pages :func:`parse` would load whole, shaped as it would."""
    # Each page is parsed twice: once for its structure (judged per distinct structure), once into types.
    read_json_pages(con, files, _judge_page, f"from_json(o.json, '{_PAGE_TYPE}')")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _x_users AS
        WITH listed AS (SELECT fid, unnest(page.includes.users) AS u, generate_subscripts(page.includes.users, 1) AS i
                        FROM _bulk_json)
        SELECT fid, u.id AS id, arg_max(u.username, i) AS username,
               bool_and(regexp_full_match(u.username, '@*{SIMPLE_HANDLE}')) AS ok
        FROM listed WHERE coalesce(u.id, '') <> '' AND coalesce(u.username, '') <> '' GROUP BY fid, u.id""")
    con.execute("UPDATE _bulk_pages SET page_ok = false WHERE fid IN (SELECT fid FROM _x_users WHERE NOT ok)")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _bulk_rows AS
        WITH tweets AS (
            SELECT fid, 0 AS part, unnest(page.data) AS t, generate_subscripts(page.data, 1) - 1 AS i FROM _bulk_json
            UNION ALL
            SELECT fid, 1, unnest(page.includes.tweets), generate_subscripts(page.includes.tweets, 1) - 1
            FROM _bulk_json),
        base AS (
            SELECT fid, part, i, part * 1000000000 + i AS ord, t,
                   coalesce(nullif(t.note_tweet.text, ''), t.text) AS body, t.entities.mentions AS tagged,
                   list_transform(t.referenced_tweets, lambda r: r.type) AS kinds
            FROM tweets),
        shaped AS (
            SELECT *,
                t IS NOT NULL AND coalesce(t.id, '') <> ''
                AND coalesce(regexp_full_match(t.created_at, '{_ISO_INSTANT}'), false)
                AND try_cast(t.created_at AS TIMESTAMPTZ) IS NOT NULL
                AND coalesce(list_bool_and(list_transform(t.referenced_tweets,
                    lambda r: r IS NOT NULL AND r.type IS NOT NULL AND r.id IS NOT NULL)), true)
                AND CASE WHEN len(tagged) > 0
                    THEN coalesce(list_bool_and(list_transform(tagged, lambda m: m IS NOT NULL
                         AND (m.username IS NULL OR regexp_full_match(m.username, '@*{SIMPLE_HANDLE}')))), true)
                    ELSE NOT contains(coalesce(body, ''), '.@') END AS ok,
                CASE WHEN len(tagged) > 0
                    THEN list_filter(list_transform(tagged, lambda m: lower(ltrim(m.username, '@'))),
                                     lambda h: coalesce(h, '') <> '')
                    ELSE list_filter(list_transform(regexp_extract_all(coalesce(body, ''), '{MENTION_RE2}', 1),
                                     lambda h: lower(rtrim(h, '.'))), lambda h: h <> '') END AS named
            FROM base)
        SELECT k.fid, k.ord, k.ok AS row_ok,
            -- includes.tweets: a tweet also in data, or seen earlier in includes, is yielded once (from data)
            k.part = 0 OR coalesce(k.ord = f.first, false) AS yielded,
            CASE k.part WHEN 0 THEN 'data[' ELSE 'includes.tweets[' END || k.i || ']' AS source_position,
            'x' AS platform, k.t.id AS message_id, nullif(k.t.author_id, '') AS author_id,
            lower(ltrim(u.username, '@')) AS author_handle, try_cast(k.t.created_at AS TIMESTAMPTZ) AS created_at,
            k.body AS text, nullif(list_filter(k.t.referenced_tweets, lambda r: r.type = 'replied_to')[-1].id, '')
                AS in_reply_to_id,
            nullif(k.t.in_reply_to_user_id, '') AS in_reply_to_author_id,
            nullif(k.t.conversation_id, '') AS conversation_id,
            list_filter(k.named, lambda h, n: list_position(k.named, h) = n) AS mentions,
            coalesce(list_contains(k.kinds, 'retweeted'), false) OR starts_with(coalesce(k.body, ''), 'RT @')
                AS is_retweet,
            nullif(list_filter(k.t.referenced_tweets, lambda r: r.type = 'retweeted')[-1].id, '') AS retweeted_id,
            nullif(list_filter(k.t.referenced_tweets, lambda r: r.type = 'quoted')[-1].id, '') AS quoted_id,
            NULL::VARCHAR AS channel_account_id, NULL::VARCHAR AS channel_handle, NULL::VARCHAR AS direction,
            '{SOURCE_SYSTEM}' AS source_system
        FROM shaped k LEFT JOIN _x_users u ON u.fid = k.fid AND u.id = nullif(k.t.author_id, '')
        -- the first copy of each tweet of a page: an aggregate on narrow keys, not a window over whole tweets
        LEFT JOIN (SELECT fid, t.id AS id, min(ord) AS first FROM base GROUP BY ALL) f
            ON f.fid = k.fid AND f.id = k.t.id""")
    # Drop the second copies, but not a bad one: a file is taken whole or not at all, so every tweet counts.
    con.execute("DELETE FROM _bulk_rows WHERE NOT yielded AND row_ok")
    con.execute("DROP TABLE _x_users")
    return set_apart(con, files, TABLE)

