"""Writes parsed files into the raw layer, each file all or nothing, with lineage on every row: records are
inserted in Arrow batches, so memory stays flat whatever the file size."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from core.settings import Settings
from ingestion.framework.errors import WRITE_ERRORS
from ingestion.framework.hashes import LandingHashes
from ingestion.framework.quarantine import quarantine, quarantine_rows
from ingestion.framework.records import Record, RowRejected, Source, SourceReport

log = logging.getLogger(__name__)

#: Complete small files are committed together once they hold this many records (see :class:`Writer`).
GROUP_ROWS = 10_000


@dataclass
class ParsedFile:
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


class KnownHashes:
    """The SHA-256 of every file in ``raw._files``, fetched once, when a load first needs it, and kept up to date by the
    loads that share it: the sources of one family, loaded one after the other on one connection (one fetch instead
    of one per source; each fetch reads the hash of every file ever loaded, 0.1-0.2 s at bench scale 10)."""

    def __init__(self) -> None:
        self._hashes: set[str] | None = None

    def get(self, con: duckdb.DuckDBPyConnection) -> set[str]:
        if self._hashes is None:
            self._hashes = {row[0] for row in con.execute("SELECT source_sha256 FROM raw._files").fetchall()}
        return self._hashes

    def forget(self) -> None:
        """Fetch them again when next needed: a load was taken back out (``undo_load``), its files left
        ``raw._files``."""
        self._hashes = None


class Writer:
    """Writes parsed files into the raw layer, each file all or nothing.

    Small files (under :data:`ingestion.framework.unit.BATCH_ROWS` records) are parsed whole before anything is
    written, then committed together with other small files in one transaction: a file that fails half-way has
    written nothing, and a commit holds every row of each file in it or none. A commit per small file cost more
    than parsing it (DuckDB's per-commit and per-statement overhead dominated the demo data's 25-row pages).
    A bigger file gets its own transaction and streams in batches, so memory stays bounded.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, source: Source, load_id: str, report: SourceReport,
                 settings: Settings, known: KnownHashes | None = None) -> None:
        self.con, self.source, self.load_id, self.report, self.settings = con, source, load_id, report, settings
        self.names = list(source.columns)
        self._known = known or KnownHashes()
        # The landed files' remembered hashes (None: every file is hashed from its bytes).
        self.hashes: LandingHashes | None = None
        self.pending: list[ParsedFile] = []
        self.pending_rows = 0

    @property
    def known(self) -> set[str]:
        """Every hash already registered (``raw._files``), kept up to date by this load. Read once, when the load
        first meets a unit it did not pass by as loaded before (one query per load instead of one per file; none
        for a source with nothing new, which every hour most are: the hashes of every file ever loaded)."""
        return self._known.get(self.con)

    def add(self, done: ParsedFile) -> None:
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

    def commit(self, files: list[ParsedFile], count: bool = True) -> None:
        """Insert parsed files and register them, in one transaction (and count them in the report)."""
        self.con.begin()
        try:
            insert_batch(self.con, self.source, self.names, files, self.load_id)
            self.register(files)
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise
        for done in files if count else []:
            self.loaded(done)

    def refuse(self, done: ParsedFile, exc: BaseException) -> None:
        """Quarantine a parsed file whose values could not be written."""
        self.known.discard(done.sha)
        log.debug("writing %s failed", done.label, exc_info=True)
        self.quarantine(done.label, done.sha, exc, done.path if done.landed else None)

    def quarantine(self, label: str, sha: str, why: BaseException | str, path: Path | None) -> None:
        """Quarantine a file of this load (see :func:`ingestion.framework.quarantine.quarantine`)."""
        quarantine(self.con, self.settings, self.source, self.report, label, sha, why, path)

    def write_part(self, done: ParsedFile) -> None:
        """Insert a big file's records so far (inside its own open transaction) and forget them."""
        insert_batch(self.con, self.source, self.names, [done], self.load_id)
        quarantine_rows(self.con, self.source, self.load_id, done.label, done.sha, done.loaded_at, done.rejects)
        done.written += len(done.records)
        done.rejects_written += len(done.rejects)
        done.records, done.rejects = [], []

    def register(self, files: list[ParsedFile], con: duckdb.DuckDBPyConnection | None = None) -> None:
        """Write parsed files' rejected rows and their ``raw._files`` entries (inside the open transaction of
        ``con``: the writer's connection, or a bulk group's cursor)."""
        con = con or self.con
        for done in files:
            quarantine_rows(con, self.source, self.load_id, done.label, done.sha, done.loaded_at, done.rejects)
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
    def rejected_count(done: ParsedFile) -> int:
        return done.rejects_written + len(done.rejects)

    def loaded(self, done: ParsedFile, quiet: bool = False) -> None:
        """Count a committed file in the report."""
        rows, rejected = done.written + len(done.records), self.rejected_count(done)
        self.report.files_loaded.append(done.label)
        self.report.rows_loaded += rows
        self.report.rows_quarantined += rejected
        (log.debug if quiet else log.info)("loaded %s: %d row(s), %d quarantined", done.label, rows, rejected)


def insert_batch(
    con: duckdb.DuckDBPyConnection, source: Source, names: list[str], files: list[ParsedFile], load_id: str,
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
