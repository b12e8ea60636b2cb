"""JSON as the social parsers read it: within the limits of JSON text, streamed, or a small file at once.

:class:`JsonGuard` checks depth and value sizes as the text is read; :func:`stream_items` and
:func:`top_level_keys` stream a file with ijson through it; :func:`whole_object` and :func:`whole_value` parse a
small file in one call (the fast path), leaving anything unusual to the stream so rejects and their reasons stay the
stream's.
"""

from __future__ import annotations

import io
import itertools
import json
import operator
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import ijson

from core.settings import Limits, get_limits
from ingestion.framework import FileRejected, RowRejected, scrub


def rejected(position: str, reason: str, obj: Any) -> RowRejected:
    """A rejected JSON record, its content serialised for the quarantine (only when rejected: it costs)."""
    return RowRejected(position, reason, json.dumps(obj, default=str, ensure_ascii=False))


#: A JSON file up to this size (an API page is typically 10-60 kB) is parsed whole, in one C call, instead of
#: streamed with ijson once per path it needs: several times faster. Memory then holds at most one such
#: file as Python objects (a few MB at most); bigger files are streamed, so the peak stays flat however
#: large an export is.
WHOLE_FILE_LIMIT = 128 << 10


def whole_object(path: Path) -> dict[str, Any] | None:
    """A small file's top-level JSON object, parsed at once; None when the file must be streamed instead.

    Numbers come back as ijson gives them (integers as int, others as Decimal). Anything unusual — not an
    object, malformed, not UTF-8, NaN/Infinity, or a repeated key, where a stream sees both values — is
    left to the streaming path, so every rejection and its reason stay exactly those of the stream.
    """
    if path.stat().st_size > WHOLE_FILE_LIMIT:
        return None
    data = path.read_bytes()
    if data.lstrip(b" \t\r\n")[:1] != b"{":
        return None
    JsonGuard().feed(data)  # deeper than allowed: rejected here, before json.loads recurses into it
    try:
        parsed = json.loads(data, parse_float=Decimal, parse_constant=_refuse, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None
    return parsed if isinstance(parsed, dict) else None


def whole_value(path: Path) -> dict[str, Any] | list[Any] | None:
    """A small file's top-level JSON object or array, parsed at once; None when the file must be streamed.

    Stricter than :func:`whole_object`: a file beyond the limits (:class:`JsonGuard`) is also left to the stream,
    so even the position of that rejection, and which of a format's checks comes first, stay the stream's. For a
    format whose stream reads a body several times (``mastodon_api``), a small body is then read once."""
    if path.stat().st_size > WHOLE_FILE_LIMIT:
        return None
    data = path.read_bytes()
    if data.lstrip(b" \t\r\n")[:1] not in (b"{", b"["):
        return None
    try:
        JsonGuard().feed(data)
        parsed = json.loads(data, parse_float=Decimal, parse_constant=_refuse, object_pairs_hook=_unique_keys)
    except (FileRejected, ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None
    return parsed if isinstance(parsed, dict | list) else None


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("repeated key")
    return obj


def items_at(obj: Any, prefix: str) -> list[Any]:
    """The values at an ijson ``prefix`` (``data.item``, ``includes.users.item``) of a parsed object."""
    nodes = [obj]
    for part in prefix.split(".") if prefix else []:
        found: list[Any] = []
        for node in nodes:
            if isinstance(node, dict) and part in node:
                found.append(node[part])
            elif part == "item" and isinstance(node, list):
                found.extend(node)
        nodes = found
    return nodes


def stream_items(handle: IO[bytes], prefix: str) -> Iterator[Any]:
    """The JSON values at ``prefix`` (ijson syntax), one at a time; malformed JSON, or JSON beyond the limits
    (:class:`JsonGuard`), is a FileRejected."""
    count = 0
    try:
        for item in ijson.items(JsonGuard().reader(handle), prefix, use_float=False):
            count += 1
            yield item
    except ijson.JSONError as exc:
        raise FileRejected(f"invalid or truncated JSON: {_json_error(exc)}",
                           f"after {prefix.replace('.item', '')}[{count - 1}]" if count else "start") from exc


def top_level_keys(handle: IO[bytes]) -> set[str]:
    """Check a whole JSON file parses (streaming) within the limits and return the keys of its top-level object."""
    keys: set[str] = set()
    try:
        for prefix, event, value in ijson.parse(JsonGuard().reader(handle), use_float=False):
            if prefix == "" and event == "map_key":
                keys.add(value)
            elif prefix == "" and event == "start_array":
                raise FileRejected("JSON is an array, expected an object", "start")
    except ijson.JSONError as exc:
        raise FileRejected(f"invalid or truncated JSON: {_json_error(exc)}", _near(handle)) from exc
    return keys


def _json_error(exc: Exception) -> str:
    """ijson's error without the excerpt of the text its later lines quote (yajl: ``parse error: premature EOF``;
    some of its messages come as bytes)."""
    message = exc.args[0] if exc.args else ""
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return scrub(str(message)) or type(exc).__name__


# --- Limits of JSON text, checked as it is read -----------------------------------------------------------------

_ESCAPE = re.compile(rb"\\[\s\S]")  # a backslash and the byte it escapes
_STRUCTURAL = re.compile(rb"[\[\]{},:]")
_BRACKETS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


class JsonGuard:
    """Checks JSON text against the depth and value limits (:class:`core.settings.Limits`) as a parser reads
    it, chunk by chunk, without parsing it and without recursion: escapes, strings and brackets are found with
    byte operations that run in C (``re``, ``split``, ``translate``, ``accumulate``), so the check costs a small
    fraction of the parse, memory holds one chunk, and a string of a GB is refused after its first MB instead of
    being buffered whole (where ijson slowed quadratically).

    Exact for valid JSON: depth counts the brackets outside strings (the outermost object is level 1); a value is
    a string (between its quotes, escapes counted as written) or a bare number, literal or run of white space.
    Invalid JSON is the parser's to reject."""

    def __init__(self, limits: Limits | None = None, depth: int = 0) -> None:
        limits = limits or get_limits()
        self.max_depth, self.max_value = limits.max_json_depth, limits.max_value_bytes
        self.depth = depth  # levels open
        self.in_string = False
        self.string = 0  # bytes of the string still open
        self.bare = 0  # bytes of the bare value still open
        self.escape = b""  # a backslash that ended the last chunk
        self.offset = 0  # bytes seen

    def reader(self, handle: IO[bytes]) -> IO[bytes]:
        """``handle`` as a stream that feeds every chunk read through this guard."""
        return _GuardedReader(handle, self)

    def feed(self, chunk: bytes) -> None:
        """Check the next chunk; raises FileRejected at the first limit exceeded."""
        data = self.escape + chunk
        self.offset += len(chunk)
        cleaned = _ESCAPE.sub(b"__", data) if b"\\" in data else data
        self.escape = b"\\" if cleaned.endswith(b"\\") else b""
        if self.escape:
            cleaned = cleaned[:-1]
        parts = cleaned.split(b'"')
        inside, outside = (parts[0::2], parts[1::2]) if self.in_string else (parts[1::2], parts[0::2])
        ends_inside = self.in_string != (len(parts) % 2 == 0)
        # A value can only be too long when the chunk and what is carried are: only then are its pieces measured.
        carried = self.string if self.in_string else self.bare
        if inside:
            if len(cleaned) + carried > self.max_value:
                self._check_value(max(len(inside[0]) + (carried if self.in_string else 0), max(map(len, inside))))
            self.string = len(inside[-1]) + (carried if self.in_string and len(inside) == 1 else 0)
        if not ends_inside:
            self.string = 0
        if outside:
            joined = b",".join(outside)  # a comma where each string was: runs on either side stay apart
            lead = carried if not self.in_string else 0
            if len(joined) + lead > self.max_value:
                runs = _STRUCTURAL.split(joined)
                self._check_value(max(len(runs[0]) + lead, max(map(len, runs))))
            last = max(joined.rfind(c) for c in b"[]{},:")
            self.bare = 0 if ends_inside else len(joined) - last - 1 + (lead if last < 0 else 0)
            brackets = joined.translate(_BRACKETS, _NOT_BRACKETS)
            # The level after the k-th bracket is depth + 2 * (openers so far) - k; with fewer openers than the
            # levels left, it cannot pass the limit.
            if brackets and self.depth + brackets.count(2) > self.max_depth:
                peak = max(map(operator.sub, itertools.accumulate(brackets), itertools.count(1)))
                if self.depth + peak > self.max_depth:
                    raise FileRejected(f"JSON nested deeper than {self.max_depth} levels (DIALOOG_MAX_JSON_DEPTH)",
                                       f"by byte {self.offset}")
            self.depth += 2 * brackets.count(2) - len(brackets)
        self.in_string = ends_inside

    def _check_value(self, size: int) -> None:
        if size > self.max_value:
            raise FileRejected(f"a JSON value longer than {self.max_value} bytes (DIALOOG_MAX_VALUE_BYTES)",
                               f"by byte {self.offset}")


def json_depth_ok(text: str, max_depth: int) -> bool:
    """Whether JSON text (a DuckDB ``json_structure``) nests no deeper than ``max_depth``; values are not limited."""
    guard = JsonGuard(Limits(max_json_depth=max(max_depth, 0), max_value_bytes=1 << 62))
    try:
        guard.feed(text.encode("utf-8"))
    except FileRejected:
        return False
    return True


class _GuardedReader(io.RawIOBase):
    """A read-only stream that passes every chunk it reads through a :class:`JsonGuard`."""

    def __init__(self, handle: IO[bytes], guard: JsonGuard) -> None:
        self._handle, self._guard = handle, guard

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._handle.read(len(buffer))
        self._guard.feed(data)
        buffer[: len(data)] = data
        return len(data)


def _near(handle: IO[bytes]) -> str:
    try:
        return f"near byte {handle.tell()}"
    except (OSError, ValueError):
        return "unknown byte"
