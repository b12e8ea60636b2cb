"""X account archives of municipal accounts: the ZIP as downloaded, or its unzipped folder (one load unit).

The owner comes from ``data/account.js``; tweets from ``tweets.js``, ``tweet.js`` and ``tweets-partN.js``
(found by name anywhere in the archive, so a ZIP with a top folder works too). Each ``.js`` file is one
assignment ``window.YTD.<name>.partN = [ ... ]``: the prefix is checked and skipped, the array is streamed
with ijson, never evaluated. Text is HTML-unescaped. A unit without an account or without tweets is
rejected. Tweets in several parts are not de-duplicated here (that needs memory per tweet); staging
or intermediate models key messages by ``(platform, message_id)``.
"""

from __future__ import annotations

import html
import io
import os
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from ingestion.framework import (
    FileRejected,
    Parsed,
    Record,
    UnpackBudget,
    is_hidden,
    regular_files,
)
from ingestion.social.json_input import rejected, stream_items
from ingestion.social.messages import mentions_in, message, normalise_handle, parse_utc, text_id

SOURCE_SYSTEM = "x_archive"
#: The raw table both readers load into.
TABLE = "x_archive_messages"
TWEETS_FILE = re.compile(r"^tweets?(?:-part\d+)?\.js$")
_JS_PREFIX = re.compile(r"^\s*window\.YTD\.\w+\.part\d+\s*=\s*$")
_TIME = "%a %b %d %H:%M:%S %z %Y"
_PREFIX_LIMIT = 512


def discover(folder: Path) -> Iterator[Path]:
    """Load units: each ``.zip``, each archive folder (whole), and any other file (to be rejected). As
    :func:`ingestion.framework.default_discover`, links are never followed (a linked folder is yielded as itself,
    for the loader to quarantine), and hidden entries and ``.reason`` notes are yielded for the loader to report; so are
    the links and special files inside an archive folder, before the folder, which is read without them."""
    if not folder.is_dir():  # the source's own folder may be a link the operator made; nothing under it is
        return
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    for entry in entries:
        path = Path(entry.path)
        if not entry.is_dir(follow_symlinks=False) or is_hidden(entry.name):
            yield path
        elif _is_archive_folder(path):
            yield from _odd_entries(path)
            yield path
        else:
            yield from discover(path)


def _is_archive_folder(folder: Path) -> bool:
    """An archive folder holds the account or tweets file itself or in its own ``data/`` folder (a real one)."""
    names = [*_file_names(folder), *(_file_names(folder / "data") if (folder / "data").is_dir()
                                     and not (folder / "data").is_symlink() else [])]
    return any(name == "account.js" or TWEETS_FILE.match(name) for name in names)


def _file_names(folder: Path) -> list[str]:
    with os.scandir(folder) as listing:
        return [e.name for e in listing if e.is_file(follow_symlinks=False) and e.name.endswith(".js")]


def _odd_entries(folder: Path) -> Iterator[Path]:
    """The links and special files anywhere in an archive folder (not in its linked folders)."""
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _odd_entries(Path(entry.path))
        elif not entry.is_file(follow_symlinks=False):
            yield Path(entry.path)


def parse(path: Path) -> Iterator[Parsed]:
    """Tweets of one archive (ZIP or folder), each with the archive's owner as author and channel."""
    with open_archive(path) as archive:
        tweet_files, owner = archive_contents(archive)
        for name in tweet_files:
            with archive.open(name) as handle:
                for index, item in enumerate(stream_items(skip_js_prefix(handle, name), "item")):
                    yield _parse_item(item, f"{name}[{index}]", owner)


def archive_contents(archive: _Archive) -> tuple[list[str], dict[str, str | None]]:
    """An archive's tweet files (in name order) and its owner; raises FileRejected without either."""
    names = archive.names()
    tweet_files = sorted(n for n in names if TWEETS_FILE.match(n.rsplit("/", 1)[-1]))
    accounts = [n for n in names if n.rsplit("/", 1)[-1] == "account.js"]
    if not tweet_files:
        raise FileRejected("archive holds no tweets (data/tweets.js, data/tweet.js or tweets-partN.js)")
    if not accounts:
        raise FileRejected("archive holds no data/account.js: its owner is unknown")
    return tweet_files, _owner(archive, accounts[0])


class _Archive:
    """Members of a ZIP or of a folder, by relative POSIX path. A folder's members are its regular files (its
    links are not followed); a ZIP's are read within its :class:`ingestion.framework.UnpackBudget`."""

    def __init__(self, path: Path, zip_file: zipfile.ZipFile | None) -> None:
        self.path, self.zip = path, zip_file
        self.budget = UnpackBudget(path, zip_file.infolist()) if zip_file is not None else None

    def names(self) -> list[str]:
        if self.zip is not None:
            return [i.filename for i in self.zip.infolist() if not i.is_dir()]
        return regular_files(self.path)

    def open(self, name: str) -> IO[bytes]:
        if self.zip is not None and self.budget is not None:
            return self.budget.reader(self.zip.open(name))
        fd = os.open(self.path / name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        return os.fdopen(fd, "rb")


@contextmanager
def open_archive(path: Path) -> Iterator[_Archive]:
    if path.is_dir():
        yield _Archive(path, None)
        return
    if not zipfile.is_zipfile(path):
        if path.suffix.lower() == ".zip":
            raise FileRejected("unreadable ZIP (truncated or not a ZIP file)")
        raise FileRejected("not an X archive: expected a .zip or an unzipped archive folder")
    with zipfile.ZipFile(path) as zip_file:
        yield _Archive(path, zip_file)


def _member(name: str) -> str:
    """A member's name for a reason: printable, at most 100 characters (it is the supplier's text)."""
    printable = "".join(c if c.isprintable() else "?" for c in name)
    return printable if len(printable) <= 100 else printable[:99] + "…"


def skip_js_prefix(handle: IO[bytes], name: str) -> IO[bytes]:
    """The stream positioned at the array after ``window.YTD.x.partN =``, with a trailing ``;`` hidden."""
    head = b""
    while b"[" not in head and len(head) < _PREFIX_LIMIT:
        chunk = handle.read(64)
        if not chunk:
            break
        head += chunk
    prefix, bracket, rest = head.partition(b"[")
    if not bracket or not _JS_PREFIX.match(prefix.decode("utf-8", "replace").lstrip("\ufeff")):
        raise FileRejected(f"{_member(name)}: not an archive data file (expected 'window.YTD.<name>.partN = [')",
                           _member(name))
    return _TrailingSemicolon(b"[" + rest, handle)


class _TrailingSemicolon(io.RawIOBase):
    """A read-only stream of ``head`` then ``tail`` in which a final ``;`` (and whitespace) is dropped."""

    def __init__(self, head: bytes, tail: IO[bytes]) -> None:
        self._pending, self._tail, self._done = head, tail, False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._done and len(self._pending) < 2 * 65536:
            chunk = self._tail.read(65536)
            if not chunk:
                self._done = True
                self._pending = self._pending.rstrip().removesuffix(b";")
            self._pending += chunk
        # Keep a small tail back until the end, so a trailing ';' can still be removed.
        size = min(len(buffer), len(self._pending) - (0 if self._done else 64))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _owner(archive: _Archive, name: str) -> dict[str, str | None]:
    """The archive owner's account id and handle, from ``account.js``."""
    with archive.open(name) as handle:
        items = list(stream_items(skip_js_prefix(handle, name), "item.account"))
    if not items or not isinstance(items[0], dict) or not items[0].get("accountId"):
        raise FileRejected(f"{_member(name)} holds no account with an accountId", _member(name))
    return {"id": text_id(items[0]["accountId"]), "handle": normalise_handle(items[0].get("username"))}


def _parse_item(item: Any, position: str, owner: dict[str, str | None]) -> Parsed:
    tweet = item.get("tweet", item) if isinstance(item, dict) else None
    if not isinstance(tweet, dict):
        return rejected(position, "archive element is not a tweet object", item)
    try:
        tweet_id = text_id(tweet.get("id_str") or tweet.get("id"))
        if not tweet_id:
            return rejected(position, "tweet without id", item)
        created_at: datetime = parse_utc(str(tweet.get("created_at") or ""), _TIME)
    except ValueError as exc:
        return rejected(position, f"unusable tweet: {exc}", item)
    text = html.unescape(tweet.get("full_text") or tweet.get("text") or "")
    mentioned = (tweet.get("entities") or {}).get("user_mentions") or []
    return Record(position, message(
        "x", tweet_id, created_at, SOURCE_SYSTEM,
        author_id=owner["id"], author_handle=owner["handle"], text=text,
        in_reply_to_id=_str_field(tweet, "in_reply_to_status_id"),
        in_reply_to_author_id=_str_field(tweet, "in_reply_to_user_id"),
        mentions=_handles(mentioned) or mentions_in(text),
        is_retweet=text.startswith("RT @") or "retweeted_status" in tweet,
        quoted_id=text_id(tweet.get("quoted_status_id_str")),
        channel_account_id=owner["id"], channel_handle=owner["handle"],
    ))


def _str_field(tweet: dict[str, Any], name: str) -> str | None:
    """An id field of a v1.1-style tweet, preferring its exact ``_str`` twin."""
    return text_id(tweet.get(f"{name}_str") or tweet.get(name))


def _handles(mentioned: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(h for m in mentioned if (h := normalise_handle(m.get("screen_name")))))

