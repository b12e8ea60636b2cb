"""Streaming writers for each landing source: each holds at most one page (or row) in memory."""

from __future__ import annotations

import csv
import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path
from typing import Any

from demo import recent_formats
from demo.messages import Account, Msg, facebook_post, hash_text, tweet_archive, tweet_v2, user_v2
from demo.timing import local_text

#: Fixed entry time inside generated ZIPs, so the same seed gives the same bytes.
ZIP_TIME = (2024, 11, 5, 10, 12, 0)
#: Fixed member time inside generated Mastodon archives (epoch seconds: 2026-01-05 10:12 UTC).
ARCHIVE_TIME = 1_767_607_920


def dump_json(path: Path, payload: object) -> None:
    """Write one JSON document (compact, as the APIs send it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


class PagedSink:
    """Pages of an API listing, one file per page; a page learns its ``next`` link when the next one starts."""

    def __init__(self, folder: Path, stem: str, page_size: int) -> None:
        self.folder, self.stem, self.page_size = folder, stem, page_size
        self.items: list[Any] = []
        self.pending: list[Any] | None = None
        self.pages = 0

    def add(self, item: Any) -> None:
        self.items.append(item)
        if len(self.items) >= self.page_size:
            self._rotate()

    def _rotate(self) -> None:
        if self.pending is not None:
            self._write(self.pending, last=False)
        self.pending, self.items = self.items, []

    def close(self) -> None:
        if self.items:
            self._rotate()
        if self.pending is not None:
            self._write(self.pending, last=True)
            self.pending = None

    def _write(self, items: list[Any], last: bool) -> None:
        self.pages += 1
        token = format(hash_text(f"{self.folder.name}/{self.stem}/{self.pages}"), "x")
        dump_json(self.folder / f"{self.stem}-{self.pages:04d}.json", self.render(items, None if last else token))

    def render(self, items: list[Any], next_token: str | None) -> object:
        raise NotImplementedError


class XPages(PagedSink):
    """X API v2 pages (``{data, includes, meta}``) of one account's mentions, timeline or conversations."""

    def __init__(self, folder: Path, stem: str, channel_accounts: dict[str, Account]) -> None:
        super().__init__(folder, stem, 100)
        self.channel_accounts = channel_accounts

    def render(self, items: list[Msg], next_token: str | None) -> object:
        users: dict[str, dict[str, str]] = {}
        referenced: dict[str, dict[str, object]] = {}
        for msg in items:
            users.setdefault(msg.author.id, user_v2(msg.author))
            for other in (msg.reply_to, msg.retweet_of):
                if other is not None:
                    users.setdefault(other.author.id, user_v2(other.author))
                    referenced.setdefault(other.id, tweet_v2(other, self.channel_accounts))
        meta: dict[str, object] = {"newest_id": items[-1].id, "oldest_id": items[0].id, "result_count": len(items)}
        if next_token:
            meta["next_token"] = next_token
        includes: dict[str, object] = {"users": list(users.values())}
        if referenced:
            includes["tweets"] = list(referenced.values())
        return {"data": [tweet_v2(m, self.channel_accounts) for m in items], "includes": includes, "meta": meta}


class FacebookPages(PagedSink):
    """Graph API feed pages (``{data, paging}``) of one page, 25 posts each, comments nested."""

    def __init__(self, folder: Path, stem: str, page_id: str) -> None:
        super().__init__(folder, stem, 25)
        self.page_id = page_id

    def render(self, items: list[Msg], next_token: str | None) -> object:
        token = next_token or format(hash_text(self.stem + str(self.pages)), "x")
        paging: dict[str, object] = {"cursors": {"before": f"QVFIUk{token[:6]}", "after": f"QVFIUk{token[-6:]}"}}
        if next_token:
            paging["next"] = (f"https://graph.facebook.com/v19.0/{self.page_id}/feed?limit=25&after=QVFIUk"
                              f"{token[-6:]}")
        return {"data": [facebook_post(m, self.page_id) for m in items], "paging": paging}


class ArchiveZip:
    """An X account archive ZIP, streamed: ``data/account.js`` then ``data/tweets.js`` (and parts)."""

    PART_SIZE = 2500

    def __init__(self, path: Path, owner: Account, created_at: str, tool: str,
                 channel_accounts: dict[str, Account]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        self.channel_accounts, self.tool = channel_accounts, tool
        account = [{"account": {"email": f"webcare@{owner.handle.lower()}.example", "createdVia": "web",
                                "username": owner.handle, "accountId": owner.id, "createdAt": created_at,
                                "accountDisplayName": owner.name}}]
        self._entry("data/account.js").write(
            ("window.YTD.account.part0 = " + json.dumps(account, indent=2, ensure_ascii=False)).encode())
        self.part, self.count, self.handle = -1, 0, None

    def _entry(self, name: str) -> io.BufferedIOBase:
        info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return self.zip.open(info, "w", force_zip64=True)  # type: ignore[return-value]

    def add(self, msg: Msg) -> None:
        if self.handle is None or self.count >= self.PART_SIZE:
            self._close_part()
            self.part += 1
            name = "data/tweets.js" if self.part == 0 else f"data/tweets-part{self.part}.js"
            self.handle = self._entry(name)
            self.handle.write(f"window.YTD.tweets.part{self.part} = [".encode())
            self.count = 0
        element = json.dumps(tweet_archive(msg, self.channel_accounts, self.tool), indent=2, ensure_ascii=False)
        self.handle.write(((",\n" if self.count else "\n") + element).encode())
        self.count += 1

    def _close_part(self) -> None:
        if self.handle is not None:
            self.handle.write(b"\n]")
            self.handle.close()
            self.handle = None

    def close(self) -> None:
        if self.part < 0:
            self.handle = self._entry("data/tweets.js")
            self.handle.write(b"window.YTD.tweets.part0 = [")
        self._close_part()
        self.zip.close()


WEBCARE_COLUMNS = ("bericht_id", "datum", "kanaal", "account", "auteur", "richting", "in_antwoord_op", "tekst")


class WebcareCsv:
    """A webcare-tool export: ``;``-separated, local ``dd-mm-jjjj hh:mm`` times, Excel line ends."""

    def __init__(self, path: Path, encoding: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.encoding = encoding
        self.file = path.open("w", encoding=encoding, newline="")
        self.writer = csv.writer(self.file, delimiter=";", lineterminator="\r\n")
        self.writer.writerow(WEBCARE_COLUMNS)

    def add(self, msg: Msg, kanaal: str, account: str, inbound: bool) -> None:
        author = msg.author.handle if msg.platform != "facebook" or msg.author.is_channel else msg.author.name
        text = msg.text.encode(self.encoding, "ignore").decode(self.encoding)
        parent = msg.reply_to.id if msg.reply_to is not None else ""
        self.writer.writerow([msg.id, local_text(msg.ts), kanaal, account, author,
                              "inkomend" if inbound else "uitgaand", parent, text])

    def close(self) -> None:
        self.file.close()


class MastodonPages(PagedSink):
    """Mastodon API bodies (§9) of one account: ``statuses`` (own statuses) or ``notifications`` (mentions),
    each a JSON array of up to 40 (paging is in the ``Link`` header, so the body is just the list)."""

    def __init__(self, folder: Path, stem: str, channel: Account) -> None:
        super().__init__(folder, stem, 40)
        self.channel = channel

    def render(self, items: list[Msg], next_token: str | None) -> object:
        out = []
        for msg in reversed(items):  # the API answers newest first
            mentioned = recent_formats.addressee(msg, self.channel)
            shown = recent_formats.visibility(msg)
            if self.stem == "notifications":
                out.append(recent_formats.mention_notification(msg, mentioned, shown))
            else:
                out.append(recent_formats.mastodon_status(msg, None if msg.retweet_of else mentioned, shown))
        return out


def mastodon_context(question: Msg, channel: Account) -> dict[str, object]:
    """``GET /api/v1/statuses/:id/context`` of a question: the statuses above it and every reply below it."""
    ancestors, above = [], question.reply_to
    while above is not None:
        ancestors.insert(0, above)
        above = above.reply_to
    descendants, stack = [], sorted(question.comments, key=lambda m: (m.ts, m.id), reverse=True)
    while stack:
        msg = stack.pop()
        descendants.append(msg)
        stack.extend(sorted(msg.comments, key=lambda m: (m.ts, m.id), reverse=True))

    def status(msg: Msg) -> dict[str, object]:
        return recent_formats.mastodon_status(msg, recent_formats.addressee(msg, channel),
                                              recent_formats.visibility(msg))

    return {"ancestors": [status(m) for m in ancestors], "descendants": [status(m) for m in descendants]}


class MastodonArchive:
    """A Mastodon account archive (§10), ``.tar.gz`` with ``outbox.json``, ``actor.json``, ``likes.json`` and
    ``bookmarks.json``. The outbox streams to a scratch file first (a tar member needs its size up front)."""

    def __init__(self, path: Path, owner: Account) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.owner = path, owner
        self.scratch = path.with_name(path.name + ".outbox.part")
        self.file = self.scratch.open("w", encoding="utf-8")
        self.count = 0
        head = {"@context": "https://www.w3.org/ns/activitystreams", "id": "outbox.json",
                "type": "OrderedCollection"}
        self.file.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "orderedItems": [')

    def add(self, msg: Msg) -> None:
        mentioned = recent_formats.addressee(msg, self.owner)
        activity = recent_formats.outbox_activity(msg, None if msg.retweet_of else mentioned,
                                                  recent_formats.visibility(msg))
        self.file.write(("," if self.count else "") + "\n" + json.dumps(activity, ensure_ascii=False))
        self.count += 1

    def close(self) -> None:
        self.file.write(f'\n], "totalItems": {self.count}}}')
        self.file.close()
        members = [("actor.json", json.dumps(recent_formats.actor_document(self.owner), ensure_ascii=False,
                                             indent=2).encode()),
                   ("likes.json", json.dumps({"@context": "https://www.w3.org/ns/activitystreams", "id": "likes.json",
                                              "type": "OrderedCollection", "orderedItems": []}).encode()),
                   ("bookmarks.json", json.dumps({"@context": "https://www.w3.org/ns/activitystreams",
                                                  "id": "bookmarks.json", "type": "OrderedCollection",
                                                  "orderedItems": []}).encode())]
        with self.path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as packed, \
                tarfile.open(fileobj=packed, mode="w", format=tarfile.PAX_FORMAT) as tar:
            info = self._info("outbox.json", self.scratch.stat().st_size)
            with self.scratch.open("rb") as outbox:
                tar.addfile(info, outbox)
            for name, data in members:
                tar.addfile(self._info(name, len(data)), io.BytesIO(data))
        self.scratch.unlink()

    @staticmethod
    def _info(name: str, size: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, ARCHIVE_TIME, 0o644
        return info


class BlueskyPages(PagedSink):
    """Bluesky bodies (§11) of one account: ``author-feed`` pages (``{cursor, feed}``) or ``notifications`` pages
    (``{cursor, notifications}``), 50 items each; the last page has no cursor."""

    def __init__(self, folder: Path, stem: str, channel: Account) -> None:
        super().__init__(folder, stem, 50)
        self.channel = channel

    def render(self, items: list[Any], next_token: str | None) -> object:
        out = []
        for item in reversed(items):  # newest first
            if isinstance(item, dict):  # a like notification, already rendered
                out.append(item)
            elif self.stem == "notifications":
                out.append(recent_formats.notification(item, recent_formats.addressee(item, self.channel),
                                                       self.channel))
            else:
                out.append(recent_formats.feed_view(item, recent_formats.addressee(item, self.channel),
                                                    self.channel))
        body: dict[str, object] = {}
        if next_token:
            body["cursor"] = next_token
        body["feed" if self.stem == "author-feed" else "notifications"] = out
        return body


def bluesky_thread(root: Msg, channel: Account, deleted: Msg | None) -> dict[str, object]:
    """``getPostThread`` of a root post: nested ThreadViewPosts; ``deleted`` is a reply to the root deleted since
    (a ``notFoundPost``, not a message)."""

    def node(msg: Msg) -> dict[str, object]:
        return {"$type": "app.bsky.feed.defs#threadViewPost",
                "post": recent_formats.post_view(msg, recent_formats.addressee(msg, channel)),
                "replies": [node(c) for c in sorted(msg.comments, key=lambda m: (m.ts, m.id))]}

    thread = node(root)
    if deleted is not None:
        missing = {"$type": "app.bsky.feed.defs#notFoundPost", "uri": recent_formats.post_uri(deleted),
                   "notFound": True}
        thread["replies"] = [*thread["replies"], missing]  # type: ignore[misc]
    return {"thread": thread}


class InstagramPages(PagedSink):
    """Instagram Graph API media pages (§5) of one account, 25 media each, comments and their replies nested."""

    def __init__(self, folder: Path, stem: str, owner: Account) -> None:
        super().__init__(folder, stem, 25)
        self.owner = owner

    def render(self, items: list[Msg], next_token: str | None) -> object:
        token = next_token or format(hash_text(self.stem + str(self.pages)), "x")
        paging: dict[str, object] = {"cursors": {"before": f"QVFIUm{token[:6]}", "after": f"QVFIUm{token[-6:]}"}}
        if next_token:
            paging["next"] = (f"https://graph.facebook.com/v19.0/{self.owner.id}/media?limit=25&after=QVFIUm"
                              f"{token[-6:]}")
        return {"data": [recent_formats.instagram_media(m, self.owner) for m in reversed(items)], "paging": paging}
