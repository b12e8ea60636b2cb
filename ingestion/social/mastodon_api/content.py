"""What Mastodon's two formats share (FORMATS.md §9 and §10): HTML content read as text, account addresses
``name@server``, and ISO 8601 times.

Addresses (CONTRACT.md §7): an author, a mention and a registry account are ``name@server``, lowercased (Mastodon
names and domains are case-insensitive). An API ``acct`` is ``name@server`` for a remote account and ``name`` for a
local one: a local account gets the host of its own profile ``url`` (``https://social.overheid.nl/@name``), which is
the harvesting server, the server whose token fetched the body.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

#: HTML elements without an end tag.
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"})


class _Text(HTMLParser):
    """Text of an HTML fragment; raises ValueError where the fragment's elements do not nest."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag not in _VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if not self.open or self.open[-1] != tag:
            raise ValueError(f"</{tag}> closes no open <{tag}>")
        self.open.pop()
        if tag == "p":
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(content: str | None) -> str | None:
    """The text of Mastodon HTML content: tags stripped, entities decoded, ``<br>`` a line break and paragraphs
    apart by a blank line; None when empty. ValueError when the HTML does not parse: a tag left unfinished at the
    end, an end tag that closes no open element, or an element never closed (Mastodon writes well-formed HTML,
    and sanitises what other servers send, so such content is broken, not a dialect)."""
    if not content:
        return None
    parser = _Text()
    parser.feed(content)
    if parser.rawdata:  # held back: an unfinished tag (`<a href="…`) or comment at the end
        raise ValueError("HTML ends inside a tag")
    parser.close()
    if parser.open:
        raise ValueError(f"<{parser.open[-1]}> is never closed")
    text = "".join(parser.parts).strip()
    return text or None


def host(url: object) -> str | None:
    """The lowercased host of an http(s) URL; None for anything else."""
    if not isinstance(url, str):
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname.lower()


def is_uri(value: object) -> bool:
    """Whether a value is an http(s) URI, as ActivityPub ids are."""
    return host(value) is not None


def address(name: object, server: str | None) -> str | None:
    """``name@server`` lowercased, from a ``name`` or ``@name`` (then on ``server``) or a ``name@server`` /
    ``@name@server`` (its own server); None without a name, or for a local name without a server."""
    if not isinstance(name, str):
        return None
    name = name.strip().lstrip("@").strip().lower()
    if not name:
        return None
    if "@" in name:
        return name
    return f"{name}@{server}" if server else None


def account_address(account: object) -> str | None:
    """An API account's ``name@server``: its ``acct`` when remote, else its name on the host of its ``url``."""
    if not isinstance(account, dict):
        return None
    return address(account.get("acct") or account.get("username"), host(account.get("url")))


def is_local(account: object) -> bool:
    """An API account of the harvesting server: its ``acct`` has no ``@server``."""
    return isinstance(account, dict) and isinstance(account.get("acct"), str) and "@" not in account["acct"]


def parse_time(value: object) -> datetime:
    """An ISO 8601 time with its offset (``2025-03-04T09:12:44.000Z``) as an aware UTC datetime."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("no time")
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return parsed.astimezone(UTC)
