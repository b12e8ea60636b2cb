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
from pathlib import Path
from typing import Any

from ingestion.framework import FileRejected, Parsed, Record
from ingestion.social.json_input import items_at, rejected, stream_items, top_level_keys, whole_object
from ingestion.social.messages import message, parse_utc, text_id

SOURCE_SYSTEM = "facebook_graph"
#: The raw table both readers load into.
TABLE = "facebook_graph_messages"
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

