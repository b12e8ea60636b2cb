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
from datetime import UTC, datetime
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


def message(platform: str, message_id: str, created_at: datetime, source_system: str,
            **values: Any) -> dict[str, Any]:
    """A full message row: every column of :data:`MESSAGE_COLUMNS`, defaults filled in, key computed."""
    row: dict[str, Any] = dict.fromkeys(MESSAGE_COLUMNS)
    row.update(values)
    row.update(platform=platform, message_id=message_id, created_at=created_at, source_system=source_system)
    row["author_handle"] = normalise_handle(row["author_handle"])
    row["channel_handle"] = normalise_handle(row["channel_handle"])
    row["mentions"] = row["mentions"] or []
    row["is_retweet"] = bool(row["is_retweet"])
    row["author_key"] = author_key(platform, row["author_id"], row["author_handle"])
    return row


def parse_utc(value: str, fmt: str) -> datetime:
    """Parse a timestamp that carries its own offset and return it as an aware UTC datetime."""
    parsed = datetime.strptime(value.strip(), fmt)
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def text_id(value: Any) -> str | None:
    """An id as exact text; refuses floats, whose digits may already be lost."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        raise ValueError(f"id {value!r} is a float: digits may be lost")
    return str(value)

