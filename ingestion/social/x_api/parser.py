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
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from ingestion.framework import FileRejected, Parsed, Record
from ingestion.social.json_input import items_at, rejected, stream_items, top_level_keys, whole_object
from ingestion.social.messages import mentions_in, message, normalise_handle, text_id

SOURCE_SYSTEM = "x_api"
#: The raw table both readers load into.
TABLE = "x_api_messages"
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

