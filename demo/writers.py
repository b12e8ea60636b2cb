"""Streaming writers for each landing source: each holds at most one page (or row) in memory."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from demo.messages import Account, Msg, facebook_post, hash_text, tweet_archive, tweet_v2, user_v2
from demo.timing import local_text

#: Fixed entry time inside generated ZIPs, so the same seed gives the same bytes.
ZIP_TIME = (2024, 11, 5, 10, 12, 0)


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
