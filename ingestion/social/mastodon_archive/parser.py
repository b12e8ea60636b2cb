"""Mastodon account archives (FORMATS.md §10): the ``.tar.gz`` an account owner requests, with ``outbox.json`` (the
account's own activities) and ``actor.json`` (the account).

The owner is ``preferredUsername`` on the host of the actor's ``id`` (``name@server``, CONTRACT.md §7): author and
channel of every message. A ``Create`` of a Note is a message with the Note's ``id`` as message id (the uri the API
gives the same status, so one message whichever way it came); its ``inReplyTo`` is already a uri. An ``Announce``
(a boost) whose object is a URI loads as ``is_retweet`` with that URI, not as a message of the owner; one whose
object is not a URI is rejected as a row, as is any other activity. HTML content is read as text; HTML that does not
parse rejects the row.

The archive is never unpacked to disk. It is read as a stream twice (the members can come in any order): once for
its member names, the owner and the presence of ``outbox.json``, then to stream ``orderedItems`` with ijson. Every
byte decompressed counts against an :class:`ingestion.framework.UnpackBudget`, as do the sizes the tar headers
declare; only regular members are read (a link is never followed), and an archive with a member whose path leaves
it (absolute, or with ``..``) is rejected whole.
"""

from __future__ import annotations

import gzip
import tarfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from ingestion.framework import FileRejected, Parsed, Record, UnpackBudget
from ingestion.social.json_input import rejected, stream_items
from ingestion.social.mastodon_api.content import address, host, html_text, is_uri, parse_time
from ingestion.social.messages import MESSAGE_COLUMNS, message

SOURCE_SYSTEM = "mastodon_archive"
#: The raw table the parser loads into.
TABLE = "mastodon_archive_messages"
COLUMNS = MESSAGE_COLUMNS
OUTBOX, ACTOR = "outbox.json", "actor.json"
_NOTES = frozenset({"Note", "Question"})  # a poll is a Note with options


def parse(path: Path) -> Iterator[Parsed]:
    """The owner's messages and boosts of one archive."""
    owner = _survey(path)
    seen: set[str] = set()
    with _tar(path) as members:
        for member, tar in members:
            if PurePosixPath(member.name).name != OUTBOX:
                continue
            handle = tar.extractfile(member)
            if handle is None:
                raise FileRejected(f"{OUTBOX} cannot be read", OUTBOX)
            for index, activity in enumerate(stream_items(handle, "orderedItems.item")):
                row = _activity(activity, f"{OUTBOX}[{index}]", owner)
                if isinstance(row, Record):
                    if row.values["message_id"] in seen:
                        continue
                    seen.add(row.values["message_id"])
                yield row
            return


def _survey(path: Path) -> str:
    """The first reading: the archive is sound, holds one regular ``outbox.json``, and its owner's address."""
    outboxes, owner = 0, None
    with _tar(path) as members:
        for member, tar in members:
            name = PurePosixPath(member.name).name
            if name not in (OUTBOX, ACTOR):
                continue
            if not member.isfile():
                raise FileRejected(f"{name} is not a regular file (a link is not followed)", name)
            if name == OUTBOX:
                outboxes += 1
            elif owner is None and (handle := tar.extractfile(member)) is not None:
                owner = _owner(next(iter(stream_items(handle, "")), None))
    if outboxes == 0:
        raise FileRejected(f"archive holds no {OUTBOX}: no activities to read")
    if outboxes > 1:
        raise FileRejected(f"archive holds {outboxes} files named {OUTBOX}")
    if owner is None:
        raise FileRejected(f"archive holds no {ACTOR} with preferredUsername and id: its owner is unknown", ACTOR)
    return owner


def _owner(actor: Any) -> str | None:
    if not isinstance(actor, dict):
        return None
    return address(actor.get("preferredUsername"), host(actor.get("id")) or host(actor.get("url")))


@contextmanager
def _tar(path: Path) -> Iterator[Iterator[tuple[tarfile.TarInfo, tarfile.TarFile]]]:
    """The archive's members in stream order, within its unpack budget; a broken archive is a FileRejected."""
    with path.open("rb") as raw:
        if raw.read(2) != b"\x1f\x8b":
            raise FileRejected("not a Mastodon archive: expected a .tar.gz")
        raw.seek(0)
        budget = UnpackBudget(path, [], kind=".tar.gz")
        try:
            with gzip.GzipFile(fileobj=raw) as unzipped, \
                    tarfile.open(fileobj=budget.reader(unzipped), mode="r|") as tar:  # type: ignore[arg-type]
                yield _members(tar, budget)
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise FileRejected(f"unreadable .tar.gz (truncated or not a tar archive: {type(exc).__name__})") from exc


def _members(tar: tarfile.TarFile, budget: UnpackBudget) -> Iterator[tuple[tarfile.TarInfo, tarfile.TarFile]]:
    declared = 0
    for member in tar:
        parts = PurePosixPath(member.name).parts
        if member.name.startswith("/") or ".." in parts:
            raise FileRejected("a member's path leaves the archive (absolute or with '..')")
        declared += member.size
        budget.check(declared, "declared in its headers")
        yield member, tar


def _activity(activity: Any, position: str, owner: str) -> Parsed:
    if not isinstance(activity, dict):
        return rejected(position, "activity is not an object", activity)
    kind = activity.get("type")
    try:
        if kind == "Announce":
            return _boost(activity, position, owner)
        if kind == "Create":
            return _note(activity, position, owner)
    except ValueError as exc:
        return rejected(position, f"unusable {kind}: {exc}", activity)
    return rejected(position, f"activity of type {kind!r} is not read (Create and Announce are)", activity)


def _boost(activity: dict[str, Any], position: str, owner: str) -> Parsed:
    boosted, activity_id = activity.get("object"), activity.get("id")
    if not is_uri(boosted):
        return rejected(position, "Announce whose object is not a URI", activity)
    if not is_uri(activity_id):
        return rejected(position, "Announce without a URI id", activity)
    return Record(position, message(
        "mastodon", activity_id, parse_time(activity.get("published")), SOURCE_SYSTEM,
        author_id=owner, author_handle=owner, conversation_id=activity_id, is_retweet=True, retweeted_id=boosted,
        channel_account_id=owner, channel_handle=owner,
    ))


def _note(activity: dict[str, Any], position: str, owner: str) -> Parsed:
    note = activity.get("object")
    if not isinstance(note, dict) or note.get("type") not in _NOTES:
        return rejected(position, "Create whose object is not a Note", activity)
    note_id, reply_to = note.get("id"), note.get("inReplyTo")
    if not is_uri(note_id):
        return rejected(position, "Note without a URI id", activity)
    if reply_to is not None and not is_uri(reply_to):
        return rejected(position, "Note whose inReplyTo is not a URI", activity)
    text = html_text(note.get("content"))
    summary = note.get("summary")
    if isinstance(summary, str) and summary.strip():
        text = f"{summary.strip()}\n\n{text}" if text else summary.strip()
    tags = note.get("tag") if isinstance(note.get("tag"), list) else []
    mentions = [a for t in tags if isinstance(t, dict) and t.get("type") == "Mention"
                and (a := address(t.get("name"), host(t.get("href"))))]
    return Record(position, message(
        "mastodon", note_id, parse_time(note.get("published") or activity.get("published")), SOURCE_SYSTEM,
        author_id=owner, author_handle=owner, text=text, in_reply_to_id=reply_to,
        conversation_id=note_id if reply_to is None else None, mentions=list(dict.fromkeys(mentions)),
        channel_account_id=owner, channel_handle=owner,
    ))
