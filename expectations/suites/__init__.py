"""Suite definitions, one module per source family or mart layer (cheap to import: no GX here).

:func:`load_suite` gives the suite that guards one load of a landing source and :func:`load_rows` the rows it
checks: in chunks of whole files when the suite allows it, so a national load needs no more memory than a
small one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

import duckdb

from expectations.model import Suite

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

T = TypeVar("T")

SOCIAL_SOURCES = ("x_api", "x_archive", "facebook_graph", "instagram_graph", "webcare_csv", "bluesky", "mastodon_api",
                  "mastodon_archive")


def _known_codes(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [row[0] for row in con.execute("SELECT DISTINCT gm_code FROM raw.cbs_gemeenten").fetchall()]


def load_suite(con: duckdb.DuckDBPyConnection, source: str) -> Suite | None:
    """The suite that guards one load of a landing source (None for a source without one)."""
    from expectations.suites import cbs, channels, social, survey

    if source == "cbs_gemeenten":
        return cbs.gemeenten_suite(unique_within=("gm_code", "jaar", "source_file"))
    if source == "cbs_herindelingen":
        return cbs.herindelingen_suite(_known_codes(con))
    if source == "cbs_bevolking":
        return cbs.bevolking_suite()
    if source == "channels":
        return channels.channels_suite(_known_codes(con))
    if source in SOCIAL_SOURCES:
        return social.messages_suite(source)
    if source == "survey":
        return survey.survey_suite()
    return None


#: Rows per chunk when a load is validated in chunks. A chunk holds whole files, so a file with more rows is
#: a chunk of its own: memory follows the chunk (or the biggest file), not the load. Measured on X loads of
#: 1 to 9.6 million messages: about 240 MB above the process at any size, and faster than one DataFrame
#: (numbers in :mod:`expectations._gx`).
CHUNK_ROWS = 200_000


def _select(source: str) -> str:
    """For messages only the columns the rules and the failing keys read (pandas holds every one)."""
    if source in SOCIAL_SOURCES:
        return ("platform, message_id, created_at, author_key, is_retweet, source_file, source_position, "
                "year(created_at AT TIME ZONE 'UTC')::BIGINT AS created_year")
    return "*"


def load_frame(con: duckdb.DuckDBPyConnection, source: str, table: str, load_id: str) -> pd.DataFrame:
    """The rows of one load in one DataFrame, as a suite that needs them all at once sees them."""
    return con.execute(f"SELECT {_select(source)} FROM raw.{table} WHERE load_id = ?", [load_id]).df()


def file_ranges(counts: Iterable[tuple[str, int]], max_rows: int) -> list[tuple[str, str]]:
    """Cut files (name, rows; in name order) into runs of whole files of at most ``max_rows`` rows each (a
    bigger file alone); the first and last name of each run."""
    ranges: list[tuple[str, str]] = []
    first, last, rows = None, "", 0
    for name, count in counts:
        if first is not None and rows + count > max_rows:
            ranges.append((first, last))
            first, rows = None, 0
        first, last, rows = first or name, name, rows + count
    if first is not None:
        ranges.append((first, last))
    return ranges


def load_chunks(
    con: duckdb.DuckDBPyConnection, source: str, table: str, load_id: str, max_rows: int | None = None
) -> Iterator[pd.DataFrame]:
    """The rows of one load as DataFrames of whole files (files in name order, each file's rows in load
    order), read one at a time; one empty DataFrame for a load without rows.

    A chunk is read only when the previous one is done with, so memory follows ``max_rows``
    (:data:`CHUNK_ROWS`), not the load. Each chunk is a query on its range of file names (row groups
    outside it are skipped on their min/max), run under :data:`READ_LIMIT`.
    """
    limit = _memory_limit(con)
    counts = _frugally(con, limit, lambda: con.execute(
        f"SELECT source_file, count(*) FROM raw.{table} WHERE load_id = ? GROUP BY ALL ORDER BY source_file",
        [load_id],
    ).fetchall())
    ranges = file_ranges(counts, max_rows or CHUNK_ROWS)
    if not ranges:
        yield load_frame(con, source, table, load_id)
    for first, last in ranges:
        sql = f"""SELECT {_select(source)} FROM raw.{table}
                  WHERE load_id = ? AND source_file BETWEEN ? AND ? ORDER BY source_file, rowid"""
        frame = _frugally(con, limit,
                          lambda sql=sql, first=first, last=last: read_frame(con, sql, [load_id, first, last]))
        yield frame
        del frame  # not held while the caller reads the next chunk


#: Rows per Arrow batch while :func:`read_frame` converts a result.
FRAME_BATCH_ROWS = 100_000


def read_frame(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = (),
               batch_rows: int = FRAME_BATCH_ROWS) -> pd.DataFrame:
    """A query's rows with the dtypes DuckDB's ``.df()`` gives, read through Arrow a batch at a time: 2-4 times
    faster, without a Python object per string on the way, and without ``.df()``'s second copy of the result
    (fct_questions at scale 10, 430 MB in pandas: 1.9 GB peak through ``.df()``, 950 MB in batches). Like
    ``.df()``, an integer or boolean column is nullable (``Int64``, ``boolean``) only when it holds a null."""
    return frame_of(con.sql(sql, params=list(params)).to_arrow_reader(batch_rows))


def frame_of(reader: pa.RecordBatchReader) -> pd.DataFrame:
    """The frame of a DuckDB result's Arrow batches (see :func:`read_frame`). DuckDB runs the query as the
    batches are read, so it can run out of memory after the first: pyarrow then raises an ``OSError``, which
    is raised again as DuckDB's ``OutOfMemoryException`` (what :func:`_frugally` retries at the normal limit)."""
    import pandas as pd
    import pyarrow as pa

    # integers and booleans convert to nullable dtypes, exactly (not through float), whichever batch has a null
    exact = {field.name: field.type for field in reader.schema
             if pa.types.is_integer(field.type) or pa.types.is_boolean(field.type)}
    nullable = {t: pd.BooleanDtype() if pa.types.is_boolean(t) else pd.api.types.pandas_dtype(
        t.to_pandas_dtype().__name__.replace("uint", "UInt").replace("int", "Int")) for t in exact.values()}
    try:
        parts = [batch.to_pandas(types_mapper=nullable.get) for batch in reader]
    except OSError as exc:
        if str(exc).startswith("Out of Memory Error"):
            raise duckdb.OutOfMemoryException(str(exc)) from exc
        raise
    if not parts:
        parts = [reader.schema.empty_table().to_pandas(types_mapper=nullable.get)]
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    for name, arrow_type in exact.items():
        if not frame[name].hasnans:
            frame[name] = frame[name].to_numpy(dtype=arrow_type.to_pandas_dtype())
    return frame


#: DuckDB's memory limit while it reads for :func:`load_chunks`. DuckDB keeps every block it read cached up
#: to its limit (80 % of RAM by default): about 30 MB per million messages, so without a cap the cache, not
#: the chunks, grows with the load. Lowering the limit evicts the cache; 200 k messages sort and fit in it.
#: A query that does not fit (a file far bigger than a chunk) runs again at the normal limit.
READ_LIMIT = "64MB"

_UNITS = {"bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40,
          "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}


def _size(text: str) -> float:
    """Bytes of a DuckDB size setting such as ``18.8 GiB`` or ``64MB`` (infinite when unreadable)."""
    number = text.rstrip("bBiKMGT ytes")
    unit = text[len(number):].strip() or "bytes"
    try:
        return float(number) * _UNITS[unit]
    except (KeyError, ValueError):
        return float("inf")


def _frugally(con: duckdb.DuckDBPyConnection, limit: str, query: Callable[[], T]) -> T:
    """``query()`` with DuckDB's memory limit lowered to :data:`READ_LIMIT` (never raised), then ``limit``
    put back (as read before the first query, so repeats never drift): the default exactly, a limit set
    before as DuckDB shows it (3 digits). A query too big for the cap runs again at ``limit``."""
    if _size(limit) <= _size(READ_LIMIT):
        return query()
    try:
        con.execute(f"SET memory_limit = '{READ_LIMIT}'")
    except duckdb.OutOfMemoryException:
        return query()  # more than the cap is in use, not cached: nothing to evict, nothing changed
    try:
        return query()
    except duckdb.OutOfMemoryException:
        pass  # falls through to the normal limit, after the finally
    finally:
        con.execute("RESET memory_limit")
        if _memory_limit(con) != limit:
            con.execute(f"SET memory_limit = '{limit}'")
    return query()


def _memory_limit(con: duckdb.DuckDBPyConnection) -> str:
    [(limit,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()  # a finished result
    return limit


def load_rows(
    con: duckdb.DuckDBPyConnection, suite: Suite, source: str, table: str, load_id: str
) -> pd.DataFrame | Iterator[pd.DataFrame]:
    """What :func:`expectations.runner.run_suite` checks for one load: chunks of whole files when every
    rule of the suite allows it (:attr:`Suite.chunkable`), else all rows in one DataFrame."""
    if suite.chunkable:
        return load_chunks(con, source, table, load_id)
    return load_frame(con, source, table, load_id)
