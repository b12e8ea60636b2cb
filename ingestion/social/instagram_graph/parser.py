"""Instagram Graph API comments (FORMATS.md §5): a media page of the municipality's account, or a comments page.

A harvester saves one of two bodies per file, told apart by the shape of their first item:

- a **media page** (``GET /{ig-user-id}/media?fields=id,caption,timestamp,username,owner,comments{…}``, preferred):
  ``{data: [media], paging}``, each media item with its ``owner`` and its ``comments.data``;
- a **comments page** (``GET /{ig-media-id}/comments?fields=…``): ``{data: [comment], paging}``.

Identities (CONTRACT §7): a message id is the comment's id, or the media's id for a media item. A media item is the
municipality's own post: a message by its ``owner.id`` (the registry ``account_id``). Every comment under it is
addressed to that account: it replies to the media (``in_reply_to_id``), its thread is the media
(``conversation_id``) and ``channel_account_id`` is the owner. A reply in a comment's ``replies`` answers that
comment (its ``parent_id``, else the comment it is nested in); a reply by the owner account is the municipality's
answer, found in dbt by its author id. The author is ``from.id``, else only the ``username`` (then the pseudonym
is of the username); ``author_handle`` is the username, lowercased; ``mentions`` are the ``@usernames`` in the text.

A comments page does not name its media or the account, so the rule is: a comment takes its media from its own
``media.id`` (and the owner from ``media.owner.id``) when the harvester asked for the ``media`` field; otherwise
from the name of the folder the page lies in when that is a number (``landing/instagram_graph/<media-id>/…``, the
id the page was fetched for); otherwise the media is unknown and a top-level comment replies to nothing. The
owner is known only from ``media.owner.id``: where it is not, the comment is still tied to the municipality once
the media itself is loaded from a media page (dbt finds the channel through the media it replies to).

Bad input: a body that is not a Graph page (an API error object, no ``data``, ``data`` not a list) is rejected
whole; an item that is not an object, or lacks its id or a usable ``timestamp``, or a media item without
``owner.id``, is rejected as a row with its reason. Times are UTC (``2024-03-05T09:12:44+0000``). A page up to
``WHOLE_FILE_LIMIT`` is parsed at once; a bigger one is streamed item by item.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ijson

from ingestion.framework import FileRejected, Parsed, Record
from ingestion.social.json_input import JsonGuard, rejected, stream_items, top_level_keys, whole_object
from ingestion.social.messages import GRAPH_TIME, citizen_key_bytes, mentions_in, message, parse_utc, text_id

SOURCE_SYSTEM = "instagram_graph"
#: The raw table the parser loads into (named like the other formats' tables: ``<source>_messages``).
TABLE = "instagram_graph_messages"
PLATFORM = "instagram"
_TIME = GRAPH_TIME  # 2024-03-05T09:12:44+0000
#: Keys only a media item has (``owner``, its ``comments`` edge, ``caption``, ``media_type``): the page is a media
#: page when its first item has one of them, else a comments page.
_MEDIA_KEYS = frozenset({"owner", "comments", "caption", "media_type", "media_product_type"})


@dataclass(frozen=True)
class _Media:
    """What a comment knows of the media it is on: the media id (its thread) and the owner account, if known."""

    media_id: str | None
    owner_id: str | None


def parse(path: Path) -> Iterator[Parsed]:
    """Messages of one saved media page or comments page."""
    folder_media = path.parent.name if path.parent.name.isdigit() else None
    key = citizen_key_bytes()  # once per file, not per message
    page = whole_object(path)
    if page is not None:
        _check_page(set(page), page.get("data"))
        yield from _items(page["data"], folder_media, key)
        return
    with path.open("rb") as handle:
        keys = top_level_keys(handle)
    with path.open("rb") as handle:
        _check_page(keys, [] if _data_is_list(handle) else None)
    with path.open("rb") as handle:
        yield from _items(stream_items(handle, "data.item"), folder_media, key)


def _data_is_list(handle: IO[bytes]) -> bool:
    """Whether the top-level ``data`` of a file (already checked whole by :func:`top_level_keys`) is an array:
    ijson reads only up to its first event."""
    for prefix, event, _value in ijson.parse(JsonGuard().reader(handle), use_float=False):
        if prefix == "data" and event != "map_key":
            return event == "start_array"
    return False


def _check_page(keys: set[str], data: Any) -> None:
    """Reject a body that is not a Graph page; the reason never quotes the file (its error message, its keys)."""
    if "data" not in keys:
        if "error" in keys:
            raise FileRejected("Graph API error object without data (see its code, type and message)", "error")
        raise FileRejected(f"not an Instagram Graph page: no 'data' among its {len(keys)} top-level key(s)",
                           "top level")
    if not isinstance(data, list):
        raise FileRejected("not an Instagram Graph page: 'data' is not a list", "data")


def _items(items: Any, folder_media: str | None, key: bytes) -> Iterator[Parsed]:
    """Every item of ``data``; the first object decides whether the page holds media or comments."""
    kind: str | None = None
    for index, item in enumerate(items):
        position = f"data[{index}]"
        if not isinstance(item, dict):
            yield rejected(position, "item is not an object", item)
            continue
        if kind is None:
            kind = "media" if _MEDIA_KEYS & set(item) else "comments"
        if kind == "media":
            yield from _media_messages(item, position, key)
        else:
            media = _comment_media(item, folder_media)
            yield from _comment_messages(item, position, None, media, key)


def _media_messages(media: dict[str, Any], position: str, key: bytes) -> Iterator[Parsed]:
    """The municipality's own post, then every comment on it and every reply to those."""
    try:
        owner_id = text_id(_obj(media.get("owner")).get("id"))
    except ValueError as exc:
        yield rejected(position, f"unusable media: {exc}", media)
        return
    if not owner_id:
        # Its comments cannot be tied to an account: the media is quarantined whole, comments included.
        yield rejected(position, "media without owner.id", media)
        return
    own = {k: v for k, v in media.items() if k != "comments"}
    parsed = _message(own, position, "media", text_key="caption", reply_to=None, thread=None, owner_id=owner_id,
                      author_id=owner_id, key=key)
    yield parsed
    media_id = parsed.values["message_id"] if isinstance(parsed, Record) else text_id_or_none(media.get("id"))
    comments = _obj(media.get("comments")).get("data")
    for index, comment in enumerate(comments if isinstance(comments, list) else []):
        here = f"{position}.comments[{index}]"
        if not isinstance(comment, dict):
            yield rejected(here, "comment is not an object", comment)
            continue
        yield from _comment_messages(comment, here, None, _Media(media_id, owner_id), key)


def _comment_media(comment: dict[str, Any], folder_media: str | None) -> _Media:
    """The media of a comment on a comments page: its own ``media`` field, else the folder's media id."""
    media = _obj(comment.get("media"))
    media_id = text_id_or_none(media.get("id")) or folder_media
    return _Media(media_id, text_id_or_none(_obj(media.get("owner")).get("id")))


def _comment_messages(comment: dict[str, Any], position: str, parent_id: str | None,
                      media: _Media, key: bytes) -> Iterator[Parsed]:
    """A comment (replying to its ``parent_id``, else to ``parent_id`` given, else to the media), then its
    replies (one level: the Graph API nests no deeper)."""
    own = {k: v for k, v in comment.items() if k != "replies"}
    try:
        parent = text_id(comment.get("parent_id")) or parent_id
    except ValueError as exc:
        yield rejected(position, f"unusable comment: {exc}", own)
        return
    yield _comment(own, position, parent or media.media_id, media, key)
    replies = _obj(comment.get("replies")).get("data")
    comment_id = text_id_or_none(comment.get("id"))
    for index, reply in enumerate(replies if isinstance(replies, list) else []):
        here = f"{position}.replies[{index}]"
        if not isinstance(reply, dict):
            yield rejected(here, "reply is not an object", reply)
            continue
        try:
            reply_parent = text_id(reply.get("parent_id")) or comment_id
        except ValueError as exc:
            yield rejected(here, f"unusable comment: {exc}", reply)
            continue
        yield _comment(reply, here, reply_parent, media, key)


def _comment(comment: dict[str, Any], position: str, reply_to: str | None, media: _Media, key: bytes) -> Parsed:
    try:
        author_id = text_id(_obj(comment.get("from")).get("id"))
    except ValueError as exc:
        return rejected(position, f"unusable comment: {exc}", comment)
    return _message(comment, position, "comment", text_key="text", reply_to=reply_to, thread=media.media_id,
                    owner_id=media.owner_id, author_id=author_id, key=key)


def _message(obj: dict[str, Any], position: str, kind: str, *, text_key: str, reply_to: str | None,
             thread: str | None, owner_id: str | None, author_id: str | None, key: bytes) -> Parsed:
    """One message row, or the row rejected with its reason."""
    try:
        message_id = text_id(obj.get("id"))
        if not message_id:
            return rejected(position, f"{kind} without id", obj)
        if not obj.get("timestamp"):
            return rejected(position, f"{kind} without timestamp", obj)
        created_at = parse_utc(str(obj["timestamp"]), _TIME)
    except ValueError as exc:
        return rejected(position, f"unusable {kind}: {exc}", obj)
    username = obj.get("username") or _obj(obj.get("from")).get("username")
    text = obj.get(text_key)
    text = text if isinstance(text, str) else None
    return Record(position, message(
        PLATFORM, message_id, created_at, SOURCE_SYSTEM,
        author_id=author_id, author_handle=username if isinstance(username, str) else None, text=text,
        in_reply_to_id=reply_to, conversation_id=message_id if kind == "media" else thread, mentions=mentions_in(text),
        channel_account_id=owner_id, key=key,
    ))


def _obj(value: Any) -> dict[str, Any]:
    """A nested object, or an empty one when the key is missing or not an object."""
    return value if isinstance(value, dict) else {}


def text_id_or_none(value: Any) -> str | None:
    """An id as text, or None where it is missing or unusable (a float): for ids that only link, whose
    message is judged where it is itself read."""
    try:
        return text_id(value)
    except ValueError:
        return None
