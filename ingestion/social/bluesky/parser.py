"""Bluesky (AT Protocol) API bodies, one response per file (FORMATS.md §11): author feeds, threads, notifications.

A harvester saves each body as it came:

- an author feed ``{cursor, feed: [FeedViewPost]}``: each item's ``post``, and the ``reply.parent`` and
  ``reply.root`` posts it answers (full posts too: a municipality's feed carries the citizens' questions it
  answered). An item with a ``reason`` of ``reasonRepost`` is a repost: not a message of the reposter; the post
  itself is its author's message, read like any other.
- a thread ``{thread: ThreadViewPost}``: the post, its ``parent`` chain and its ``replies``, nested to any depth.
  A ``notFoundPost`` or ``blockedPost`` node (deleted, or hidden from the harvester) has no post to read: what the
  thread has loads, and the missing nodes are counted and logged. They are not errors.
- notifications ``{cursor, notifications: [...]}``: only a ``mention``, ``reply`` or ``quote`` carries a message;
  likes, reposts, follows and the rest are skipped.

Anything else (an XRPC error ``{error, message}``, a body of another endpoint) quarantines the file.

Identities (CONTRACT.md §7): ``message_id`` is the post's ``at://`` uri, the global key, so a post that arrives
through a feed, a thread and a notification is one message (dbt keeps one copy; within one file a post is read
once, at its first place). The author is keyed by DID (handles change, DIDs do not); ``author_handle`` is the
handle lowercased (null for ``handle.invalid``, Bluesky's mark of a handle that no longer verifies). A reply
points at ``record.reply.parent.uri`` (``in_reply_to_id``) in the thread of ``record.reply.root.uri``
(``conversation_id``; a post that replies to nothing is its own thread's root). ``in_reply_to_author_id`` is the
DID in the parent's uri (``at://<did>/app.bsky.feed.post/…``), so a reply to a municipal post that was never
harvested (or is a ``notFoundPost``) is still addressed to that account. ``quoted_id`` is the uri of a quoted post.

Mentions are the ``did`` of each mention facet, not handles: the channel registry keys a Bluesky account by its
DID (``account_id``), and a handle in a post's text is the handle of the day it was written, which may since have
changed. dbt matches a mention that is a DID to the registry's ``account_id`` (``int_messages_deduplicated``).
Facets index bytes of UTF-8, not characters; the DID needs no slicing of the text, so the text is read as it is.

Time (CONTRACT.md §7): ``record.createdAt`` (the client's clock, the moment of writing), unless it lies after
``indexedAt`` (the server's clock, when the AppView first saw the post), then ``indexedAt``: a client clock can be
wrong, and a post cannot have been written after the server had it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import ijson

from ingestion.framework import FileRejected, Parsed, Record, scrub
from ingestion.social.json_input import JsonGuard, items_at, rejected, stream_items, whole_object
from ingestion.social.messages import citizen_key_bytes, message, text_id

SOURCE_SYSTEM = "bluesky"
#: The raw table the parser loads into: the source's name (design of issue [platforms]).
TABLE = "bluesky_messages"
PLATFORM = "bluesky"

#: The notification reasons that carry a message (a post); every other reason is skipped.
MESSAGE_REASONS = frozenset({"mention", "reply", "quote"})
_REPOST = "app.bsky.feed.defs#reasonRepost"
_NOT_FOUND = "app.bsky.feed.defs#notFoundPost"
_BLOCKED = "app.bsky.feed.defs#blockedPost"
_MENTION = "app.bsky.richtext.facet#mention"
_POST_PATH = "/app.bsky.feed.post/"
_INVALID_HANDLE = "handle.invalid"

#: The body kinds by their top-level key, and the JSON type that key must hold.
_KINDS = {"feed": "start_array", "thread": "start_map", "notifications": "start_array"}
_JSON_TYPES = {list: "start_array", dict: "start_map"}

log = logging.getLogger(__name__)


def parse(path: Path) -> Iterator[Parsed]:
    """The messages of one Bluesky API body (feed, thread or notifications)."""
    body = whole_object(path)
    if body is not None:
        kind = _kind({key: _JSON_TYPES.get(type(value), "scalar") for key, value in body.items()})
        yield from _messages(kind, iter(items_at(body, _prefix(kind))), path)
        return
    with path.open("rb") as handle:
        kind = _kind(_top_level_types(handle))
    with path.open("rb") as handle:
        yield from _messages(kind, stream_items(handle, _prefix(kind)), path)


def _prefix(kind: str) -> str:
    return "thread" if kind == "thread" else f"{kind}.item"


def _kind(types: dict[str, str]) -> str:
    """Which body this is, from its top-level keys and their JSON types; FileRejected when it is none of the three.
    The reason names keys and types only, never what the file says (docs/security.md)."""
    kinds = [key for key in _KINDS if key in types]
    if len(kinds) == 1 and types[kinds[0]] == _KINDS[kinds[0]]:
        return kinds[0]
    if len(kinds) == 1:
        expected = "an array" if _KINDS[kinds[0]] == "start_array" else "an object"
        raise FileRejected(f"not a Bluesky {kinds[0]} body: '{kinds[0]}' is not {expected}", kinds[0])
    if len(kinds) > 1:
        raise FileRejected(f"not one Bluesky body: it has {' and '.join(repr(k) for k in kinds)}", "top level")
    if "error" in types:
        raise FileRejected("Bluesky API error object (see its error and message)", "error")
    raise FileRejected(f"not a Bluesky feed, thread or notifications body: none of 'feed', 'thread' or "
                       f"'notifications' among its {len(types)} top-level key(s)", "top level")


def _top_level_types(handle: IO[bytes]) -> dict[str, str]:
    """Stream a whole file within the JSON limits: its top-level keys and the JSON type of each value."""
    types: dict[str, str] = {}
    key: str | None = None
    try:
        for prefix, event, value in ijson.parse(JsonGuard().reader(handle), use_float=False):
            if prefix == "" and event == "map_key":
                key = value
            elif key is not None and prefix == key and event != "map_key":
                types.setdefault(key, event if event in ("start_array", "start_map") else "scalar")
                key = None
            elif prefix == "" and event == "start_array":
                raise FileRejected("JSON is an array, expected an object", "start")
    except ijson.JSONError as exc:
        detail = exc.args[0] if exc.args else ""
        detail = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
        raise FileRejected(f"invalid or truncated JSON: {scrub(detail) or type(exc).__name__}",
                           f"near byte {handle.tell()}") from exc
    return types


def _messages(kind: str, items: Iterator[Any], path: Path) -> Iterator[Parsed]:
    """Each post of the body once (its first place in the file), and a log line of the nodes that had none."""
    reader = _Body()
    if kind == "feed":
        for index, item in enumerate(items):
            yield from reader.feed_item(item, f"feed[{index}]")
    elif kind == "notifications":
        for index, item in enumerate(items):
            yield from reader.notification(item, f"notifications[{index}]")
    else:
        for thread in items:
            yield from reader.thread(thread)
    if reader.not_found or reader.blocked:
        log.info("%s: %d post(s) not found and %d blocked in the body; the rest loads",
                 path.name, reader.not_found, reader.blocked)


class _Body:
    """What one body has given so far: the uris read (a post is read once per file) and the missing nodes."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.not_found = 0
        self.blocked = 0
        self.key = citizen_key_bytes()  # once per body, not per post

    def feed_item(self, item: Any, position: str) -> Iterator[Parsed]:
        """A FeedViewPost: its post (also when reposted: the post stays its author's), then the posts it replies to."""
        if not isinstance(item, dict):
            yield rejected(position, "feed item is not an object", item)
            return
        if item.get("post") is None:
            yield rejected(position, "feed item without a post", item)
            return
        yield from self.node(item["post"], f"{position}.post", required=True)
        reply = item.get("reply")
        if isinstance(reply, dict):
            yield from self.node(reply.get("parent"), f"{position}.reply.parent")
            yield from self.node(reply.get("root"), f"{position}.reply.root")

    def notification(self, item: Any, position: str) -> Iterator[Parsed]:
        """A notification: a message only for a mention, reply or quote (its own uri, author and record)."""
        if not isinstance(item, dict):
            yield rejected(position, "notification is not an object", item)
        elif item.get("reason") in MESSAGE_REASONS:
            yield from self.node(item, position, required=True)

    def thread(self, root: Any) -> Iterator[Parsed]:
        """A ThreadViewPost: the post, its parents up to the root, its replies down to any depth (walked without
        recursion; JsonGuard already bounds the depth)."""
        if not isinstance(root, dict):
            yield rejected("thread", "thread is not an object", root)
            return
        parent, position = root.get("parent"), "thread.parent"
        yield from self.node(root, "thread", required=True)
        while isinstance(parent, dict) and _is_post_node(parent):
            yield from self.node(parent, position, required=True)
            parent, position = parent.get("parent"), f"{position}.parent"
        if parent is not None:
            yield from self.node(parent, position)
        stack = _replies(root, "thread")
        while stack:  # depth first, in the order the replies come
            reply, here = stack.pop()
            yield from self.node(reply, here, required=True)
            if isinstance(reply, dict) and _is_post_node(reply):
                stack.extend(_replies(reply, here))

    def node(self, node: Any, position: str, required: bool = False) -> Iterator[Parsed]:
        """One PostView, ThreadViewPost (its ``post``) or notification; a missing node is counted, not read. A
        node that is none of these is rejected where a post is required (a feed item's post, a thread's nodes),
        else skipped (an absent ``reply.root``)."""
        if node is None and not required:
            return
        if not isinstance(node, dict):
            yield rejected(position, "post is not an object", node)
            return
        kind = node.get("$type")
        if kind == _NOT_FOUND or node.get("notFound") is True:
            self.not_found += 1
            return
        if kind == _BLOCKED or node.get("blocked") is True:
            self.blocked += 1
            return
        post = node.get("post") if _is_thread_node(node) else node
        if not isinstance(post, dict):
            yield rejected(position, "thread node without a post", _without_nesting(node))
            return
        if _is_thread_node(node):
            position = f"{position}.post"
        uri = post.get("uri")
        if isinstance(uri, str) and uri in self.seen:
            return
        parsed = _post_message(post, position, self.key)
        if isinstance(parsed, Record):
            self.seen.add(uri)
        yield parsed


def _replies(node: dict[str, Any], position: str) -> list[tuple[Any, str]]:
    """A thread node's replies with their positions, last first (a stack pops the first reply first)."""
    replies = node.get("replies")
    if not isinstance(replies, list):
        return []
    return [(reply, f"{position}.replies[{index}]") for index, reply in reversed(list(enumerate(replies)))]


def _is_thread_node(node: dict[str, Any]) -> bool:
    """A ThreadViewPost wraps its PostView under ``post``; a PostView or notification has the uri itself."""
    return "post" in node and "uri" not in node


def _is_post_node(node: dict[str, Any]) -> bool:
    return node.get("$type") not in (_NOT_FOUND, _BLOCKED) and not node.get("notFound") and not node.get("blocked")


def _without_nesting(node: dict[str, Any]) -> dict[str, Any]:
    """A node without its parent and replies, which are judged on their own (kept out of a rejected row)."""
    return {k: v for k, v in node.items() if k not in ("parent", "replies")}


def _post_message(post: dict[str, Any], position: str, key: bytes | None = None) -> Parsed:
    """A PostView (or a notification, which has the same fields) as a message row."""
    uri = post.get("uri")
    if not isinstance(uri, str) or not uri.startswith("at://") or _POST_PATH not in uri:
        return rejected(position, "post without an at:// post uri", post)
    author = post.get("author")
    record = post.get("record")
    if not isinstance(author, dict) or not isinstance(author.get("did"), str) or not author["did"]:
        return rejected(position, "post without an author DID", post)
    if not isinstance(record, dict):
        return rejected(position, "post without a record", post)
    try:
        created_at = _posted_at(record.get("createdAt"), post.get("indexedAt"))
        text = record.get("text")
        if text is not None and not isinstance(text, str):
            raise ValueError("record.text is not text")
        parent, root = _reply_refs(record.get("reply"))
        mentions = _mentioned_dids(record.get("facets"))
        quoted = _quoted_uri(record.get("embed"))
    except ValueError as exc:
        return rejected(position, f"unusable post: {exc}", post)
    handle = author.get("handle") if isinstance(author.get("handle"), str) else None
    return Record(position, message(
        PLATFORM, uri, created_at, SOURCE_SYSTEM,
        author_id=author["did"],
        author_handle=None if (handle or "").lower() == _INVALID_HANDLE else handle,
        text=text, in_reply_to_id=parent, in_reply_to_author_id=_did_of(parent),
        conversation_id=root or uri, mentions=mentions, quoted_id=quoted, key=key,
    ))


def _posted_at(created: Any, indexed: Any) -> datetime:
    """``createdAt``, unless it lies after ``indexedAt``: then ``indexedAt`` (CONTRACT.md §7)."""
    created_at = _instant(created, "record.createdAt")
    indexed_at = _instant(indexed, "indexedAt")
    return indexed_at if created_at > indexed_at else created_at


def _instant(value: Any, name: str) -> datetime:
    """An AT Protocol datetime (RFC 3339 with an offset or ``Z``, any fraction of a second) as an aware UTC
    datetime. Without an offset the instant is unknown: refused."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} missing")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{name} {value[:40]!r} is not a date and time") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{name} {value[:40]!r} has no UTC offset")
    return parsed.astimezone(UTC)


def _reply_refs(reply: Any) -> tuple[str | None, str | None]:
    """The uris of the post replied to and of its thread's root (``record.reply``); both or neither."""
    if reply is None:
        return None, None
    if not isinstance(reply, dict):
        raise ValueError("record.reply is not an object")
    parent, root = (_ref_uri(reply.get(part), f"record.reply.{part}") for part in ("parent", "root"))
    return parent, root


def _ref_uri(ref: Any, name: str) -> str:
    uri = ref.get("uri") if isinstance(ref, dict) else None
    if not isinstance(uri, str) or not uri.startswith("at://"):
        raise ValueError(f"{name} has no at:// uri")
    return uri


def _did_of(uri: str | None) -> str | None:
    """The DID in an ``at://`` uri's authority (None when the authority is a handle)."""
    authority = uri[len("at://"):].split("/", 1)[0] if uri else ""
    return authority if authority.startswith("did:") else None


def _mentioned_dids(facets: Any) -> list[str]:
    """The DIDs of the mention facets, in order, without duplicates."""
    if facets is None:
        return []
    if not isinstance(facets, list):
        raise ValueError("record.facets is not an array")
    dids: list[str] = []
    for facet in facets:
        features = facet.get("features") if isinstance(facet, dict) else None
        for feature in features if isinstance(features, list) else []:
            if isinstance(feature, dict) and feature.get("$type") == _MENTION:
                did = text_id(feature.get("did"))
                if did and did.startswith("did:") and did not in dids:
                    dids.append(did)
    return dids


def _quoted_uri(embed: Any) -> str | None:
    """The uri of a quoted post (``app.bsky.embed.record``, or the record of ``recordWithMedia``)."""
    if not isinstance(embed, dict):
        return None
    quoted = embed.get("record")
    if isinstance(quoted, dict) and isinstance(quoted.get("record"), dict):  # recordWithMedia: {record: {record}}
        quoted = quoted["record"]
    uri = quoted.get("uri") if isinstance(quoted, dict) else None
    return uri if isinstance(uri, str) and _POST_PATH in uri else None
