"""Exports of webcare tools: ``;``-separated CSV, one message per row, times in Amsterdam local time.

The standard layout is ``bericht_id;datum;kanaal;account;auteur;richting;in_antwoord_op;tekst``. Other
tools' exports map onto those fields through a *profile*: ``ingestion/social/profiles/<tool>.csv``
(``field,column,transform``; see ``profiles/README.md``). A file in a sub-folder named after a profile
uses that profile; otherwise the first profile whose columns are all present wins (``webcare`` first).

Encoding: UTF-8 with or without BOM, or Windows-1252 when the bytes do not decode as UTF-8.

Local time → UTC with ``Europe/Amsterdam``. Two hours a year need a rule (PEP 495 ``fold=0``):
the repeated October hour (02:00–02:59) is read as its *first* occurrence (summer time, +02:00), and a
time in the skipped March hour (02:00–02:59, which no clock showed) is read with the offset before the
change (+01:00), i.e. as the instant a clock that missed the change would show.

Bulk (:func:`bulk`, see ``ingestion/social/bulk.py``): DuckDB reads groups of exports with ``read_csv`` and
shapes the rows in SQL. It takes only files it reads exactly as :func:`parse` does; any file with something
unusual (an encoding, quoting or line end csv.reader reads its own way, a row the parser rejects, a value
whose SQL reading could differ) goes through :func:`parse`, so rejects and their reasons are the parser's.
Times are converted with this module's own offsets (zoneinfo), not DuckDB's ICU, which reads the repeated
October hour as its *second* occurrence.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

from core.settings import get_limits
from ingestion.framework import BulkFile, FileRejected, Parsed, Record, RowRejected, Source
from ingestion.framework.tabular import detect_encoding
from ingestion.social.bulk import ShapedPart, insertion_order, register_files, set_apart
from ingestion.social.common import (
    MESSAGE_COLUMNS,
    PLATFORMS,
    is_excel_number,
    mentions_in,
    message,
    normalise_handle,
    normalise_platform,
)

SOURCE_SYSTEM = "webcare_csv"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
DEFAULT_PROFILE = "webcare"
DATE_FORMATS = ("%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S")
FIELDS = ("bericht_id", "datum", "kanaal", "account", "auteur", "richting", "in_antwoord_op", "tekst",
          "mentions")
REQUIRED_FIELDS = ("bericht_id", "datum", "kanaal")
DIRECTIONS = ("inkomend", "uitgaand")
_ID_IN_URL = re.compile(r"(\d+(?:_\d+)?)\D*$")


@dataclass(frozen=True)
class Profile:
    """How one tool's columns map onto the webcare fields: field → (column, transform)."""

    name: str
    mapping: dict[str, tuple[str, str]]

    def columns(self) -> list[str]:
        """The header names this profile needs (lowercased)."""
        return [column for column, transform in self.mapping.values() if not transform.startswith("const:")]

    def missing(self, header: list[str]) -> list[str]:
        return [column for column in self.columns() if column not in header]

    def value(self, field: str, row: dict[str, str]) -> str:
        """A field's value in one row (after the profile's transform), ``""`` when unmapped or empty."""
        if field not in self.mapping:
            return ""
        column, transform = self.mapping[field]
        if transform.startswith("const:"):
            return transform.removeprefix("const:")
        raw = (row.get(column) or "").strip()
        if transform == "id_from_url" and raw:
            found = _ID_IN_URL.search(raw.split("?", 1)[0].rstrip("/"))
            return found.group(1) if found else ""
        return raw

    def date_formats(self) -> tuple[str, ...]:
        transform = self.mapping["datum"][1]
        return (transform.removeprefix("date:"),) if transform.startswith("date:") else DATE_FORMATS


@cache
def load_profiles(folder: Path = PROFILES_DIR) -> dict[str, Profile]:
    """Every profile file in the folder, the default one first."""
    profiles = {p.stem: _read_profile(p) for p in sorted(folder.glob("*.csv"))}
    order = sorted(profiles, key=lambda name: (name != DEFAULT_PROFILE, name))
    return {name: profiles[name] for name in order}


def _read_profile(path: Path) -> Profile:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = (line for line in handle if line.strip() and not line.lstrip().startswith("#"))
        rows = list(csv.DictReader(lines))
    mapping = {
        r["field"].strip(): ((r.get("column") or "").strip().lower(), (r.get("transform") or "").strip())
        for r in rows
    }
    unknown = set(mapping) - set(FIELDS)
    lacking = [f for f in REQUIRED_FIELDS if f not in mapping]
    if unknown or lacking:
        raise ValueError(f"profile {path.name}: unknown fields {sorted(unknown)}, missing fields {lacking}")
    return Profile(path.stem, mapping)


def choose_profile(header: list[str], folder_name: str) -> Profile:
    """The profile named by the folder, else the first whose columns the header has; else FileRejected."""
    profiles = load_profiles()
    candidates = [profiles[folder_name]] if folder_name in profiles else list(profiles.values())
    for profile in candidates:
        if not profile.missing(header):
            return profile
    first = candidates[0]
    # The header is the file's content: only the profile's own column names are named.
    raise FileRejected(
        f"missing column(s) {', '.join(first.missing(header))} (profile {first.name}); "
        f"the header has {len(header)} column(s); no profile in ingestion/social/profiles matches", "line 1")


def to_utc(local: datetime) -> datetime:
    """An Amsterdam wall-clock time as a UTC instant (ambiguous and skipped hours: see module doc)."""
    return local.replace(tzinfo=AMSTERDAM, fold=0).astimezone(UTC)


def parse(path: Path) -> Iterator[Parsed]:
    """Messages of one webcare export; rows that cannot be used are rejected one by one. A field longer than
    ``DIALOOG_MAX_VALUE_BYTES`` characters fails the file (csv.Error)."""
    csv.field_size_limit(get_limits().max_value_bytes)
    with path.open(encoding=detect_encoding(path), newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        header = [h.strip().lstrip("\ufeff").lower() for h in next(reader, [])]
        if not any(header):
            raise FileRejected("empty file or no header", "line 1")
        profile = choose_profile(header, path.parent.name)
        start = reader.line_num + 1
        for fields in reader:
            position, start = f"line {start}", reader.line_num + 1
            if not any(f.strip() for f in fields):
                continue
            if len(fields) > len(header):
                yield RowRejected(position, f"{len(fields)} fields, the header has {len(header)}",
                                  ";".join(fields))
                continue
            yield _parse_row(dict(zip(header, fields, strict=False)), position, profile)


def _parse_row(row: dict[str, str], position: str, profile: Profile) -> Parsed:
    content = ";".join(row.values())

    def get(field: str) -> str:
        return profile.value(field, row)

    message_id, reply_to = get("bericht_id"), get("in_antwoord_op")
    for name, value in (("bericht_id", message_id), ("in_antwoord_op", reply_to)):
        if value and is_excel_number(value):
            return RowRejected(position, f"{name} {value!r} was mangled by Excel (digits lost)", content)
    if not message_id:
        return RowRejected(position, "bericht_id is empty", content)
    platform = normalise_platform(get("kanaal"))
    if platform is None:
        reason = f"kanaal {get('kanaal')!r} is not x, twitter, facebook or instagram"
        return RowRejected(position, reason, content)
    direction = get("richting").lower() or None
    if direction not in (None, *DIRECTIONS):
        return RowRejected(position, f"richting {direction!r} is not inkomend or uitgaand", content)
    created_at = _parse_local(get("datum"), profile.date_formats())
    if created_at is None:
        return RowRejected(position, f"datum {get('datum')!r} does not parse as dd-mm-jjjj hh:mm", content)
    text = get("tekst") or None
    listed = [h for h in (normalise_handle(m) for m in re.split(r"[\s,]+", get("mentions"))) if h]
    return Record(position, message(
        platform, message_id, created_at, SOURCE_SYSTEM,
        author_handle=get("auteur"), text=text, in_reply_to_id=reply_to or None,
        mentions=list(dict.fromkeys(listed + mentions_in(text))),
        channel_handle=get("account"), direction=direction,
    ))


def _parse_local(value: str, formats: tuple[str, ...]) -> datetime | None:
    for fmt in formats:
        try:
            return to_utc(datetime.strptime(value.strip(), fmt))
        except ValueError:
            continue
    return None


WEBCARE_CSV = Source(name="webcare_csv", table="webcare_csv_messages", columns=MESSAGE_COLUMNS, parse=parse)


# --- Bulk: DuckDB reads and shapes a group of exports (see ingestion/social/bulk.py) -------------------------
#
# Python looks at each file once, streaming, with no per-row work, and offers it to SQL only when DuckDB will
# split it into the same records and fields as csv.reader: UTF-8, or Windows-1252 without bytes 0x80-0x9F;
# every quote part of a well-formed quoted field; one kind of line end; a header that picks a profile with
# the default date formats. DuckDB reads the files of each layout (encoding, header width, field → column) in
# one read_csv; SQL numbers the lines (a file whose line count differs, e.g. with a blank line DuckDB skips,
# goes to the parser) and shapes the rows. A row the parser would reject, or whose SQL reading could differ
# from Python's, makes the whole file go to the parser.

#: The characters ``str.strip()`` removes (``str.isspace``), for DuckDB's ``trim``.
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                 "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_C1_BYTE = re.compile(rb"[\x80-\x9f]")
#: A quoted field as csv.reader reads it: from a field start to a quote right before a field end.
_QUOTED_FIELD = re.compile(r'(?:(?<=[;\r\n])|^)"[^"]*(?:""[^"]*)*"(?=[;\r\n]|\Z)')
#: SQL takes no line this long (the parser fails a file with a field above ``DIALOOG_MAX_VALUE_BYTES``).
_FIELD_LIMIT = 100_000
_CHUNK = 256 << 10  # bytes Python looks at at once
#: The only characters whose ``lower()`` differs in DuckDB and Python (İ: one code point vs two; Σ: the
#: final-sigma rule): a handle with one goes to the parser.
_LOWER_DIFFERS = "[\u0130\u03a3]"
_NULL = "\x01"  # DuckDB's null string: only a padded (missing) field is NULL; files holding it go to the parser
_ASCII = "'^[\\x00-\\x7F]*$'"
#: ``mentions_in`` in RE2, exact for texts where no ``@`` follows a non-ASCII character or a ``.`` (guarded).
_MENTION_RE2 = r"(?:^|[^A-Za-z0-9_@])@([A-Za-z0-9_.]{1,30})"
#: ``dd-mm-jjjj hh:mm[:ss]`` as strptime reads it, in the years whose clock changes the tests check (1970-2099).
_DATUM_RE2 = (r"(0[1-9]|[12][0-9]|3[01])-(0[1-9]|1[0-2])-(19[7-9][0-9]|20[0-9][0-9]) ([01][0-9]|2[0-3]):[0-5][0-9]"
              r"(:[0-5][0-9])?")


@dataclass(frozen=True)
class Layout:
    """How SQL reads a group of exports: encoding, header width and each field's column (``c<i>``) or value."""

    encoding: str  # utf-8 or latin-1
    width: int
    fields: tuple[tuple[str, str, str], ...]  # (field, column or "", transform)


class _ParserOnly(Exception):
    """The file holds something only the parser reads right."""


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


def _line_ends(piece: str) -> tuple[int, int, int]:
    """``(\\r\\n, \\r, \\n)`` counts of a piece outside its quoted fields; _ParserOnly when csv.reader's
    quote rules or a NUL or DuckDB's null string (``_NULL``) could make DuckDB read it otherwise."""
    if "\x00" in piece or _NULL in piece:
        raise _ParserOnly("NUL or \\x01")
    bare = _QUOTED_FIELD.sub("", piece) if '"' in piece else piece
    if '"' in bare:
        raise _ParserOnly("a quote inside a field or text after a closing quote")
    return bare.count("\r\n"), bare.count("\r"), bare.count("\n")


def _scan(path: Path, encoding: str) -> tuple[list[str], int]:
    """The header as :func:`parse` reads it and the number of lines, in one streaming pass."""
    header: list[str] | None = None
    lines, ends, last = 0, [0, 0, 0], ""
    for piece in _pieces(path, encoding):
        if header is None:
            try:
                first = next(csv.reader(io.StringIO(piece, newline=""), delimiter=";"), [])
            except csv.Error as exc:
                raise _ParserOnly(str(exc)) from exc
            header = [h.strip().lstrip("\ufeff").lower() for h in first]
        ends = [a + b for a, b in zip(ends, _line_ends(piece), strict=True)]
        lines += piece.count("\n") + piece.count("\r") - piece.count("\r\n")
        last = piece[-1]
    crlf, cr, lf = ends
    if cr and lf and not crlf == cr == lf:
        raise _ParserOnly("mixed line ends")  # DuckDB keeps to the first kind it sees
    return header or [], lines + (1 if last and last not in "\r\n" else 0)


def plan_file(path: Path) -> tuple[Layout, int] | None:
    """The layout SQL reads an export with and its line count; None when the parser must read it."""
    with path.open("rb") as handle:
        if handle.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return None
    for encoding in ("utf-8-sig", "latin-1"):  # as detect_encoding: Windows-1252 when not UTF-8
        try:
            header, lines = _scan(path, encoding)
            break
        except UnicodeDecodeError:
            continue
        except _ParserOnly:
            return None
    layout = _layout(header, path.parent.name, "utf-8" if encoding == "utf-8-sig" else "latin-1")
    return (layout, lines) if layout is not None else None


def _layout(header: list[str], folder: str, encoding: str) -> Layout | None:
    """Where SQL finds each field of the profile the header picks; None when only the parser can tell."""
    if not any(header):
        return None
    try:
        profile = choose_profile(header, folder)
    except FileRejected:
        return None
    if profile.date_formats() != DATE_FORMATS:
        return None
    fields = []
    for field, (column, transform) in profile.mapping.items():
        if transform.startswith("const:"):
            fields.append((field, "", transform))
        elif header.count(column) != 1 or transform not in ("", "id_from_url"):
            return None  # a repeated column: the parser's dict keeps the last value present
        else:
            fields.append((field, f"c{header.index(column)}", transform))
    return Layout(encoding, len(header), tuple(sorted(fields)))


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_WHITESPACE_RE2 = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in PY_WHITESPACE) + "]"


def _trim(expr: str) -> str:
    """SQL for ``expr.strip()`` (``trim`` with a set of characters is slow: only where an end is whitespace).
    Every whitespace character is below ``!`` or above ASCII, so the ends' code points rule out most cells
    before the regular expression looks (over a 48 MB group's cells: 0.09 s for the ends, 0.16 s for it)."""
    ends = f"(ord({expr}[1]) NOT BETWEEN 33 AND 126 OR ord({expr}[-1]) NOT BETWEEN 33 AND 126)"
    return (f"CASE WHEN {ends} AND regexp_matches({expr}, '^{_WHITESPACE_RE2}|{_WHITESPACE_RE2}$') "
            f"THEN trim({expr}, {_literal(PY_WHITESPACE)}) ELSE {expr} END")


def _fields_sql(layout: Layout) -> tuple[list[str], list[str]]:
    """SELECT items ``v_<field>`` (what ``Profile.value`` returns) and the checks that SQL reads them exactly."""
    mapped = {field: (column, transform) for field, column, transform in layout.fields}
    values, checks = [], []
    for field in FIELDS:
        column, transform = mapped.get(field, ("", "const:"))
        if transform.startswith("const:"):
            values.append(f"{_literal(transform.removeprefix('const:'))} AS v_{field}")
            continue
        raw = _trim(f"coalesce({column}, '')")
        if transform == "id_from_url":  # _ID_IN_URL; its \d and \D read only ASCII alike in RE2
            checks.append(f"regexp_matches({raw}, {_ASCII})")
            raw = f"regexp_extract(rtrim(split_part({raw}, '?', 1), '/'), '(\\d+(?:_\\d+)?)\\D*$', 1)"
        values.append(f"{raw} AS v_{field}")
    return values, checks


def _row_checks() -> str:
    """SQL true for a row :func:`_parse_row` loads and SQL shapes the same (else the parser takes the file)."""
    excel = "regexp_full_match({}, '[0-9]+(?:[.,][0-9]+)?[Ee]\\+?[0-9]+')"
    plain_id = f"regexp_matches({{0}}, {_ASCII}) AND NOT {excel.format('{0}')}"
    return " AND ".join([
        f"v_bericht_id <> '' AND {plain_id.format('v_bericht_id')}",
        f"(v_in_antwoord_op = '' OR {plain_id.format('v_in_antwoord_op')})",
        "platform IS NOT NULL AND regexp_full_match(v_kanaal, '[A-Za-z]+')",
        "(v_richting = '' OR (regexp_full_match(v_richting, '[A-Za-z]+') "
        f"AND lower(v_richting) IN ({', '.join(map(_literal, DIRECTIONS))})))",
        "local_time IS NOT NULL",
        f"NOT regexp_matches(v_auteur || v_account, '{_LOWER_DIFFERS}')",
        "NOT contains(v_tekst, '.@') AND NOT regexp_matches(v_tekst, '[^\\x00-\\x7F]@')",
        f"regexp_matches(v_mentions, {_ASCII})",
    ])


def _handle(expr: str) -> str:
    """SQL for ``normalise_handle`` of an already stripped value."""
    return f"lower({_trim(f'ltrim({expr}, {_literal(chr(64))})')})"


def _read(con: duckdb.DuckDBPyConnection, layout: Layout, paths: list[str]) -> None:
    """Read one layout's files into ``_wc_read`` (an error names its file: the loader leaves just that one out)."""
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(layout.width + 1))  # one spare: a row too long
    # compression = 'none': a file named x.csv.gz is read as the parser reads it, not unpacked
    with insertion_order(con):  # rowid must follow the files' order: the lines are numbered by it
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _wc_read AS SELECT * FROM read_csv(?, header = false,
            delim = ';', quote = '"', escape = '"', columns = {{{columns}}}, auto_detect = false,
            null_padding = true, nullstr = '{_NULL}', strict_mode = false, parallel = false, filename = true,
            encoding = '{layout.encoding}', compression = 'none')""", [paths])


def _number(con: duckdb.DuckDBPyConnection, layout: Layout) -> None:
    """Table ``_wc_numbered`` (replacing ``_wc_read``): each record's cells, its number in its file (``n``, the
    header is 1), the line it starts on, whether it is blank; and the layout's ``_bulk_pages``. Materialized
    once: the line-break regexes are the costly part, and both the page verdicts and the shaping read them.

    A file's records are contiguous in ``_wc_read`` and in its order (the page verdict checks the first), so
    ``n`` is the distance from the file's first rowid, and a record starts on line ``n`` unless an earlier
    record of its file spans lines: only for those files a window adds the line breaks before each record (a
    window over every record was half the cost of numbering them)."""
    cells = [f"c{i}" for i in range(layout.width + 1)]
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _wc_numbered AS
        WITH cells AS (
            SELECT f.fid, r.rowid AS ord, r.rowid - s.first + 1 AS n, {", ".join(f"r.{c}" for c in cells)}
            FROM _wc_read r JOIN _bulk_files f ON f.filename = r.filename
                JOIN (SELECT filename, min(rowid) AS first FROM _wc_read GROUP BY filename) s
                    ON s.filename = r.filename),
        joined AS (SELECT *, concat_ws(';', {", ".join(cells)}) AS joined FROM cells)
        SELECT * EXCLUDE (joined), length(joined) AS width,
            1 + CASE WHEN contains(joined, chr(10)) OR contains(joined, chr(13))
                THEN len(regexp_extract_all(joined, '\\r\\n|\\r|\\n')) ELSE 0 END AS span,
            n AS line,
            regexp_full_match(concat_ws('', {", ".join(cells)}), '{_WHITESPACE_RE2}*') AS blank
        FROM joined""")
    con.execute("""UPDATE _wc_numbered AS t SET line = m.line
        FROM (SELECT ord, sum(span) OVER (PARTITION BY fid ORDER BY ord ROWS UNBOUNDED PRECEDING) - span + 1 AS line
              FROM _wc_numbered WHERE fid IN (SELECT fid FROM _wc_numbered WHERE span > 1)) AS m
        WHERE t.ord = m.ord AND t.line <> m.line""")
    con.execute("DROP TABLE _wc_read")
    con.execute(f"""INSERT INTO _bulk_pages
        SELECT n.fid, sum(n.span) = any_value(l.lines) AND bool_and(n.c{layout.width} IS NULL)
            AND max(n.width) < {min(_FIELD_LIMIT, get_limits().max_value_bytes)}
            AND max(n.n) = count(*)  -- records contiguous: numbered 1..count
        FROM _wc_numbered n JOIN _wc_lines l USING (fid) GROUP BY n.fid""")


def _shape(con: duckdb.DuckDBPyConnection, layout: Layout) -> None:
    """Append the layout's messages to ``_wc_shaped`` (``local_time`` still Amsterdam wall-clock time)."""
    values, checks = _fields_sql(layout)
    platform = " ".join(f"WHEN {_literal(k)} THEN {_literal(v)}" for k, v in PLATFORMS.items())
    # What strptime reads of a value _DATUM_RE2 matched, by the ISO cast (fixed positions): 4x cheaper.
    datum = ("try_cast(substr(v_datum, 7, 4) || '-' || substr(v_datum, 4, 2) || '-' || substr(v_datum, 1, 2) || ' ' "
             "|| substr(v_datum, 12) AS TIMESTAMP)")
    con.execute(f"""INSERT INTO _wc_shaped BY NAME
        WITH v AS (SELECT fid, ord, line, {", ".join(values)}, {" AND ".join(checks) or "true"} AS cells_ok
                   FROM _wc_numbered WHERE n > 1 AND NOT blank),
        w0 AS (SELECT *, CASE lower(v_kanaal) {platform} END AS platform,
                CASE WHEN regexp_full_match(v_datum, '{_DATUM_RE2}') THEN {datum} END AS local_time,
                list_filter(list_transform(regexp_extract_all(v_tekst, '{_MENTION_RE2}', 1),
                    lambda h: lower(rtrim(h, '.'))), lambda h: h <> '') AS named,
                list_filter(list_transform(string_split_regex(v_mentions, '[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f ,]+'),
                    lambda h: {_handle(_trim("h"))}), lambda h: h <> '') AS listed
              FROM v),
        w AS (SELECT * EXCLUDE (named, listed), listed || named AS mentioned FROM w0)
        SELECT fid, ord, cells_ok AND {_row_checks()} AS row_ok, 'line ' || line AS source_position,
            platform, v_bericht_id AS message_id, nullif({_handle("v_auteur")}, '') AS author_handle,
            local_time, nullif(v_tekst, '') AS text, nullif(v_in_antwoord_op, '') AS in_reply_to_id,
            list_filter(mentioned, lambda h, i: list_position(mentioned, h) = i) AS mentions,
            nullif({_handle("v_account")}, '') AS channel_handle, nullif(lower(v_richting), '') AS direction
        FROM w""")


@cache
def utc_offset(day: date) -> int | None:
    """Seconds Amsterdam's clocks are ahead of UTC all that day (as :func:`to_utc` reads them); None on a day
    the clocks change, whose times :func:`to_utc` converts one by one. (The clocks change at most once a day:
    the same offset at 00:00, 06:00, 12:00, 18:00 and 23:59:59 holds all day.)"""
    times = [time(0), time(6), time(12), time(18), time(23, 59, 59)]
    offsets = {datetime.combine(day, t, tzinfo=AMSTERDAM).utcoffset() for t in times}  # fold=0, as to_utc
    return int(offsets.pop().total_seconds()) if len(offsets) == 1 else None


def _to_utc_sql(con: duckdb.DuckDBPyConnection) -> str:
    """Register the UTC offsets of the group's days (and instants of its clock-change days); SQL for the
    ``created_at`` of ``s.local_time`` that joins them as ``o`` and ``i``."""
    days = [d for (d,) in con.execute("SELECT DISTINCT local_time::DATE FROM _wc_shaped "
                                      "WHERE local_time IS NOT NULL").fetchall()]
    offsets = {day: utc_offset(day) for day in days}
    changing = [day for day, offset in offsets.items() if offset is None]
    local = (con.execute("SELECT DISTINCT local_time FROM _wc_shaped WHERE local_time::DATE = ANY(?)",
                         [changing]).fetchall() if changing else [])
    uniform = {day: offset for day, offset in offsets.items() if offset is not None}
    con.register("_wc_offsets", pa.table({"day": list(uniform), "offset_s": list(uniform.values())},
                                           schema=pa.schema([("day", pa.date32()), ("offset_s", pa.int64())])))
    con.register("_wc_instants", pa.table({
        "local_time": [t for (t,) in local], "utc": [to_utc(t) for (t,) in local],
    }, schema=pa.schema([("local_time", pa.timestamp("us")), ("utc", pa.timestamp("us", tz="UTC"))])))
    return "coalesce(i.utc, to_timestamp(epoch(s.local_time) - o.offset_s))"


_SHAPED_TABLE = """CREATE OR REPLACE TEMP TABLE _wc_shaped (fid BIGINT, ord BIGINT, row_ok BOOLEAN,
    source_position VARCHAR, platform VARCHAR, message_id VARCHAR, author_handle VARCHAR, local_time TIMESTAMP,
    text VARCHAR, in_reply_to_id VARCHAR, mentions VARCHAR[], channel_handle VARCHAR, direction VARCHAR)"""


def bulk(con: duckdb.DuckDBPyConnection, files: list[BulkFile]) -> ShapedPart:
    """Shape a group of exports in DuckDB: the files :func:`parse` would load whole, shaped as it would."""
    paths = register_files(con, files)
    layouts: dict[Layout, list[int]] = {}
    lines: dict[int, int] = {}
    for fid, file in enumerate(files):
        planned = plan_file(file.path)
        if planned is not None:
            layouts.setdefault(planned[0], []).append(fid)
            lines[fid] = planned[1]
    con.register("_wc_lines", pa.table({"fid": list(lines), "lines": list(lines.values())},
                                       schema=pa.schema([("fid", pa.int64()), ("lines", pa.int64())])))
    con.execute("CREATE OR REPLACE TEMP TABLE _bulk_pages (fid BIGINT, page_ok BOOLEAN)")
    con.execute(_SHAPED_TABLE)
    for layout, fids in layouts.items():
        _read(con, layout, [paths[fid] for fid in fids])
        _number(con, layout)
        _shape(con, layout)
    created_at = _to_utc_sql(con)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _bulk_rows AS
        SELECT s.* EXCLUDE (local_time, row_ok), s.row_ok AND {created_at} IS NOT NULL AS row_ok,
            {created_at} AS created_at, NULL::VARCHAR AS author_id, NULL::VARCHAR AS in_reply_to_author_id,
            NULL::VARCHAR AS conversation_id, false AS is_retweet, NULL::VARCHAR AS retweeted_id,
            NULL::VARCHAR AS quoted_id, NULL::VARCHAR AS channel_account_id, '{SOURCE_SYSTEM}' AS source_system
        FROM _wc_shaped s LEFT JOIN _wc_offsets o ON o.day = s.local_time::DATE
            LEFT JOIN _wc_instants i ON i.local_time = s.local_time""")
    for name in ("_wc_lines", "_wc_offsets", "_wc_instants"):
        con.unregister(name)
    for name in ("_wc_numbered", "_wc_shaped"):  # _number dropped each layout's _wc_read
        con.execute(f"DROP TABLE IF EXISTS {name}")
    return set_apart(con, files, WEBCARE_CSV.table)


#: DuckDB streams a CSV and the check above reads it in pieces, so a big export (a city's year: 10+ MB) goes to
#: bulk too; at scale 10 the two biggest went through the parser at 8 MB and made webcare 2.9x the floor.
BULK_MAX_BYTES = 512 << 20

WEBCARE_CSV = replace(WEBCARE_CSV, bulk=bulk, bulk_max_bytes=BULK_MAX_BYTES)
