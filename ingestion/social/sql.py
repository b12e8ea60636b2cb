"""What the social formats' bulk readers share: DuckDB reads a group of files and shapes the messages in SQL.

A format's bulk loader (see :data:`ingestion.framework.BulkLoad`) fills two temporary tables for one group
of files:

- ``_bulk_pages(fid, page_ok)``: one row per file it read; ``page_ok`` is false for a file the SQL cannot
  shape exactly as the Python parser would (an unexpected JSON type, a missing field, an error page);
- ``_bulk_rows(fid, ord, row_ok, source_position, <message columns but author_key>)``: the shaped messages;
  ``row_ok`` is false for a message the parser would reject or shape differently.

:func:`set_apart` then takes the files whose page and rows are all fine and computes the citizen pseudonyms
(an HMAC per distinct author, in SQL; in Python for an identity SQL cannot normalise exactly as
:func:`core.pseudonym.citizen_key`); all of this runs outside the group's transaction, which only inserts
the messages taken, with their lineage (:meth:`ShapedPart.insert`). Every other file is left to the Python
parser, so rejects and their reasons are the parser's alone.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import duckdb
import pyarrow as pa

from core.pseudonym import hmac_pads, sql_citizen_key
from core.settings import get_limits
from ingestion.framework import LINEAGE_COLUMNS, BulkFile, literal_path
from ingestion.social.json_input import json_depth_ok
from ingestion.social.messages import MESSAGE_COLUMNS, author_key, citizen_key_bytes

#: The message columns the SQL shapes (the pseudonym is added at insert).
SHAPED_COLUMNS = tuple(name for name in MESSAGE_COLUMNS if name != "author_key")

#: DuckDB's limit for one JSON value read by ``read_json_objects`` (an element of an X archive's tweets): above the
#: biggest file a bulk loader is given (``Source.bulk_max_bytes``).
MAX_OBJECT = 32 << 20

#: ``mentions_in`` in RE2: ``[^\p{L}\p{N}_@]`` is Python's ``(?<![\w@])``, except that it consumes the character,
#: which differs only when a mention ends in ``.`` right before the next ``@``: such texts go to the parser.
MENTION_RE2 = r"(?:^|[^\p{L}\p{N}_@])@([A-Za-z0-9_.]{1,30})"

#: A handle the SQL may lower-case itself: what ``normalise_handle`` would return lower-cased unchanged.
SIMPLE_HANDLE = "[A-Za-z0-9_]+"


def register_files(con: duckdb.DuckDBPyConnection, files: list[BulkFile]) -> list[str]:
    """Register the group as ``_bulk_files(fid, filename, label, sha)``; returns the paths to read (never with glob
    characters: the loader gives those files to the parser, see :func:`ingestion.framework.literal_path`)."""
    paths = [str(f.path) for f in files]
    if not all(map(literal_path, paths)):
        raise ValueError("a path with glob characters was offered to a bulk loader")
    con.register("_bulk_files", pa.table({
        "fid": list(range(len(files))), "filename": paths,
        "label": [f.label for f in files], "sha": [f.sha for f in files],
    }))
    return paths


@contextmanager
def insertion_order(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Within the block a table made from a read keeps the read's order, so its ``rowid`` numbers the records
    of each file in order (``preserve_insertion_order``, restored after)."""
    ordered = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
    if not ordered:
        con.execute("SET preserve_insertion_order = true")
    try:
        yield
    finally:
        if not ordered:
            con.execute("SET preserve_insertion_order = false")


def strict_structure(text: str) -> str:
    """SQL for the ``json_structure`` (as text) of the JSON text ``text``, or NULL where the parsers would not read
    the same JSON: not one JSON value, or what DuckDB's parser accepts and ijson (the parsers') rejects, a comma
    before a closing bracket, NaN or Infinity. Those are matched in the text, strings included: a page whose
    message says "NaN" goes to the parser, which is slower, not different."""
    lenient = f"regexp_matches({text}, ',\\s*[\\]}}]') OR contains({text}, 'NaN') OR contains({text}, 'Infinity')"
    return f"CASE WHEN NOT ({lenient}) THEN try(json_structure({text}))::VARCHAR END"


def structure_checker(check: Callable[[Any], bool]) -> Callable[[str], bool]:
    """Wrap a check of a parsed ``json_structure`` so each distinct structure is judged once."""

    @lru_cache(maxsize=4096)
    def judge(structure: str) -> bool:
        try:
            return check(json.loads(structure))
        except (ValueError, TypeError, AttributeError, RecursionError):
            return False

    return judge


def good_structures(con: duckdb.DuckDBPyConnection, judge: Callable[[str], bool], table: str = "_bulk_json",
                    column: str = "structure", depth_offset: int = 0) -> None:
    """Register ``_bulk_good_structures(structure)``: the distinct structures of the group ``judge`` accepts.

    A structure nests as deep as its JSON (``json_structure`` keeps every level): one deeper than
    ``DIALOOG_MAX_JSON_DEPTH`` (less ``depth_offset``, the levels around it in its file) is not accepted, so its
    file goes to the parser, which refuses it with the limit as reason."""
    seen = [row[0] for row in con.execute(f"SELECT DISTINCT {column} FROM {table}").fetchall()]
    depth = get_limits().max_json_depth - depth_offset
    con.register("_bulk_good_structures", pa.table(
        {"structure": [s for s in seen if s and json_depth_ok(s, depth) and judge(s)]},
        schema=pa.schema([("structure", pa.string())])))


def is_string(structure: Any) -> bool:
    """A ``json_structure`` leaf that is text or null (every value of that field a string or null)."""
    return structure in ("VARCHAR", "NULL")


def fields_ok(obj: Any, strings: tuple[str, ...], nested: dict[str, Callable[[Any], bool]] | None = None) -> bool:
    """An object's structure whose ``strings`` are text/null when present and whose ``nested`` checks pass."""
    if not isinstance(obj, dict):
        return False
    if any(name in obj and not is_string(obj[name]) for name in strings):
        return False
    return all(name not in obj or obj[name] == "NULL" or check(obj[name]) for name, check in (nested or {}).items())


def list_of(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """A structure that is an array whose elements pass ``check`` (``["NULL"]``: empty or only nulls)."""
    return lambda s: isinstance(s, list) and len(s) == 1 and (s[0] == "NULL" or check(s[0]))


def read_json_pages(con: duckdb.DuckDBPyConnection, files: list[BulkFile], judge: Callable[[str], bool],
                    page: str = "o.json") -> None:
    """Read each file of the group as one JSON value: ``_bulk_json(fid, structure, page)`` (``page`` is an SQL
    expression over ``o.json``, e.g. a typed ``from_json``) and ``_bulk_pages(fid, page_ok)``, true for a file
    that is exactly one JSON value whose structure ``judge`` accepts. A format may clear ``page_ok`` further.

    The files are read as text into a table first, then parsed from it: DuckDB's JSON functions applied straight
    to a reader's output (one file per chunk) cost about twice the CPU, and ``read_json_objects`` would parse
    each file once more (docs/benchmarks.md, round 8). A file without a :func:`strict_structure` (two values, a
    syntax error, what only DuckDB's parser accepts) goes to the parser; one that is not UTF-8 fails the read,
    named.

    A page longer than ``DIALOOG_MAX_VALUE_BYTES`` gets no structure either: SQL cannot cheaply measure its longest
    value, so the parser, which does, reads it (real pages are 10-60 kB)."""
    paths = register_files(con, files)
    con.execute("""CREATE OR REPLACE TEMP TABLE _bulk_text AS
        SELECT f.fid, o.content AS json FROM read_text(?) AS o JOIN _bulk_files AS f ON f.filename = o.filename""",
                [paths])
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _bulk_json AS
        SELECT fid, CASE WHEN strlen(o.json) <= {get_limits().max_value_bytes} THEN {strict_structure("o.json")} END
                   AS structure,
               try({page}) AS page FROM _bulk_text AS o""")
    con.execute("DROP TABLE _bulk_text")
    good_structures(con, judge)
    # read_text gives one row per file, so a page is one row
    con.execute("""CREATE OR REPLACE TEMP TABLE _bulk_pages AS
        SELECT fid, coalesce(structure IN (SELECT structure FROM _bulk_good_structures), false) AS page_ok
        FROM _bulk_json""")


_set_apart = itertools.count()


@dataclass(frozen=True)
class ShapedPart:
    """A part of a group shaped by :func:`set_apart`: its tables, under names of their own, wait for the group's
    transaction, which only inserts them (see :class:`ingestion.framework.BulkPart`)."""

    table: str
    files: tuple[BulkFile, ...]
    n: int
    #: ``{label: rows}`` of the files it takes
    taken: dict[str, int]

    def insert(self, con: duckdb.DuckDBPyConnection, load_id: str, loaded_at: datetime) -> dict[str, int]:
        """Insert the rows of the files taken, with lineage and pseudonym; ``{label: rows}`` of those files."""
        if self.taken:
            register_files(con, list(self.files))
            rows, taken, keys = _part_tables(self.n)
            columns = [*SHAPED_COLUMNS, "author_key", *LINEAGE_COLUMNS]
            shaped = ", ".join(f"r.{name}" for name in SHAPED_COLUMNS)
            con.execute(f"""INSERT INTO raw.{self.table} ({", ".join(columns)})
                SELECT {shaped}, k.author_key, f.label, f.sha, r.source_position, ?, ?
                FROM {rows} r JOIN {taken} USING (fid) JOIN _bulk_files f USING (fid)
                LEFT JOIN {keys} k ON k.platform = r.platform
                    AND k.identity = coalesce(r.author_id, r.author_handle)""", [load_id, loaded_at])
            con.unregister("_bulk_files")
        return self.taken

    def discard(self, con: duckdb.DuckDBPyConnection) -> None:
        for name in _part_tables(self.n):
            con.execute(f"DROP TABLE IF EXISTS {name}")


def _part_tables(n: int) -> tuple[str, str, str]:
    """The tables a part is set apart in: its rows, the files it takes, its authors' pseudonyms."""
    return f"_bulk_rows_{n}", f"_bulk_taken_{n}", f"_bulk_keys_{n}"


def set_apart(con: duckdb.DuckDBPyConnection, files: list[BulkFile], table: str) -> ShapedPart:
    """Judge the shaped part: which files it takes, with how many rows, and the pseudonym of each distinct author
    (an HMAC in SQL; in Python for an identity SQL cannot normalise exactly as
    :func:`core.pseudonym.citizen_key`). Then drop what the shaping left and set the rows apart for
    :meth:`ShapedPart.insert`.

    Called outside the group's transaction, like the whole shaping: a table dropped inside a transaction keeps
    its memory until the commit, so every intermediate table of every part of a group would be held at once
    (webcare: ~450 MB for a group of 48 MB; docs/benchmarks.md, round 7)."""
    n = next(_set_apart)
    rows, taken, keys = _part_tables(n)
    con.execute(f"ALTER TABLE _bulk_rows RENAME TO {rows}")
    # A file with more records than DIALOOG_MAX_ROWS_PER_FILE goes to the parser, which refuses it.
    con.execute(f"""CREATE TEMP TABLE {taken} AS
        SELECT p.fid FROM _bulk_pages p LEFT JOIN (SELECT fid, bool_and(row_ok) AS ok, count(*) AS n FROM {rows}
                                                   GROUP BY fid) r USING (fid)
        WHERE p.page_ok AND coalesce(r.ok, true) AND coalesce(r.n, 0) <= {get_limits().max_rows_per_file}""")
    key = citizen_key_bytes()
    con.execute(f"""CREATE TEMP TABLE {keys} AS
        WITH authors AS (SELECT DISTINCT platform, coalesce(author_id, author_handle) AS identity FROM {rows}
                         WHERE fid IN (SELECT fid FROM {taken}) AND identity IS NOT NULL)
        SELECT platform, identity, {sql_citizen_key("platform", "identity")} AS author_key FROM authors""",
                hmac_pads(key))
    odd = con.execute(f"SELECT platform, identity FROM {keys} WHERE author_key IS NULL").fetchall()
    if odd:
        con.register("_bulk_odd_keys", pa.table({
            "platform": [p for p, _ in odd], "identity": [i for _, i in odd],
            "author_key": [author_key(p, i, None, key) for p, i in odd],
        }))
        con.execute(f"""UPDATE {keys} k SET author_key = o.author_key FROM _bulk_odd_keys o
                       WHERE k.platform = o.platform AND k.identity = o.identity""")
        con.unregister("_bulk_odd_keys")
    counts = con.execute(f"""SELECT f.label, count(r.fid) FROM {taken} t JOIN _bulk_files f USING (fid)
        LEFT JOIN {rows} r ON r.fid = t.fid GROUP BY f.label""").fetchall()
    for name in ("_bulk_files", "_bulk_good_structures"):
        con.unregister(name)
    for name in ("_bulk_json", "_bulk_pages"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    return ShapedPart(table, tuple(files), n, dict(counts))


def nothing(table: str) -> ShapedPart:
    """A part that takes no file."""
    return ShapedPart(table, (), next(_set_apart), {})
