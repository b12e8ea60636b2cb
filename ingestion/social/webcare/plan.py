"""Which webcare exports DuckDB reads exactly as :func:`parse` (``parser.py``) does, and how: the bulk reader's plan.

Python looks at each file once, streaming, with no per-row work, and offers it to SQL only when DuckDB will
split it into the same records and fields as csv.reader: UTF-8, or Windows-1252 without bytes 0x80-0x9F;
every quote part of a well-formed quoted field; one kind of line end; a header that picks a profile (with the
separator it picks it with, as the parser does) with the default date formats. Any other file goes through the
parser.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from core.settings import get_limits
from ingestion.framework import FileRejected
from ingestion.social.webcare.profiles import DATE_FORMATS, Profile, choose

_C1_BYTE = re.compile(rb"[\x80-\x9f]")
_CHUNK = 256 << 10  # bytes Python looks at at once
NULL_STRING = "\x01"  # DuckDB's null string: only a padded (missing) field is NULL; files holding it go to the parser


@dataclass(frozen=True)
class Layout:
    """How SQL reads a group of exports: encoding, separator, header width, each field's column (``c<i>``) or
    value, and what each ``richting`` value (lowercased) means."""

    encoding: str  # utf-8 or latin-1
    separator: str
    width: int
    fields: tuple[tuple[str, str, str], ...]  # (field, column or "", transform)
    directions: tuple[tuple[str, str], ...]  # (value, inkomend or uitgaand)


class _ParserOnly(Exception):
    """The file holds something only the parser reads right."""


@cache
def _quoted_field(separator: str) -> re.Pattern[str]:
    """A quoted field as csv.reader reads it: from a field start to a quote right before a field end."""
    ends = re.escape(separator) + r"\r\n"
    return re.compile(rf'(?:(?<=[{ends}])|^)"[^"]*(?:""[^"]*)*"(?=[{ends}]|\Z)')


def _pieces(path: Path, encoding: str) -> Iterator[str]:
    """The file's text in pieces of about ``_CHUNK`` bytes, each ending at a line end outside quotes (the last
    at the end of the file): memory stays flat however large the file. Windows-1252 is read as Latin-1, the
    same text as long as no byte is in 0x80-0x9F (€, curly quotes, …; DuckDB's Latin-1 refuses those).

    A record longer than four values' limit (``DIALOOG_MAX_VALUE_BYTES``, at least 4 MiB) goes to the parser:
    carried whole from chunk to chunk, one of a GB would be searched again for every chunk (quadratic)."""
    decoder, carry = codecs.getincrementaldecoder(encoding)(), ""
    longest = max(4 * get_limits().max_value_bytes, 4 << 20)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            if encoding == "latin-1" and _C1_BYTE.search(chunk):
                raise _ParserOnly("Windows-1252 bytes 0x80-0x9F")
            text = carry + decoder.decode(chunk)
            cut = _safe_cut(text)
            if cut:
                yield text[:cut]
            carry = text[cut:]
            if len(carry) > longest:
                raise _ParserOnly("a record longer than the limit")
    carry += decoder.decode(b"", final=True)
    if carry:
        yield carry


def _safe_cut(text: str) -> int:
    """Just after the last of the text's last few ``\\n`` that an even number of quotes precedes; 0 if none."""
    end = len(text)
    for _ in range(4):
        end = text.rfind("\n", 0, end)
        if end < 0:
            return 0
        if text.count('"', 0, end) % 2 == 0:
            return end + 1
    return 0


def _line_ends(piece: str, separator: str) -> tuple[int, int, int]:
    """``(\\r\\n, \\r, \\n)`` counts of a piece outside its quoted fields; _ParserOnly when csv.reader's
    quote rules or a NUL or DuckDB's null string (``NULL_STRING``) could make DuckDB read it otherwise."""
    if "\x00" in piece or NULL_STRING in piece:
        raise _ParserOnly("NUL or \\x01")
    bare = _quoted_field(separator).sub("", piece) if '"' in piece else piece
    if '"' in bare:
        raise _ParserOnly("a quote inside a field or text after a closing quote")
    return bare.count("\r\n"), bare.count("\r"), bare.count("\n")


def _scan(path: Path, encoding: str) -> tuple[Profile, str, list[str], int]:
    """The profile, separator and header as :func:`parse` picks and reads them, and the number of lines, in one
    streaming pass; _ParserOnly when no profile fits (the parser rejects the file with its reason)."""
    chosen: tuple[Profile, str, list[str]] | None = None
    lines, ends, last = 0, [0, 0, 0], ""
    for piece in _pieces(path, encoding):
        if chosen is None:
            chosen = _choose(piece, path.parent.name)
        ends = [a + b for a, b in zip(ends, _line_ends(piece, chosen[1]), strict=True)]
        lines += piece.count("\n") + piece.count("\r") - piece.count("\r\n")
        last = piece[-1]
    if chosen is None:
        raise _ParserOnly("empty file")
    crlf, cr, lf = ends
    if cr and lf and not crlf == cr == lf:
        raise _ParserOnly("mixed line ends")  # DuckDB keeps to the first kind it sees
    return *chosen, lines + (1 if last and last not in "\r\n" else 0)


def _choose(piece: str, folder: str) -> tuple[Profile, str, list[str]]:
    """The profile, separator and header the file's first piece picks (as :func:`parse` does)."""

    def read_header(separator: str) -> list[str]:
        first = next(csv.reader(io.StringIO(piece, newline=""), delimiter=separator), [])
        return [h.strip().lstrip("\ufeff").lower() for h in first]

    try:
        profile, separator, header = choose(read_header, folder)
    except (FileRejected, csv.Error) as exc:
        raise _ParserOnly(str(exc)) from exc
    if not any(header):
        raise _ParserOnly("no header")
    return profile, separator, header


def plan_file(path: Path) -> tuple[Layout, int] | None:
    """The layout SQL reads an export with and its line count; None when the parser must read it."""
    with path.open("rb") as handle:
        if handle.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return None
    for encoding in ("utf-8-sig", "latin-1"):  # as detect_encoding: Windows-1252 when not UTF-8
        try:
            profile, separator, header, lines = _scan(path, encoding)
            break
        except UnicodeDecodeError:
            continue
        except _ParserOnly:
            return None
    layout = _layout(profile, separator, header, "utf-8" if encoding == "utf-8-sig" else "latin-1")
    return (layout, lines) if layout is not None else None


def _layout(profile: Profile, separator: str, header: list[str], encoding: str) -> Layout | None:
    """Where SQL finds each field of the profile the header picks; None when only the parser can tell."""
    if profile.date_formats() != DATE_FORMATS:
        return None
    fields = []
    for field, (column, transform) in profile.mapping.items():
        if transform.startswith("const:"):
            fields.append((field, "", transform))
        elif header.count(column) != 1 or not (transform in ("", "id_from_url") or transform.startswith("map:")):
            return None  # a repeated column: the parser's dict keeps the last value present
        else:
            fields.append((field, f"c{header.index(column)}", transform))
    return Layout(encoding, separator, len(header), tuple(sorted(fields)), tuple(profile.directions().items()))
