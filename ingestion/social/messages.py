"""The one message schema shared by every social-media source, and the values its readers share.

Every social source lands in its own raw table with the same columns (:data:`MESSAGE_COLUMNS`), so dbt
staging is uniform. Ids are text, verbatim (tweet ids exceed 2^53); times are UTC instants; citizen
identity is carried as ``author_key`` (a keyed hash) next to the clear id/handle, which must not leave
staging (see ``dbt_project/models/staging/social``).

Platforms and handles are normalised as they are loaded, once: platforms by the platform registry
(:func:`core.platforms.normalise_platform`), handles here (:func:`normalise_handle`); the bulk readers' SQL does the
same, checked by the agreement tests. Raw holds them normalised, the pseudonym of a handle is computed from its
normalised form, and dbt staging passes them through.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from core.pseudonym import citizen_key
from core.settings import get_settings

MESSAGE_COLUMNS: dict[str, str] = {
    "platform": "VARCHAR NOT NULL",  # a code of the platform registry (core/platforms.py): x, facebook, ...
    "message_id": "VARCHAR NOT NULL",  # the platform's own id, verbatim (Mastodon: status uri; Bluesky: at://)
    "author_id": "VARCHAR",  # platform user id, when the export gives one
    "author_handle": "VARCHAR",  # lowercased, without '@'; null where the platform has no handles
    "author_key": "VARCHAR",  # HMAC of platform:author_id (or platform:handle when only that is known)
    "created_at": "TIMESTAMPTZ NOT NULL",  # UTC instant
    "text": "VARCHAR",
    "in_reply_to_id": "VARCHAR",  # message this one answers (FB: the parent comment, else the post)
    "in_reply_to_author_id": "VARCHAR",  # X, Bluesky: the user replied to (the parent may be missing)
    "conversation_id": "VARCHAR",  # thread root: X, Bluesky, Mastodon; Facebook/Instagram: the post/media id
    "mentions": "VARCHAR[]",  # lowercased handles without '@' (Mastodon name@server; Bluesky: DIDs)
    "is_retweet": "BOOLEAN NOT NULL",
    "retweeted_id": "VARCHAR",
    "quoted_id": "VARCHAR",
    "channel_account_id": "VARCHAR",  # the municipal account the file belongs to, when the file says so
    "channel_handle": "VARCHAR",
    "direction": "VARCHAR",  # webcare: inkomend / uitgaand; else null
    "source_system": "VARCHAR NOT NULL",  # the landing source: x_api, ..., bluesky, mastodon_api, webcare_csv
}

_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.]{1,30})")
_EXCEL_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?E\+?\d+$", re.IGNORECASE)


def normalise_handle(value: str | None) -> str | None:
    """A handle lowercased without a leading ``@``; None when empty."""
    handle = (value or "").strip().lstrip("@").strip().lower()
    return handle or None


def mentions_in(text: str | None) -> list[str]:
    """The ``@handles`` written in a text, lowercased, in order, without duplicates."""
    found = (m.group(1).rstrip(".").lower() for m in _MENTION.finditer(text or ""))
    return list(dict.fromkeys(h for h in found if h))


def is_excel_number(value: str) -> bool:
    """True for an id Excel turned into scientific notation (``4.56872E+17``): its digits are lost."""
    return bool(_EXCEL_NUMBER.match(value.strip()))


def author_key(platform: str, author_id: str | None, handle: str | None, key: bytes | None = None) -> str | None:
    """The citizen pseudonym of an author: of the id when known, else of the handle; None if neither."""
    identity = author_id or handle
    if not identity:
        return None
    return _cached_citizen_key(key or citizen_key_bytes(), platform, identity)


@lru_cache(maxsize=1 << 16)
def _cached_citizen_key(key: bytes, platform: str, identity: str) -> str:
    # Authors write many messages (a municipal account thousands): an HMAC per author, not per message.
    return citizen_key(key, platform, identity)


_KEY_CACHE: dict[tuple[str | None, str | None], bytes] = {}


def citizen_key_bytes() -> bytes:
    """The citizen key of the current settings."""
    # Cached per (DIALOOG_HOME, DIALOOG_CITIZEN_KEY) as set in the environment: resolving settings for
    # every message would cost more than parsing it, and a changed home or key is never served stale.
    cache_key = (os.environ.get("DIALOOG_HOME"), os.environ.get("DIALOOG_CITIZEN_KEY"))
    if cache_key not in _KEY_CACHE:
        _KEY_CACHE.clear()
        _KEY_CACHE[cache_key] = get_settings().citizen_key()
    return _KEY_CACHE[cache_key]


def message(platform: str, message_id: str, created_at: datetime, source_system: str, *, key: bytes | None = None,
            **values: Any) -> dict[str, Any]:
    """A full message row: every column of :data:`MESSAGE_COLUMNS`, defaults filled in, key computed.

    ``key`` is the citizen key (:func:`citizen_key_bytes`) when the caller has read it already: a parser reads it
    once per file instead of once per message (two environment lookups each time, a tenth of a small message's
    cost), and still never serves a key of another home or key set between loads."""
    row: dict[str, Any] = dict.fromkeys(MESSAGE_COLUMNS)
    row.update(values)
    row.update(platform=platform, message_id=message_id, created_at=created_at, source_system=source_system)
    row["author_handle"] = normalise_handle(row["author_handle"])
    row["channel_handle"] = normalise_handle(row["channel_handle"])
    row["mentions"] = row["mentions"] or []
    row["is_retweet"] = bool(row["is_retweet"])
    row["author_key"] = author_key(platform, row["author_id"], row["author_handle"], key)
    return row


#: The Graph APIs' time format (Facebook, Instagram: ``2024-03-05T09:12:44+0000``).
GRAPH_TIME = "%Y-%m-%dT%H:%M:%S%z"
#: The common form of :data:`GRAPH_TIME`, which :func:`parse_utc` reads without ``strptime``: ASCII digits, an
#: upper-case ``T`` and a ``±HHMM`` offset. Every such text ``strptime`` reads the same; anything else (``Z``,
#: ``+01:00``, one-digit fields, a lower-case ``t``, other digits) goes to ``strptime`` as before.
_GRAPH_COMMON = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)([+-])(\d\d)([0-5]\d)", re.ASCII)


def parse_utc(value: str, fmt: str) -> datetime:
    """Parse a timestamp that carries its own offset and return it as an aware UTC datetime.

    A :data:`GRAPH_TIME` text of the common form is read without ``strptime`` (a quarter of an Instagram load
    went to it); whatever that fast path cannot build, ``strptime`` reads or refuses, so what is accepted and
    every error message stay ``strptime``'s (``tests/ingestion/social/test_times.py``)."""
    text = value.strip()
    if fmt == GRAPH_TIME and (common := _GRAPH_COMMON.fullmatch(text)):
        try:
            return _graph_utc(*common.groups())
        except (ValueError, OverflowError):
            pass  # out of range: strptime says so in its own words
    parsed = datetime.strptime(text, fmt)
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def _graph_utc(year: str, month: str, day: str, hour: str, minute: str, second: str, sign: str, off_hours: str,
               off_minutes: str) -> datetime:
    """The UTC instant of a matched :data:`_GRAPH_COMMON` text; ValueError or OverflowError where out of range."""
    local = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC)
    offset = int(off_hours) * 60 + int(off_minutes)
    if not offset:
        return local
    if offset >= 24 * 60:
        raise ValueError("offset out of range")  # strptime refuses it (a timezone's offset is under a day)
    return local - timedelta(minutes=offset if sign == "+" else -offset)


def text_id(value: Any) -> str | None:
    """An id as exact text; refuses floats, whose digits may already be lost."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        raise ValueError(f"id {value!r} is a float: digits may be lost")
    return str(value)

