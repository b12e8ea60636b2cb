"""Mastodon API response bodies (FORMATS.md §9): a list of Statuses, a list of Notifications, or a context
``{ancestors, descendants}``, told apart by their shape; any other body is rejected whole.

Identities (CONTRACT.md §7): a message is its status ``uri`` (global; the numeric ``id`` is unique per server
only), an author and a mention ``name@server`` (:mod:`ingestion.social.mastodon_api.content`). A boost (a status
with a ``reblog``) is not a message of its booster: it loads as ``is_retweet`` with the boosted status's uri, and
the boosted status loads as a message of its own author. A ``direct`` status is a message like any other. A
notification without a status (a follow) carries no message and is passed over; so is a status seen twice in one
body (a boosted status also listed itself), so a message id is once per file.

Replies: ``in_reply_to_id`` is an id on the harvesting server, so it is turned into the parent's uri when the parent
is in the same body; either way the row keeps ``status_key`` and ``in_reply_to_key`` (``server/id``), with which
``stg_mastodon_api__messages`` finds a parent loaded from any other body of that server. The harvesting server of a
body is the host of the profile ``url`` of its local accounts (an ``acct`` without ``@server``: a status's author, a
mention, a notification's account); a body without a local account has no keys (its replies resolve within it
only), and one whose local accounts name two hosts is rejected. A root status (not a reply) is its own
``conversation_id``; a reply's thread is left to dbt, which follows the replies up to the root.

A body is read twice: once for the ids, uris and accounts it holds, then for its messages. A small body (up to
``WHOLE_FILE_LIMIT``, nearly all) is parsed once, whole, and both readings walk it in memory; a bigger or unusual one
is streamed each time, and every rejection of a body is the stream's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ingestion.framework import FileRejected, Parsed, Record
from ingestion.social.json_input import items_at, rejected, stream_items, top_level_keys, whole_value
from ingestion.social.mastodon_api.content import account_address, host, html_text, is_local, parse_time
from ingestion.social.messages import MESSAGE_COLUMNS, citizen_key_bytes, message, text_id

SOURCE_SYSTEM = "mastodon_api"
#: The raw table the parser loads into.
TABLE = "mastodon_api_messages"
#: The message schema, and the server-local keys with which dbt staging finds a parent in another body.
COLUMNS: dict[str, str] = MESSAGE_COLUMNS | {
    "status_key": "VARCHAR",  # <harvesting server>/<status id>
    "in_reply_to_key": "VARCHAR",  # <harvesting server>/<in_reply_to_id>
}
STATUSES, NOTIFICATIONS, CONTEXT = "statuses", "notifications", "context"


@dataclass
class _Body:
    """What the first reading learns of a body: its server and, per local id, the status uri and account; and the
    citizen key, read once per body."""

    key: bytes = b""
    server: str | None = None
    uris: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)

    def learn_account(self, account: Any) -> None:
        if not isinstance(account, dict):
            return
        if is_local(account) and (server := host(account.get("url"))):
            if self.server is None:
                self.server = server
            elif self.server != server:
                raise FileRejected(f"local accounts on two servers ({self.server}, {server}): not one harvest",
                                   "accounts")
        local_id, address = _local_id(account.get("id")), account_address(account)
        if local_id and address:
            self.accounts.setdefault(local_id, address)

    def learn(self, status: Any) -> None:
        if not isinstance(status, dict):
            return
        self.learn_account(status.get("account"))
        for mention in status.get("mentions") or []:
            self.learn_account(mention)
        local_id, uri = _local_id(status.get("id")), status.get("uri")
        if local_id and isinstance(uri, str) and uri:
            self.uris.setdefault(local_id, uri)
        if isinstance(status.get("reblog"), dict):
            self.learn(status["reblog"])


def _local_id(value: Any) -> str | None:
    """A server-local id as text; None where it is unusable (its status is then judged in the second reading)."""
    try:
        return text_id(value)
    except ValueError:
        return None


def parse(path: Path) -> Iterator[Parsed]:
    """Messages of one Mastodon API body."""
    whole = whole_value(path)
    kind = _kind(path) if whole is None else _kind_of(whole)
    body = _Body(key=citizen_key_bytes())
    for _position, item in _items(path, kind, whole):
        if kind == NOTIFICATIONS and isinstance(item, dict):
            body.learn_account(item.get("account"))
            body.learn(item.get("status"))
        else:
            body.learn(item)
    seen: set[str] = set()
    for position, item in _items(path, kind, whole):
        if kind == NOTIFICATIONS:
            if not isinstance(item, dict) or "type" not in item:
                yield rejected(position, "element is not a notification", item)
                continue
            status = item.get("status")
            if status is None:
                continue  # a follow, a poll's end without a status: no message
            yield from _status_messages(status, f"{position}.status", body, seen)
        else:
            yield from _status_messages(item, position, body, seen)


def _kind(path: Path) -> str:
    """Which of the three bodies a file is, from its shape: its first byte, and the keys of its object or of its
    list's first element. Anything else is rejected; the reason says where, never what the file says."""
    with path.open("rb") as handle:
        first = _first_byte(handle)
    if first == b"{":
        with path.open("rb") as handle:
            return _kind_of_object(top_level_keys(handle))
    if first != b"[":
        raise FileRejected("not a Mastodon API body: neither a JSON list nor an object", "start")
    with path.open("rb") as handle:
        return _kind_of_list(next(iter(stream_items(handle, "item")), None))


def _kind_of(body: dict[str, Any] | list[Any]) -> str:
    """:func:`_kind` of a body parsed whole."""
    if isinstance(body, dict):
        return _kind_of_object(set(body))
    return _kind_of_list(body[0] if body else None)


def _kind_of_object(keys: set[str]) -> str:
    """The kind of an object body, from its top-level keys: only a context is one."""
    if keys & {"ancestors", "descendants"}:
        return CONTEXT
    if "error" in keys:
        raise FileRejected("Mastodon API error object, not a body of statuses (see its 'error')", "error")
    raise FileRejected(f"not a Mastodon API body: an object with {len(keys)} key(s) but no ancestors or "
                       "descendants (a context)", "top level")


def _kind_of_list(head: Any) -> str:
    """The kind of a list body, from its first element (None: empty, or a null first element)."""
    if head is None:
        return STATUSES  # an empty page
    if isinstance(head, dict) and "uri" in head and "content" in head:
        return STATUSES
    if isinstance(head, dict) and "type" in head and "uri" not in head:
        return NOTIFICATIONS
    raise FileRejected("not a Mastodon API body: a list whose first element is neither a status (uri, content) "
                       "nor a notification (type)", "[0]")


def _first_byte(handle: IO[bytes]) -> bytes:
    while chunk := handle.read(4096):
        stripped = chunk.lstrip(b" \t\r\n").removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
        if stripped:
            return stripped[:1]
    return b""


def _items(path: Path, kind: str, whole: dict[str, Any] | list[Any] | None) -> Iterator[tuple[str, Any]]:
    """The body's elements with their positions: from the body parsed whole, else streamed."""
    if whole is not None:
        for part in ("ancestors", "descendants") if kind == CONTEXT else ("",):
            name = f"{part}." if part else ""
            for index, item in enumerate(items_at(whole, f"{name}item")):
                yield f"{part}[{index}]", item
        return
    if kind == CONTEXT:
        for part in ("ancestors", "descendants"):
            with path.open("rb") as handle:
                for index, item in enumerate(stream_items(handle, f"{part}.item")):
                    yield f"{part}[{index}]", item
        return
    with path.open("rb") as handle:
        for index, item in enumerate(stream_items(handle, "item")):
            yield f"[{index}]", item


def _status_messages(status: Any, position: str, body: _Body, seen: set[str]) -> Iterator[Parsed]:
    """A status as a message; a boost also yields the boosted status (once per body)."""
    if not isinstance(status, dict) or "uri" not in status:
        yield rejected(position, "element is not a status", status)
        return
    boosted = status.get("reblog")
    row = _message(status, position, body, boosted)
    if isinstance(row, Record):
        if row.values["message_id"] in seen:
            return
        seen.add(row.values["message_id"])
    yield row
    if isinstance(boosted, dict) and isinstance(row, Record):
        yield from _status_messages(boosted, f"{position}.reblog", body, seen)


def _message(status: dict[str, Any], position: str, body: _Body, boosted: Any) -> Parsed:
    own = {k: v for k, v in status.items() if k != "reblog"}
    try:
        uri = status.get("uri")
        if not isinstance(uri, str) or not uri.strip():
            return rejected(position, "status without uri", own)
        created_at = parse_time(status.get("created_at"))
        local_id = text_id(status.get("id"))
        reply_to = text_id(status.get("in_reply_to_id"))
        reply_account = text_id(status.get("in_reply_to_account_id"))
        author = account_address(status.get("account"))
        if not author:
            return rejected(position, "status without an account address (acct and url)", own)
        if boosted is not None and not (isinstance(boosted, dict) and isinstance(boosted.get("uri"), str)):
            return rejected(position, "reblog is not a status with a uri", own)
        text = html_text(status.get("content"))
        spoiler = status.get("spoiler_text")
    except ValueError as exc:
        return rejected(position, f"unusable status: {exc}", own)
    if spoiler and isinstance(spoiler, str) and spoiler.strip():
        text = f"{spoiler.strip()}\n\n{text}" if text else spoiler.strip()
    mentions = [a for m in status.get("mentions") or [] if (a := account_address(m))]
    return Record(position, message(
        "mastodon", uri, created_at, SOURCE_SYSTEM,
        author_id=author, author_handle=author, text=text,
        in_reply_to_id=body.uris.get(reply_to) if reply_to else None,
        in_reply_to_author_id=body.accounts.get(reply_account) if reply_account else None,
        conversation_id=uri if reply_to is None else None,
        mentions=list(dict.fromkeys(mentions)),
        is_retweet=boosted is not None,
        retweeted_id=boosted["uri"] if isinstance(boosted, dict) else None,
        status_key=f"{body.server}/{local_id}" if body.server and local_id else None,
        in_reply_to_key=f"{body.server}/{reply_to}" if body.server and reply_to else None, key=body.key,
    ))
