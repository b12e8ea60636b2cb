"""Webcare exports read in bulk: DuckDB reads groups of exports with ``read_csv`` and shapes the rows in SQL.

It takes only the files it reads exactly as :func:`parse` (``parser.py``) does (``plan.py`` picks them and how to
read them); any file with something unusual (an encoding, quoting or line end csv.reader reads its own way, a row
the parser rejects, a value whose SQL reading could differ) goes through the parser, so rejects and their reasons
are the parser's. DuckDB reads the files of each layout (encoding, header width, field → column) in one read_csv;
SQL numbers the lines (a file whose line count differs, e.g. with a blank line DuckDB skips, goes to the parser) and
shapes the rows. A row the parser would reject, or whose SQL reading could differ from Python's, makes the whole
file go to the parser. Times are converted with ``clock.py``'s offsets (zoneinfo), not DuckDB's ICU.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from core.platforms import platform_names
from core.settings import get_limits
from ingestion.framework import BulkFile
from ingestion.social.sql import ShapedPart, insertion_order, register_files, set_apart
from ingestion.social.webcare.clock import to_utc, utc_offset
from ingestion.social.webcare.parser import SOURCE_SYSTEM, TABLE
from ingestion.social.webcare.plan import NULL_STRING, Layout, plan_file
from ingestion.social.webcare.profiles import FIELDS

#: The characters ``str.strip()`` removes (``str.isspace``), for DuckDB's ``trim``.
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                 "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
#: SQL takes no line this long (the parser fails a file with a field above ``DIALOOG_MAX_VALUE_BYTES``).
_FIELD_LIMIT = 100_000
#: The only characters whose ``lower()`` differs in DuckDB and Python (İ: one code point vs two; Σ: the
#: final-sigma rule): a handle with one goes to the parser.
_LOWER_DIFFERS = "[\u0130\u03a3]"
_ASCII = "'^[\\x00-\\x7F]*$'"
#: ``mentions_in`` in RE2, exact for texts where no ``@`` follows a non-ASCII character or a ``.`` (guarded).
_MENTION_RE2 = r"(?:^|[^A-Za-z0-9_@])@([A-Za-z0-9_.]{1,30})"
#: ``dd-mm-jjjj hh:mm[:ss]`` as strptime reads it, in the years whose clock changes the tests check (1970-2099).
_DATUM_RE2 = (r"(0[1-9]|[12][0-9]|3[01])-(0[1-9]|1[0-2])-(19[7-9][0-9]|20[0-9][0-9]) ([01][0-9]|2[0-3]):[0-5][0-9]"
              r"(:[0-5][0-9])?")


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


def _row_checks(layout: Layout) -> str:
    """SQL true for a row :func:`_parse_row` loads and SQL shapes the same (else the parser takes the file)."""
    values = ", ".join(_literal(value) for value, _ in layout.directions)
    excel = "regexp_full_match({}, '[0-9]+(?:[.,][0-9]+)?[Ee]\\+?[0-9]+')"
    plain_id = f"regexp_matches({{0}}, {_ASCII}) AND NOT {excel.format('{0}')}"
    return " AND ".join([
        f"v_bericht_id <> '' AND {plain_id.format('v_bericht_id')}",
        f"(v_in_antwoord_op = '' OR {plain_id.format('v_in_antwoord_op')})",
        f"(v_gesprek_id = '' OR {plain_id.format('v_gesprek_id')})",
        "platform IS NOT NULL AND regexp_full_match(v_kanaal, '[A-Za-z]+')",
        f"(v_richting = '' OR (regexp_full_match(v_richting, '[A-Za-z]+') AND lower(v_richting) IN ({values})))",
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
            delim = {_literal(layout.separator)}, quote = '"', escape = '"', columns = {{{columns}}},
            auto_detect = false, null_padding = true, nullstr = '{NULL_STRING}', strict_mode = false,
            parallel = false, filename = true, encoding = '{layout.encoding}', compression = 'none')""", [paths])


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
    platform = " ".join(f"WHEN {_literal(k)} THEN {_literal(v)}" for k, v in platform_names().items())
    direction = " ".join(f"WHEN {_literal(k)} THEN {_literal(v)}" for k, v in layout.directions)
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
        SELECT fid, ord, cells_ok AND {_row_checks(layout)} AS row_ok, 'line ' || line AS source_position,
            platform, v_bericht_id AS message_id, nullif({_handle("v_auteur")}, '') AS author_handle,
            local_time, nullif(v_tekst, '') AS text, nullif(v_in_antwoord_op, '') AS in_reply_to_id,
            list_filter(mentioned, lambda h, i: list_position(mentioned, h) = i) AS mentions,
            nullif({_handle("v_account")}, '') AS channel_handle,
            CASE lower(v_richting) {direction} END AS direction, nullif(v_gesprek_id, '') AS conversation_id
        FROM w""")


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
    text VARCHAR, in_reply_to_id VARCHAR, mentions VARCHAR[], channel_handle VARCHAR, direction VARCHAR,
    conversation_id VARCHAR)"""


def shape_group(con: duckdb.DuckDBPyConnection, files: list[BulkFile]) -> ShapedPart:
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
            false AS is_retweet, NULL::VARCHAR AS retweeted_id,
            NULL::VARCHAR AS quoted_id, NULL::VARCHAR AS channel_account_id, '{SOURCE_SYSTEM}' AS source_system
        FROM _wc_shaped s LEFT JOIN _wc_offsets o ON o.day = s.local_time::DATE
            LEFT JOIN _wc_instants i ON i.local_time = s.local_time""")
    for name in ("_wc_lines", "_wc_offsets", "_wc_instants"):
        con.unregister(name)
    for name in ("_wc_numbered", "_wc_shaped"):  # _number dropped each layout's _wc_read
        con.execute(f"DROP TABLE IF EXISTS {name}")
    return set_apart(con, files, TABLE)
