"""Load landed files into the raw layer: once per file, all or nothing, with lineage on every row.

A *source* knows how to find its files (or archive folders) and how to parse one into records.
This module does the rest, the same way for every source:

- a file is keyed by its SHA-256; a hash already in ``raw._files`` is skipped, so re-runs load nothing new;
- each file all or nothing: a small file is parsed to the end before it is written (complete files are then
  committed together, see :class:`_Writer`), a big one has its own transaction; so a file that turns out
  malformed half-way leaves no row behind; it is moved to
  ``$DIALOOG_HOME/quarantine/<source>/`` with a ``.reason`` file and recorded in ``dq.quarantined_files``;
- a record the parser cannot use is yielded as :class:`RowRejected` and goes to ``dq.quarantined_rows``
  while the rest of the file loads;
- records are inserted in Arrow batches, so memory stays flat whatever the file size.

A source may also have a *bulk* loader (:class:`BulkLoad`): DuckDB reads a group of small files with its own
readers and shapes their rows in SQL, with no Python per row. It takes only the files whose every record it
can shape exactly as the Python parser would; any other file (a reject, an unusual value, a malformed file)
goes through the parser as before, so rejects and their reasons do not depend on which path ran. Bulk
groups run in background threads, each in its own transaction on its own cursor (:class:`_BulkGroup`).

Whatever a landed file holds, it can only get itself quarantined (docs/security.md): any error while
parsing one file (a parser's, a library's, RecursionError, MemoryError, a limit of
:class:`core.settings.Limits`) or writing its values quarantines that file with a reason that names the
kind of failure and never quotes the file's content; symbolic links and special files are quarantined unread;
hidden files and ``.reason`` notes are reported, not loaded; a path with glob characters never reaches DuckDB's
readers (they would read it as a pattern).
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import itertools
import json
import logging
import os
import re
import shutil
import stat
import uuid
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol

import duckdb
import pyarrow as pa

from core.bookkeeping import ensure_bookkeeping
from core.settings import Settings, get_limits

log = logging.getLogger(__name__)

BATCH_ROWS = 50_000
#: Complete small files are committed together once they hold this many records (see :class:`_Writer`).
GROUP_ROWS = 10_000

#: Lineage columns added to every raw table, after the source's own columns.
LINEAGE_COLUMNS: dict[str, str] = {
    "source_file": "VARCHAR NOT NULL",
    "source_sha256": "VARCHAR NOT NULL",
    "source_position": "VARCHAR NOT NULL",
    "load_id": "VARCHAR NOT NULL",
    "loaded_at": "TIMESTAMPTZ NOT NULL",
}


class FileRejected(Exception):
    """The whole file is unusable (malformed, wrong structure, wrong encoding); nothing of it loads."""

    def __init__(self, reason: str, position: str | None = None) -> None:
        super().__init__(reason if position is None else f"{reason} (at {position})")
        self.reason = reason
        self.position = position


@dataclass(frozen=True)
class RowRejected:
    """One record that cannot be used; the rest of its file still loads."""

    position: str
    reason: str
    content: str = ""


@dataclass(frozen=True)
class Record:
    """One parsed row: its values (keyed by raw column) and where it sits in the file."""

    position: str
    values: dict[str, Any]


Parsed = Record | RowRejected


@dataclass(frozen=True)
class BulkFile:
    """One new small file offered to a bulk loader, with its lineage."""

    path: Path
    label: str
    sha: str
    weight: int = 0  # Source.bulk_weight


class BulkPart(Protocol):
    """A part of a bulk group, shaped and waiting for the group's transaction."""

    def insert(self, con: duckdb.DuckDBPyConnection, load_id: str, loaded_at: datetime) -> dict[str, int]:
        """Insert the rows of the files taken into the source's raw table (inside the caller's transaction,
        lineage columns included); ``{label: rows}`` of those files."""

    def discard(self, con: duckdb.DuckDBPyConnection) -> None:
        """Drop the part's tables (after the group's commit or rollback, or when another part failed)."""


#: ``bulk(con, files)`` shapes the rows of the files it can load, outside any transaction (a table dropped
#: inside one keeps its memory until the commit), and returns them as a :class:`BulkPart`; the files it leaves
#: out are parsed in Python. It must take a file whole or not at all.
BulkLoad = Callable[[duckdb.DuckDBPyConnection, list[BulkFile]], BulkPart]


@dataclass(frozen=True)
class Source:
    """A landing source: its raw table, how to find its load units and how to parse one."""

    name: str
    table: str
    columns: dict[str, str]
    parse: Callable[[Path], Iterable[Parsed]]
    #: Finds load units under the landing folder; default: every regular file, recursively.
    discover: Callable[[Path], Iterable[Path]] | None = None
    #: Reference files shipped with the project, loaded before landed ones.
    shipped: tuple[Path, ...] = ()
    #: True when the file name carries data (a CBS list's year): then the name is part of the file's key.
    name_is_data: bool = False
    #: Loads groups of small landed files in DuckDB itself (see :data:`BulkLoad`); None: Python only.
    bulk: BulkLoad | None = None
    #: Files up to this size go to ``bulk``; bigger ones stream through ``parse`` (bounded memory).
    bulk_max_bytes: int = 8 << 20
    #: A bulk group (one transaction) is made once its files weigh this much together, and DuckDB reads and
    #: shapes it a part of at most ``bulk_part_bytes`` at a time (so memory is bounded by the part). A group
    #: that inserts at least a row group (122,880 rows) is written compressed as it is inserted and appended
    #: whole at commit; a smaller one is appended into the table's last row group, which the commit then
    #: rewrites (X API rows: 0.51 s per 100 k in 105 k-row commits, 0.37 s in one row group, 0.20 s in two;
    #: docs/benchmarks.md, round 5).
    bulk_group_bytes: int = 48 << 20
    bulk_part_bytes: int = 48 << 20
    #: What a landed file weighs against ``bulk_max_bytes`` and ``bulk_group_bytes``; default: its size on
    #: disk (an archive weighs what DuckDB will read of it unpacked).
    bulk_weight: Callable[[Path], int] | None = None


@dataclass
class SourceReport:
    """What one load of one source did; logged by the task and stored in ``dq.loads``."""

    source: str
    load_id: str
    files_loaded: list[str] = field(default_factory=list)
    files_skipped: int = 0
    files_quarantined: list[tuple[str, str]] = field(default_factory=list)
    rows_loaded: int = 0
    rows_quarantined: int = 0
    #: Hidden files and folders and ``.reason`` notes in the landing zone: reported, never loaded.
    files_ignored: list[str] = field(default_factory=list)

    def summary(self) -> str:
        ignored = f", {len(self.files_ignored)} hidden or .reason file(s) ignored" if self.files_ignored else ""
        return (
            f"{self.source}: {len(self.files_loaded)} file(s) loaded with {self.rows_loaded} row(s), "
            f"{self.rows_quarantined} row(s) quarantined, {len(self.files_quarantined)} file(s) quarantined, "
            f"{self.files_skipped} already loaded{ignored}"
        )


#: Errors that mean "this file is malformed" for certain. A file's parse that fails with any other exception
#: quarantines the file too (a library's parser error, RecursionError, MemoryError): see :func:`describe`.
MALFORMED_ERRORS: tuple[type[BaseException], ...] = (
    FileRejected,
    UnicodeDecodeError,
    json.JSONDecodeError,
    zipfile.BadZipFile,
    csv.Error,
    EOFError,
)

#: Errors writing a parsed file's values that its values caused (text that is not UTF-8, a number out of range,
#: a value of the wrong type): the file is quarantined. Any other error writing (disk full, a bug) fails the load.
WRITE_ERRORS: tuple[type[BaseException], ...] = (
    pa.ArrowException, UnicodeError, OverflowError, duckdb.ConversionException, duckdb.InvalidInputException,
    duckdb.ConstraintException, duckdb.OutOfRangeException, duckdb.TypeMismatchException,
)

#: Characters DuckDB's file readers expand as a glob pattern (``*``, ``?``, ``[...]``; braces for good measure).
GLOB_CHARS = frozenset("*?[]{}")


def literal_path(path: Path | str) -> bool:
    """Whether DuckDB's readers would read this path as itself: it has no glob character (``page[1].json`` would
    read ``page1.json``, ``*.json`` every page). Others go to the Python parser."""
    return GLOB_CHARS.isdisjoint(str(path))


def new_load_id(source: str) -> str:
    """A readable, unique id for one load of one source."""
    return f"{source}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def ensure_table(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Create the source's raw table with its lineage columns (idempotent)."""
    cols = {**source.columns, **LINEAGE_COLUMNS}
    ddl = ", ".join(f'"{name}" {kind}' for name, kind in cols.items())
    con.execute(f"CREATE TABLE IF NOT EXISTS raw.{source.table} ({ddl})")


def unit_sha256(path: Path, include_name: bool = False) -> str:
    """SHA-256 of a file, or of a folder's relative paths and contents (for unzipped archives). Links are never
    followed: a folder's linked files and folders are not part of it (see :func:`regular_files`)."""
    digest = hashlib.sha256()
    if include_name:
        digest.update(path.name.encode() + b"\0")
    folder = stat.S_ISDIR(os.lstat(path).st_mode)
    for relative in regular_files(path) if folder else [""]:
        if folder:
            digest.update(relative.encode() + b"\0")
        fd = os.open(path / relative if relative else path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def regular_files(folder: Path) -> list[str]:
    """The regular files under a folder as relative POSIX paths in path order (as ``sorted(rglob)``: by their parts,
    so a folder's key stays what it was), walking its real sub-folders only: a linked file or folder is not
    followed (it could point anywhere, or at the folder itself)."""
    found: list[str] = []

    def walk(current: Path, prefix: str) -> None:
        with os.scandir(current) as listing:
            for entry in listing:
                if entry.is_dir(follow_symlinks=False):
                    walk(Path(entry.path), f"{prefix}{entry.name}/")
                elif entry.is_file(follow_symlinks=False):
                    found.append(prefix + entry.name)

    walk(folder, "")
    return sorted(found, key=lambda relative: relative.split("/"))


def is_hidden(name: str) -> bool:
    """A hidden file (``.name``: editor and transfer tools' temporary files) or a quarantine ``.reason`` note: the
    loader reports these and loads nothing of them (a hidden folder's files load, except in ``x_archive``)."""
    return name.startswith(".") or name.endswith(".reason")


class UnpackBudget:
    """What one ZIP (an X archive, an XLSX workbook) may unpack to (:class:`core.settings.Limits`): its
    members' declared sizes are checked when it is opened, and the bytes actually read are counted as they are
    read, since a ZIP's headers can lie. The ratio applies once it unpacks to more than :attr:`RATIO_FLOOR`."""

    RATIO_FLOOR = 1 << 20

    def __init__(self, path: Path, members: Iterable[zipfile.ZipInfo]) -> None:
        limits = get_limits()
        self.max_bytes, self.max_ratio = limits.max_unpacked_bytes, limits.max_unpack_ratio
        self.packed = max(os.stat(path).st_size, 1)
        self.unpacked = 0
        self.check(sum(member.file_size for member in members), "declared in its directory")

    def check(self, size: int, how: str) -> None:
        if size > self.max_bytes:
            raise FileRejected(f"ZIP unpacks to more than {self.max_bytes} bytes ({how}; DIALOOG_MAX_UNPACKED_BYTES)")
        if size > self.RATIO_FLOOR and size > self.max_ratio * self.packed:
            raise FileRejected(f"ZIP unpacks to more than {self.max_ratio:g} times its size of {self.packed} bytes "
                               f"({how}; DIALOOG_MAX_UNPACK_RATIO): a ZIP bomb?")

    def reader(self, handle: IO[bytes]) -> IO[bytes]:
        """A member's stream whose bytes count against the budget as they are read."""
        return _CountedReader(handle, self)


class _CountedReader(io.RawIOBase):
    def __init__(self, handle: IO[bytes], budget: UnpackBudget) -> None:
        self._handle, self._budget = handle, budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._handle.read(len(buffer))
        self._budget.unpacked += len(data)
        self._budget.check(self._budget.unpacked, "as read")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._handle.close()
        super().close()


def default_discover(folder: Path) -> Iterator[Path]:
    """Every entry under the folder that is not a real folder, in sorted path order: regular files, and also
    links, special files, hidden files and ``.reason`` notes, which :func:`load_source` reports (see
    :func:`screen`) instead of loading. Linked folders are not walked (a link to its own parent would never end;
    one to another source's folder would take its files).

    A directory walk that reads each folder's entries once (their types come with them): a national year is
    tens of thousands of pages, and a ``stat`` per page per question cost more than hashing the first group."""
    if not folder.is_dir():  # the source's own folder may be a link the operator made; nothing under it is
        return
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from default_discover(Path(entry.path))
        else:
            yield Path(entry.path)


#: What :func:`screen` says of an entry that is not loaded.
IGNORED, REFUSED = "ignored", "refused"


def screen(path: Path) -> tuple[str, str] | None:
    """Whether a landed entry may be read, from its ``lstat`` alone (never its target): None when it may, else
    ``(IGNORED, why)`` for a hidden file (or X archive folder) or a ``.reason`` note (reported, left in place) or
    ``(REFUSED, reason)`` for a symbolic link or a special file (quarantined unread)."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return REFUSED, "symbolic link: not followed"
    if is_hidden(path.name):
        kind = "a .reason note" if path.name.endswith(".reason") else "a hidden file or folder"
        return IGNORED, f"{kind}: not loaded"
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        return REFUSED, "not a regular file (a pipe, socket or device): not read"
    return None


def load_source(
    con: duckdb.DuckDBPyConnection, source: Source, settings: Settings, load_id: str | None = None
) -> SourceReport:
    """Load every new unit of one source (shipped reference data first, then the landing zone)."""
    load_id = load_id or new_load_id(source.name)
    started = datetime.now(UTC)
    ensure_bookkeeping(con)
    ensure_table(con, source)
    report = SourceReport(source=source.name, load_id=load_id)
    landing = settings.landing / source.name
    discover = source.discover or default_discover
    # Found as they are loaded (a generator): the first bulk group starts before the walk of the landing ends.
    units = itertools.chain(
        ((p, f"shipped:{source.name}/{p.name}", False) for p in source.shipped),
        ((p, str(p.relative_to(settings.landing)), True) for p in discover(landing)),
    )
    writer = _Writer(con, source, load_id, report, settings)
    group = _BulkGroup(writer, settings)
    try:
        for path, label, landed in units:
            if landed and not _admitted(writer, path, label):
                continue
            weight = _bulk_weight(source, path) if source.bulk is not None and landed else None
            if weight is not None and weight <= source.bulk_max_bytes:
                sha = _hash(writer, path, label, landed)
                if sha is not None:
                    group.add(path, label, weight, sha)
            else:
                _load_unit(writer, settings, path, label, landed)
        group.run()
    finally:
        group.close()
    writer.flush()
    con.execute(
        """INSERT OR REPLACE INTO dq.loads (load_id, source, started_at, finished_at, files_loaded, files_skipped,
               files_quarantined, rows_loaded, rows_quarantined, files_ignored)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [load_id, source.name, started, datetime.now(UTC), len(report.files_loaded), report.files_skipped,
         len(report.files_quarantined), report.rows_loaded, report.rows_quarantined, len(report.files_ignored)],
    )
    log.info(report.summary())
    return report


def _admitted(writer: _Writer, path: Path, label: str) -> bool:
    """Whether a landed entry may be read (:func:`screen`); a refused one is quarantined unread, an ignored one
    reported."""
    try:
        verdict = screen(path)
    except FileNotFoundError:
        log.warning("%s: gone before it was read", label)
        return False
    if verdict is None:
        return True
    kind, why = verdict
    if kind == IGNORED:
        writer.report.files_ignored.append(label)
        log.warning("ignored %s: %s", label, why)
    else:
        _quarantine(writer.con, writer.settings, writer.source, path, label, True, "", FileRejected(why),
                    writer.load_id, writer.report)
    return False


def _bulk_weight(source: Source, path: Path) -> int | None:
    """What a landed file weighs for the bulk loader, or None when DuckDB's readers must not read it: not a regular
    file, or a path with glob characters (read as a pattern, it would read other files)."""
    try:
        if not literal_path(path) or not stat.S_ISREG((info := path.stat()).st_mode):
            return None
        return source.bulk_weight(path) if source.bulk_weight else info.st_size
    except Exception:  # unreadable or not what its name says: the parser reads it and says why
        return None


def _hash(writer: _Writer, path: Path, label: str, landed: bool) -> str | None:
    """The unit's key (:func:`unit_sha256`); None when it cannot be read (then quarantined) or is gone."""
    try:
        return unit_sha256(path, writer.source.name_is_data)
    except FileNotFoundError:
        if not landed:
            raise
        log.warning("%s: gone before it was read", label)
    except OSError as exc:
        if not landed:
            raise
        _quarantine(writer.con, writer.settings, writer.source, path, label, landed, "", exc, writer.load_id,
                    writer.report)
    return None


@dataclass
class _ParsedFile:
    """One unit parsed to the end: its rows, its rejected rows and its lineage, not yet written."""

    label: str
    sha: str
    loaded_at: datetime
    records: list[Record] = field(default_factory=list)
    rejects: list[RowRejected] = field(default_factory=list)
    written: int = 0  # records already inserted (a big file streams in its own transaction)
    rejects_written: int = 0
    path: Path | None = None  # where it lies, and whether in the landing zone: to quarantine it if it cannot
    landed: bool = False  # be written


class _Writer:
    """Writes parsed files into the raw layer, each file all or nothing.

    Small files (under ``BATCH_ROWS`` records) are parsed whole before anything is written, then committed
    together with other small files in one transaction: a file that fails half-way has written nothing,
    and a commit holds every row of each file in it or none. A commit per small file cost more than
    parsing it (DuckDB's per-commit and per-statement overhead dominated the demo data's 25-row pages).
    A bigger file gets its own transaction and streams in batches, so memory stays bounded.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, source: Source, load_id: str, report: SourceReport,
                 settings: Settings) -> None:
        self.con, self.source, self.load_id, self.report, self.settings = con, source, load_id, report, settings
        self.names = list(source.columns)
        # Every hash already registered, read once: one query per load instead of one per file.
        self.known = {row[0] for row in con.execute("SELECT source_sha256 FROM raw._files").fetchall()}
        self.pending: list[_ParsedFile] = []
        self.pending_rows = 0

    def add(self, done: _ParsedFile) -> None:
        """Queue a small file that parsed to the end; commit the queue when it holds a batch."""
        self.pending.append(done)
        self.pending_rows += len(done.records) + len(done.rejects)
        if self.pending_rows >= GROUP_ROWS:
            self.flush()

    def flush(self) -> None:
        """Commit every queued file in one transaction. When a file's values cannot be written (text that is not
        UTF-8, a value of the wrong type: :data:`WRITE_ERRORS`), each file is committed alone and the ones that
        fail are quarantined."""
        if not self.pending:
            return
        files, self.pending, self.pending_rows = self.pending, [], 0
        try:
            self.commit(files, count=False)
        except WRITE_ERRORS:
            log.debug("a group of %d parsed file(s) could not be written; writing them one by one", len(files),
                      exc_info=True)
            for done in files:
                try:
                    self.commit([done])
                except WRITE_ERRORS as exc:
                    self.refuse(done, exc)
            return
        for done in files:
            self.loaded(done)

    def commit(self, files: list[_ParsedFile], count: bool = True) -> None:
        """Insert parsed files and register them, in one transaction (and count them in the report)."""
        self.con.begin()
        try:
            _insert_batch(self.con, self.source, self.names, files, self.load_id)
            self.register(files)
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise
        for done in files if count else []:
            self.loaded(done)

    def refuse(self, done: _ParsedFile, exc: BaseException) -> None:
        """Quarantine a parsed file whose values could not be written."""
        self.known.discard(done.sha)
        log.debug("writing %s failed", done.label, exc_info=True)
        _quarantine(self.con, self.settings, self.source, done.path or Path(done.label), done.label,
                    done.landed and done.path is not None, done.sha, exc, self.load_id, self.report)

    def write_part(self, done: _ParsedFile) -> None:
        """Insert a big file's records so far (inside its own open transaction) and forget them."""
        _insert_batch(self.con, self.source, self.names, [done], self.load_id)
        _insert_rejects(self.con, self.source, done, self.load_id)
        done.written += len(done.records)
        done.rejects_written += len(done.rejects)
        done.records, done.rejects = [], []

    def register(self, files: list[_ParsedFile], con: duckdb.DuckDBPyConnection | None = None) -> None:
        """Write parsed files' rejected rows and their ``raw._files`` entries (inside the open transaction of
        ``con``: the writer's connection, or a bulk group's cursor)."""
        con = con or self.con
        for done in files:
            _insert_rejects(con, self.source, done, self.load_id)
        entries = pa.table({
            "source_sha256": [done.sha for done in files],
            "source": [self.source.name] * len(files),
            "source_file": [done.label for done in files],
            "load_id": [self.load_id] * len(files),
            "loaded_at": [done.loaded_at for done in files],
            "rows_loaded": [done.written + len(done.records) for done in files],
            "rows_quarantined": [self.rejected_count(done) for done in files],
        })
        con.register("_dialoog_files", entries)
        try:
            con.execute("INSERT INTO raw._files SELECT * FROM _dialoog_files")
        finally:
            con.unregister("_dialoog_files")

    @staticmethod
    def rejected_count(done: _ParsedFile) -> int:
        return done.rejects_written + len(done.rejects)

    def loaded(self, done: _ParsedFile, quiet: bool = False) -> None:
        """Count a committed file in the report."""
        rows, rejected = done.written + len(done.records), self.rejected_count(done)
        self.report.files_loaded.append(done.label)
        self.report.rows_loaded += rows
        self.report.rows_quarantined += rejected
        (log.debug if quiet else log.info)("loaded %s: %d row(s), %d quarantined", done.label, rows, rejected)

#: A bulk group (one transaction) is made once it holds this many files (or ``Source.bulk_group_bytes``).
BULK_FILES = 8_000
#: DuckDB reads and shapes a group a part at a time: at most this many files (and ``Source.bulk_part_bytes``).
BULK_PART_FILES = 2_000
#: Bulk groups in DuckDB at once, each in its own transaction on its own cursor: a group's commit (one core)
#: overlaps the next group's queries, and hashing the files of the group after them (see :class:`_BulkGroup`).
BULK_WORKERS = 2


def bulk_threads() -> int:
    """DuckDB's ``threads`` while bulk groups run: each worker's queries run on the worker's own thread, and
    DuckDB adds only what the cores have left. Its extra threads contended with the workers for two cores:
    at the default the X API load at scale 1 took 6.5 s, with one thread 5.7 s (docs/benchmarks.md, round 8)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores - BULK_WORKERS + 1)


class _BulkGroup:
    """Collects new small landed files and hands them to the source's bulk loader, a group at a time.

    A group is one transaction: the rows of the files the bulk loader took, and their ``raw._files``
    entries. The files it left out, and every file of a group whose query failed, go through the parser.

    Up to :data:`BULK_WORKERS` groups run in background threads, each on its own DuckDB cursor (DuckDB's own
    threads lowered to :func:`bulk_threads` meanwhile), while this thread hashes the files of the next group.
    Groups finish in the order they were made: a second copy of a file still in a running group waits for that
    group (``later``), and only this thread parses left-out files and counts loaded ones.
    """

    def __init__(self, writer: _Writer, settings: Settings) -> None:
        self.writer, self.settings = writer, settings
        self.files: list[BulkFile] = []
        self.later: list[tuple[Path, str, str]] = []  # a second copy of a file in a running group: after it
        self.claimed: set[str] = set()  # hashes of the files in groups not yet finished
        self.weight = 0  # of the files collected (Source.bulk_weight)
        self.running: deque[tuple[Future[tuple[dict[str, int], list[_ParsedFile]]], list[BulkFile], list]] = deque()
        self.pool: ThreadPoolExecutor | None = None
        self.threads: int | None = None  # DuckDB's own, restored when the pool closes

    def add(self, path: Path, label: str, weight: int, sha: str) -> None:
        if sha in self.writer.known:
            self.writer.report.files_skipped += 1
            return
        if sha in self.claimed:
            self.later.append((path, label, sha))
            return
        self.claimed.add(sha)
        self.files.append(BulkFile(path, label, sha, weight))
        self.weight += weight
        if len(self.files) >= BULK_FILES or self.weight >= self.writer.source.bulk_group_bytes:
            self.submit()

    def submit(self) -> None:
        """Start the collected group in the background (after finishing the oldest if all workers are busy)."""
        files, later = self.files, self.later
        self.files, self.later, self.weight = [], [], 0
        while len(self.running) >= BULK_WORKERS:
            self.finish(*self.running.popleft())
        if self.pool is None:
            con = self.writer.con
            self.threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
            con.execute(f"SET threads = {min(self.threads, bulk_threads())}")
            self.pool = ThreadPoolExecutor(BULK_WORKERS, thread_name_prefix=f"bulk-{self.writer.source.name}")
        self.running.append((self.pool.submit(self._bulk, files), files, later))

    def run(self) -> None:
        """Finish every group, the one being collected included."""
        if self.files or self.later:
            self.submit()
        while self.running:
            self.finish(*self.running.popleft())

    def close(self) -> None:
        """Wait for the groups still running (after an error: each commits or rolls back on its own cursor)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.threads is not None:
            self.writer.con.execute(f"SET threads = {self.threads}")
            self.threads = None
        self.running.clear()

    def finish(self, future: Future[tuple[dict[str, int], list[_ParsedFile]]], files: list[BulkFile],
               later: list[tuple[Path, str, str]]) -> None:
        """Count a group's committed files, then parse the files it left and the second copies."""
        taken, done = future.result()
        for parsed in done:
            self.writer.known.add(parsed.sha)
            self.writer.loaded(parsed, quiet=True)
        for unit in files:
            if unit.label not in taken:
                _load_unit(self.writer, self.settings, unit.path, unit.label, True, unit.sha)
        for path, label, sha in later:
            _load_unit(self.writer, self.settings, path, label, True, sha)
        self.claimed.difference_update(unit.sha for unit in files)

    def _bulk(self, files: list[BulkFile]) -> tuple[dict[str, int], list[_ParsedFile]]:
        """Bulk-load the files; a file DuckDB cannot read (named in its error, else found by halving) is left out."""
        taken: dict[str, int] = {}
        done: list[_ParsedFile] = []
        todo = [files] if files else []
        with self.writer.con.cursor() as con:
            while todo:
                part = todo.pop()
                try:
                    part_taken, part_done = self._bulk_once(con, part)
                    taken.update(part_taken)
                    done += part_done
                except duckdb.Error as exc:  # a malformed file: the parser will say why; the others go on in bulk
                    # DuckDB's message can quote the offending line: only its kind is logged
                    named = [f for f in part if _names(exc, f.path)]
                    log.info("bulk read of %d file(s) failed (%s): %s", len(part), type(exc).__name__,
                             named[0].label if named else "halving the group")
                    if named:
                        todo.append([f for f in part if f not in named])
                    elif len(part) > 1:
                        todo += [part[: len(part) // 2], part[len(part) // 2:]]
                except Exception as exc:  # the bulk loader's own Python failed on a file: the parser reads them all
                    log.warning("bulk loader failed on %d file(s) (%s); the parser reads them", len(part),
                                type(exc).__name__)
                    log.debug("bulk loader failure", exc_info=True)
        return taken, done

    def _bulk_once(self, con: duckdb.DuckDBPyConnection,
                   files: list[BulkFile]) -> tuple[dict[str, int], list[_ParsedFile]]:
        writer = self.writer
        if not files or writer.source.bulk is None:
            return {}, []
        shaped: list[BulkPart] = []
        try:
            for part in _parts(files, writer.source.bulk_part_bytes):  # shaped before the transaction: BulkLoad
                shaped.append(writer.source.bulk(con, part))
            loaded_at = datetime.now(UTC)
            con.begin()
            try:
                taken: dict[str, int] = {}
                for part in shaped:
                    taken.update(part.insert(con, writer.load_id, loaded_at))
                done = [_ParsedFile(f.label, f.sha, loaded_at, written=taken[f.label])
                        for f in files if f.label in taken]
                if done:
                    writer.register(done, con)
                con.commit()
            except BaseException:
                con.rollback()
                raise
        finally:
            for part in shaped:
                part.discard(con)
        log.info("bulk: %d of %d file(s) loaded by DuckDB with %d row(s); the rest go to the parser",
                 len(done), len(files), sum(taken.values()))
        return taken, done


def _parts(files: list[BulkFile], part_bytes: int) -> Iterator[list[BulkFile]]:
    """A group's files in parts of at most ``BULK_PART_FILES`` files and about ``part_bytes``."""
    part: list[BulkFile] = []
    weight = 0
    for unit in files:
        if part and (len(part) >= BULK_PART_FILES or weight + unit.weight > part_bytes):
            yield part
            part, weight = [], 0
        part.append(unit)
        weight += unit.weight
    if part:
        yield part


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (its type when it has none), at most 300 characters. Not for reasons
    or logs of a file's failure: a library's message can quote the file (see :func:`describe`)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def _names(exc: duckdb.Error, path: Path) -> bool:
    """Whether DuckDB's error names this file: quoted (JSON readers, ``read_text``) or as a ``file = <path>``
    line (CSV)."""
    text = str(exc)
    return (f'"{path}"' in text or f"'{path}'" in text
            or re.search(rf"^\s*file = {re.escape(str(path))}$", text, re.MULTILINE) is not None)


class _ParseFailed(Exception):
    """A file's parser raised ``error``: the file, not the loader, is the problem."""

    def __init__(self, error: Exception) -> None:
        super().__init__(type(error).__name__)
        self.error = error


def _parsed(parse: Callable[[Path], Iterable[Parsed]], path: Path, max_rows: int) -> Iterator[Parsed]:
    """The records of one file, at most ``max_rows``; whatever the parse raises comes out as :class:`_ParseFailed`
    (RecursionError and MemoryError included: a file nested or sized to break a parser is just a bad file)."""
    try:
        for count, item in enumerate(parse(path), start=1):
            if count > max_rows:
                raise FileRejected(f"more than {max_rows} records (DIALOOG_MAX_ROWS_PER_FILE)", item.position)
            yield item
    except Exception as exc:  # any parser error, of any library, is the file's
        raise _ParseFailed(exc) from exc


def _load_unit(
    writer: _Writer, settings: Settings, path: Path, label: str, landed: bool, sha: str | None = None
) -> None:
    source, con, report = writer.source, writer.con, writer.report
    sha = sha or _hash(writer, path, label, landed)
    if sha is None:
        return
    if sha in writer.known:
        report.files_skipped += 1
        return
    done = _ParsedFile(label, sha, datetime.now(UTC), path=path, landed=landed)
    own_transaction = False
    try:
        for item in _parsed(source.parse, path, get_limits().max_rows_per_file):
            if isinstance(item, RowRejected):
                done.rejects.append(item)
                continue
            done.records.append(item)
            if len(done.records) >= BATCH_ROWS:
                if not own_transaction:  # a big file: commit the queue, then stream this one alone
                    writer.flush()
                    con.begin()
                    own_transaction = True
                writer.write_part(done)
        if own_transaction:
            writer.write_part(done)
            writer.register([done])
            con.commit()
    except _ParseFailed as failed:
        if own_transaction:
            con.rollback()
        log.debug("parsing %s failed", label, exc_info=failed.error)
        _quarantine(con, settings, source, path, label, landed, sha, failed.error, writer.load_id, report)
        return
    except WRITE_ERRORS as exc:
        if not own_transaction:  # not this file's: the writer's queue handles its own files' values
            raise
        con.rollback()
        log.debug("writing %s failed", label, exc_info=True)
        _quarantine(con, settings, source, path, label, landed, sha, exc, writer.load_id, report)
        return
    except BaseException:
        if own_transaction:
            con.rollback()
        raise
    writer.known.add(sha)
    if own_transaction:
        writer.loaded(done)
    else:
        writer.add(done)


def _quarantine(
    con: duckdb.DuckDBPyConnection, settings: Settings, source: Source, path: Path, label: str, landed: bool,
    sha: str, exc: BaseException, load_id: str, report: SourceReport,
) -> None:
    """Move a file that cannot be loaded to the quarantine and record it (``sha`` empty when it was not read)."""
    reason = describe(exc)
    moved = quarantine_file(settings, source.name, path, reason) if landed else None
    con.execute(
        "INSERT INTO dq.quarantined_files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [load_id, source.name, label, sha, str(moved) if moved else None,
         getattr(exc, "position", None), reason, datetime.now(UTC)],
    )
    report.files_quarantined.append((label, reason))
    log.warning("quarantined %s: %s", label, reason)


def describe(exc: BaseException) -> str:
    """Why a file failed, for its quarantine reason and the log: the kind of failure, the error's type and where,
    never the file's content. Only the loaders' own :class:`FileRejected` texts (written not to quote content) and
    the fixed messages of a few libraries are used; other messages (DuckDB's, a value's ``repr``) can quote the
    offending line, so they are left out."""
    if isinstance(exc, FileRejected):
        return str(exc)
    name = error_name(exc)
    if isinstance(exc, UnicodeDecodeError):
        return f"encoding: bytes at offset {exc.start} do not decode as {exc.encoding}"
    if isinstance(exc, RecursionError):
        return f"nested too deeply to read ({name})"
    if isinstance(exc, MemoryError):
        return f"too large to read in memory ({name})"
    if isinstance(exc, json.JSONDecodeError):  # msg is fixed text ("Expecting value"); doc is the file: left out
        return f"invalid JSON: {exc.msg} (at line {exc.lineno} column {exc.colno})"
    if isinstance(exc, csv.Error):
        return f"malformed CSV: {scrub(str(exc))} ({name})"
    if isinstance(exc, zipfile.BadZipFile | zipfile.LargeZipFile):
        return f"unreadable ZIP: {scrub(str(exc))} ({name})"
    if isinstance(exc, SyntaxError):  # xml.etree's and expat's ParseError
        where = getattr(exc, "position", None)
        return f"malformed XML ({name}{f', at line {where[0]} column {where[1]}' if where else ''})"
    if isinstance(exc, EOFError):
        return f"truncated ({name})"
    if isinstance(exc, duckdb.Error):
        return f"DuckDB refused it ({name})"
    if isinstance(exc, OSError):
        return f"unreadable: {errno.errorcode.get(exc.errno or 0, 'error')} ({name})"
    if isinstance(exc, pa.ArrowException | UnicodeError):
        return f"a value cannot be stored ({name})"
    return f"the parser failed on it ({name})"


def error_name(exc: BaseException) -> str:
    """An error's type, with its module unless built in (``xml.etree.ElementTree.ParseError``, ``RecursionError``)."""
    kind = type(exc)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


_QUOTED = re.compile(r"""'[^']*'|"[^"]*"|'.*|".*""")


def scrub(message: str) -> str:
    """The first line of a library's fixed-format message with anything quoted in it left out, printable, at most
    120 characters (zipfile quotes member names; csv quotes only its dialect's characters)."""
    line = (message.strip().splitlines() or [""])[0]
    line = _QUOTED.sub("'…'", line)
    return "".join(c if c.isprintable() else "?" for c in line)[:120]


def _insert_rejects(con: duckdb.DuckDBPyConnection, source: Source, done: _ParsedFile, load_id: str) -> None:
    if done.rejects:
        con.executemany(
            "INSERT INTO dq.quarantined_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [[load_id, source.name, done.label, done.sha, item.position, item.reason, item.content[:2000],
              done.loaded_at] for item in done.rejects],
        )


def _insert_batch(
    con: duckdb.DuckDBPyConnection, source: Source, names: list[str], files: list[_ParsedFile], load_id: str,
) -> None:
    """Insert the records of one or more parsed files, lineage columns included, as one Arrow batch."""
    records = [rec for done in files for rec in done.records]
    if not records:
        return
    data: dict[str, Any] = {name: [rec.values.get(name) for rec in records] for name in names}
    data["source_position"] = [rec.position for rec in records]
    for column, value in (("source_file", "label"), ("source_sha256", "sha"), ("loaded_at", "loaded_at")):
        data[column] = [getattr(done, value) for done in files for _ in done.records]
    arrow = pa.table(data)
    columns = ", ".join(f'"{name}"' for name in data)
    con.register("_dialoog_batch", arrow)
    try:
        con.execute(f"INSERT INTO raw.{source.table} ({columns}, load_id) SELECT {columns}, ? FROM _dialoog_batch",
                    [load_id])
    finally:
        con.unregister("_dialoog_batch")


def quarantine_file(settings: Settings, source: str, path: Path, reason: str) -> Path | None:
    """Move a landed file (or archive folder, or link: the link itself) to the quarantine with a ``.reason`` file
    beside it; None (logged) when it cannot be moved, e.g. a pipe on another file system."""
    target_dir = settings.quarantine / source
    target_dir.mkdir(parents=True, exist_ok=True)
    for folder in (settings.quarantine, target_dir):  # a quarantined file can hold citizens' words: owner only
        if stat.S_IMODE(folder.stat().st_mode) & 0o077:
            folder.chmod(0o700)
    target = target_dir / path.name
    if os.path.lexists(target) or os.path.lexists(f"{target}.reason"):
        target = target_dir / f"{path.stem}.{uuid.uuid4().hex[:6]}{path.suffix}"
    try:
        if os.path.islink(path) or not (path.is_file() or path.is_dir()):
            os.rename(path, target)  # the link or special file itself, never what it points to
        else:
            shutil.move(str(path), target)
    except OSError as exc:
        log.error("could not move %s to the quarantine (%s); it stays in the landing zone", path, error_name(exc))
        return None
    fd = os.open(target.with_name(target.name + ".reason"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as note:
        note.write(reason + "\n")
    return target


def undo_load(
    con: duckdb.DuckDBPyConnection, source: Source, settings: Settings, report: SourceReport,
    quarantine: dict[str, str],
) -> None:
    """Take a whole load back out of the raw layer (a fatal check failed on it).

    The files in ``quarantine`` (label → reason) are moved to the quarantine; the load's other files
    stay in the landing zone, no longer registered, so the next run loads them again.
    """
    con.begin()
    con.execute(f"DELETE FROM raw.{source.table} WHERE load_id = ?", [report.load_id])
    con.execute("DELETE FROM raw._files WHERE load_id = ?", [report.load_id])
    con.commit()
    for label, reason in sorted(quarantine.items()):
        path = settings.landing / label
        if label.startswith("shipped:") or not path.exists():
            continue
        sha = unit_sha256(path, source.name_is_data)
        moved = quarantine_file(settings, source.name, path, reason)
        con.execute(
            "INSERT INTO dq.quarantined_files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [report.load_id, source.name, label, sha, str(moved) if moved else None, None, reason, datetime.now(UTC)],
        )
        report.files_quarantined.append((label, reason))
        log.warning("quarantined %s: %s", label, reason)
    report.files_loaded = [label for label in report.files_loaded if label not in quarantine]
    report.rows_loaded = 0
