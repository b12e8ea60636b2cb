"""X API v2 response pages (search, timelines, mentions): one JSON page ``{data, includes, meta}`` per file.

Tweets come from ``data`` and from ``includes.tweets`` (the referenced tweets the page expanded, often the
citizen's question a municipal reply answers); a tweet in both is yielded once, from ``data``. Handles
come from ``includes.users``. A file without ``data`` is an error object (``errors`` or a problem
``title``/``status``) and is rejected, except a page whose ``meta.result_count`` is 0, which is a valid
empty page. A page up to ``WHOLE_FILE_LIMIT`` is parsed whole at once; a bigger one is streamed: one pass
checks it parses and collects the users (bounded by the page's expansions), then tweets are read one at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb

from ingestion.framework import BulkFile, FileRejected, Parsed, Record, Source
from ingestion.social.bulk import (
    MENTION_RE2,
    SIMPLE_HANDLE,
    ShapedPart,
    fields_ok,
    list_of,
    read_json_pages,
    set_apart,
    structure_checker,
)
from ingestion.social.common import (
    MESSAGE_COLUMNS,
    items_at,
    mentions_in,
    message,
    normalise_handle,
    rejected,
    stream_items,
    text_id,
    top_level_keys,
    whole_object,
)

SOURCE_SYSTEM = "x_api"
_TWEET_PREFIXES = (("data.item", "data"), ("includes.tweets.item", "includes.tweets"))


def parse(path: Path) -> Iterator[Parsed]:
    """Messages of one X API v2 page, from ``data`` then ``includes.tweets``."""
    page = whole_object(path)
    if page is not None:
        keys, items = set(page), partial(items_at, page)
    else:
        with path.open("rb") as handle:
            keys = top_level_keys(handle)
        items = partial(_streamed, path)
    if "data" not in keys:
        _check_empty_page(path, keys)
        return
    users = _users(items("includes.users.item"))
    # A tweet in `data` is often expanded in `includes.tweets` too: yield it once. Only the expansions'
    # ids are held (bounded like the users), never all of `data`.
    expanded = _expanded_ids(items("includes.tweets.item"))
    for prefix, label in _TWEET_PREFIXES:
        for index, tweet in enumerate(items(prefix)):
            parsed = _parse_tweet(tweet, f"{label}[{index}]", users)
            if isinstance(parsed, Record) and parsed.values["message_id"] in expanded:
                if label == "includes.tweets" and expanded[parsed.values["message_id"]]:
                    continue
                expanded[parsed.values["message_id"]] = True
            yield parsed


def _streamed(path: Path, prefix: str) -> Iterator[Any]:
    with path.open("rb") as handle:
        yield from stream_items(handle, prefix)


def _check_empty_page(path: Path, keys: set[str]) -> None:
    """Accept a page with ``meta.result_count`` 0; reject an error object or anything else without data. The
    reasons say where, never what the file says (its error text, its keys): a reason is no place for a file's
    content (the quarantined file itself is there to read)."""
    if "errors" in keys:
        raise FileRejected("X API error object without data (see its errors)", "errors[0]")
    if "title" in keys or "status" in keys:
        raise FileRejected("X API error object without data (see its title and detail)", "top level")
    with path.open("rb") as handle:
        meta = next(stream_items(handle, "meta"), None) if "meta" in keys else None
    if not isinstance(meta, dict) or meta.get("result_count") != 0:
        raise FileRejected(f"not an X API v2 page: no 'data' among its {len(keys)} top-level key(s)", "top level")


def _expanded_ids(tweets: Iterable[Any]) -> dict[str, bool]:
    """Ids of ``includes.tweets`` (→ False until the same tweet is seen in ``data``)."""
    return {
        tweet_id: False
        for tweet in tweets
        if isinstance(tweet, dict) and (tweet_id := text_id(tweet.get("id")))
    }


def _users(users: Iterable[Any]) -> dict[str, str]:
    """``includes.users`` as id → handle."""
    return {
        str(user["id"]): str(user["username"])
        for user in users
        if isinstance(user, dict) and user.get("id") and user.get("username")
    }


def parse_time(value: str) -> datetime:
    """An X API v2 ``created_at`` (``2024-03-05T09:12:44.000Z``) as a UTC instant."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def _parse_tweet(tweet: Any, position: str, users: dict[str, str]) -> Parsed:
    if not isinstance(tweet, dict):
        return rejected(position, "tweet is not an object", tweet)
    try:
        tweet_id = text_id(tweet.get("id"))
        if not tweet_id:
            return rejected(position, "tweet without id", tweet)
        if not tweet.get("created_at"):
            return rejected(position, "tweet without created_at (request tweet.fields=created_at)", tweet)
        created_at = parse_time(str(tweet["created_at"]))
        values = _tweet_values(tweet, users)
    except (ValueError, TypeError, KeyError) as exc:
        return rejected(position, f"unusable tweet: {exc}", tweet)
    return Record(position, message("x", tweet_id, created_at, SOURCE_SYSTEM, **values))


def _tweet_values(tweet: dict[str, Any], users: dict[str, str]) -> dict[str, Any]:
    """The message columns of one v2 tweet object (besides id and time)."""
    text = (tweet.get("note_tweet") or {}).get("text") or tweet.get("text")
    refs = {ref["type"]: text_id(ref["id"]) for ref in tweet.get("referenced_tweets") or []}
    mentioned = (tweet.get("entities") or {}).get("mentions")
    author_id = text_id(tweet.get("author_id"))
    return {
        "author_id": author_id,
        "author_handle": users.get(author_id or ""),
        "text": text,
        "in_reply_to_id": refs.get("replied_to"),
        "in_reply_to_author_id": text_id(tweet.get("in_reply_to_user_id")),
        "conversation_id": text_id(tweet.get("conversation_id")),
        "mentions": (
            list(dict.fromkeys(h for m in mentioned if (h := normalise_handle(m.get("username")))))
            if mentioned else mentions_in(text)
        ),
        "is_retweet": "retweeted" in refs or (text or "").startswith("RT @"),
        "retweeted_id": refs.get("retweeted"),
        "quoted_id": refs.get("quoted"),
    }


X_API = Source(name="x_api", table="x_api_messages", columns=MESSAGE_COLUMNS, parse=parse)


# --- Bulk: DuckDB reads and shapes a group of pages (see ingestion/social/bulk.py) ---------------------------

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


def bulk(con: duckdb.DuckDBPyConnection, files: list[BulkFile]) -> ShapedPart:
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
            'x_api' AS source_system
        FROM shaped k LEFT JOIN _x_users u ON u.fid = k.fid AND u.id = nullif(k.t.author_id, '')
        -- the first copy of each tweet of a page: an aggregate on narrow keys, not a window over whole tweets
        LEFT JOIN (SELECT fid, t.id AS id, min(ord) AS first FROM base GROUP BY ALL) f
            ON f.fid = k.fid AND f.id = k.t.id""")
    # Drop the second copies, but not a bad one: a file is taken whole or not at all, so every tweet counts.
    con.execute("DELETE FROM _bulk_rows WHERE NOT yielded AND row_ok")
    con.execute("DROP TABLE _x_users")
    return set_apart(con, files, X_API.table)


#: ~2.2 messages per kB of page: a group of 96 MB inserts two row groups, read in parts of 32 MB.
X_API = replace(X_API, bulk=bulk, bulk_group_bytes=96 << 20, bulk_part_bytes=32 << 20)
