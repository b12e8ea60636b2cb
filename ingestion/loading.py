"""Load landed files into the raw layer: once per file, all or nothing, with lineage on every row.

A *source* knows how to find its files (or archive folders) and how to parse one into records.
This module does the rest, the same way for every source:

- a file is keyed by its SHA-256; a hash already in ``raw._files`` is skipped, so re-runs load nothing new;
- one transaction per file: a file that turns out malformed half-way leaves no row behind; it is moved to
  ``$DIALOOG_HOME/quarantine/<source>/`` with a ``.reason`` file and recorded in ``dq.quarantined_files``;
- a record the parser cannot use is yielded as :class:`RowRejected` and goes to ``dq.quarantined_rows``
  while the rest of the file loads;
- records are inserted in Arrow batches, so memory stays flat whatever the file size.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import shutil
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ingestion.settings import Settings

log = logging.getLogger(__name__)

BATCH_ROWS = 50_000

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

    def summary(self) -> str:
        return (
            f"{self.source}: {len(self.files_loaded)} file(s) loaded with {self.rows_loaded} row(s), "
            f"{self.rows_quarantined} row(s) quarantined, {len(self.files_quarantined)} file(s) quarantined, "
            f"{self.files_skipped} already loaded"
        )


#: Errors that mean "this file is malformed", not "the loader has a bug".
MALFORMED_ERRORS: tuple[type[BaseException], ...] = (
    FileRejected,
    UnicodeDecodeError,
    json.JSONDecodeError,
    zipfile.BadZipFile,
    csv.Error,
    EOFError,
)


def new_load_id(source: str) -> str:
    """A readable, unique id for one load of one source."""
    return f"{source}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def ensure_bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas and bookkeeping tables shared by all loads (idempotent)."""
    for schema in ("raw", "dq"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.execute(
        """CREATE TABLE IF NOT EXISTS raw._files (
            source_sha256 VARCHAR PRIMARY KEY, source VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
            load_id VARCHAR NOT NULL, loaded_at TIMESTAMPTZ NOT NULL,
            rows_loaded BIGINT NOT NULL, rows_quarantined BIGINT NOT NULL)"""
    )
    con.execute(
        """CREATE TABLE IF NOT EXISTS dq.quarantined_files (
            load_id VARCHAR NOT NULL, source VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
            source_sha256 VARCHAR NOT NULL, quarantine_path VARCHAR, position VARCHAR, reason VARCHAR NOT NULL,
            quarantined_at TIMESTAMPTZ NOT NULL)"""
    )
    con.execute(
        """CREATE TABLE IF NOT EXISTS dq.quarantined_rows (
            load_id VARCHAR NOT NULL, source VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
            source_sha256 VARCHAR NOT NULL, position VARCHAR NOT NULL, reason VARCHAR NOT NULL,
            content VARCHAR, quarantined_at TIMESTAMPTZ NOT NULL)"""
    )
    con.execute(
        """CREATE TABLE IF NOT EXISTS dq.builds (
            built_at TIMESTAMPTZ NOT NULL, loaded_until TIMESTAMPTZ, outcome VARCHAR NOT NULL)"""
    )
    con.execute(
        """CREATE TABLE IF NOT EXISTS dq.loads (
            load_id VARCHAR PRIMARY KEY, source VARCHAR NOT NULL, started_at TIMESTAMPTZ NOT NULL,
            finished_at TIMESTAMPTZ NOT NULL, files_loaded INTEGER NOT NULL, files_skipped INTEGER NOT NULL,
            files_quarantined INTEGER NOT NULL, rows_loaded BIGINT NOT NULL, rows_quarantined BIGINT NOT NULL)"""
    )


def ensure_table(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Create the source's raw table with its lineage columns (idempotent)."""
    cols = {**source.columns, **LINEAGE_COLUMNS}
    ddl = ", ".join(f'"{name}" {kind}' for name, kind in cols.items())
    con.execute(f"CREATE TABLE IF NOT EXISTS raw.{source.table} ({ddl})")


def unit_sha256(path: Path, include_name: bool = False) -> str:
    """SHA-256 of a file, or of a folder's relative paths and contents (for unzipped archives)."""
    digest = hashlib.sha256()
    if include_name:
        digest.update(path.name.encode() + b"\0")
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode() + b"\0")
        with file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def default_discover(folder: Path) -> Iterator[Path]:
    """Every regular file under the folder (sorted), skipping hidden files and ``.reason`` notes."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and path.suffix != ".reason":
            yield path


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
    units = [(p, f"shipped:{source.name}/{p.name}", False) for p in source.shipped]
    units += [(p, str(p.relative_to(settings.landing)), True) for p in discover(landing)]
    for path, label, landed in units:
        _load_unit(con, source, settings, path, label, landed, load_id, report)
    con.execute(
        "INSERT OR REPLACE INTO dq.loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [load_id, source.name, started, datetime.now(UTC), len(report.files_loaded), report.files_skipped,
         len(report.files_quarantined), report.rows_loaded, report.rows_quarantined],
    )
    log.info(report.summary())
    return report


def _load_unit(
    con: duckdb.DuckDBPyConnection, source: Source, settings: Settings, path: Path, label: str,
    landed: bool, load_id: str, report: SourceReport,
) -> None:
    sha = unit_sha256(path, source.name_is_data)
    if con.execute("SELECT 1 FROM raw._files WHERE source_sha256 = ?", [sha]).fetchone():
        report.files_skipped += 1
        return
    loaded_at = datetime.now(UTC)
    con.begin()
    try:
        rows, rejected = _insert_records(con, source, path, label, sha, load_id, loaded_at)
        con.execute(
            "INSERT INTO raw._files VALUES (?, ?, ?, ?, ?, ?, ?)",
            [sha, source.name, label, load_id, loaded_at, rows, rejected],
        )
        con.commit()
    except MALFORMED_ERRORS as exc:
        con.rollback()
        reason = _describe(exc)
        moved = quarantine_file(settings, source.name, path, reason) if landed else None
        con.execute(
            "INSERT INTO dq.quarantined_files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [load_id, source.name, label, sha, str(moved) if moved else None,
             getattr(exc, "position", None), reason, datetime.now(UTC)],
        )
        report.files_quarantined.append((label, reason))
        log.warning("quarantined %s: %s", label, reason)
        return
    except BaseException:
        con.rollback()
        raise
    report.files_loaded.append(label)
    report.rows_loaded += rows
    report.rows_quarantined += rejected
    log.info("loaded %s: %d row(s), %d quarantined", label, rows, rejected)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, FileRejected):
        return str(exc)
    if isinstance(exc, UnicodeDecodeError):
        return f"encoding: bytes at offset {exc.start} do not decode as {exc.encoding}"
    return f"{type(exc).__name__}: {exc}"


def _insert_records(
    con: duckdb.DuckDBPyConnection, source: Source, path: Path, label: str, sha: str, load_id: str,
    loaded_at: datetime,
) -> tuple[int, int]:
    """Stream parsed records into the raw table in batches; quarantine rejected rows. Returns counts."""
    names = list(source.columns)
    lineage = {"source_file": label, "source_sha256": sha, "load_id": load_id, "loaded_at": loaded_at}
    batch: list[Record] = []
    rows = rejected = 0
    for item in source.parse(path):
        if isinstance(item, RowRejected):
            con.execute(
                "INSERT INTO dq.quarantined_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [load_id, source.name, label, sha, item.position, item.reason, item.content[:2000], loaded_at],
            )
            rejected += 1
            continue
        batch.append(item)
        if len(batch) >= BATCH_ROWS:
            rows += _flush(con, source, names, batch, lineage)
            batch = []
    if batch:
        rows += _flush(con, source, names, batch, lineage)
    return rows, rejected


def _flush(
    con: duckdb.DuckDBPyConnection, source: Source, names: list[str], batch: list[Record],
    lineage: dict[str, Any],
) -> int:
    data: dict[str, list[Any]] = {name: [rec.values.get(name) for rec in batch] for name in names}
    data["source_position"] = [rec.position for rec in batch]
    arrow = pa.table(data)
    con.register("_dialoog_batch", arrow)
    try:
        select = ", ".join(f'"{name}"' for name in [*names, "source_position"])
        con.execute(
            f'INSERT INTO raw.{source.table} ({select}, source_file, source_sha256, load_id, loaded_at) '
            f"SELECT {select}, ?, ?, ?, ? FROM _dialoog_batch",
            [lineage["source_file"], lineage["source_sha256"], lineage["load_id"], lineage["loaded_at"]],
        )
    finally:
        con.unregister("_dialoog_batch")
    return len(batch)


def quarantine_file(settings: Settings, source: str, path: Path, reason: str) -> Path:
    """Move a landed file (or archive folder) to the quarantine with a ``.reason`` file beside it."""
    target_dir = settings.quarantine / source
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / path.name
    if target.exists():
        target = target_dir / f"{path.stem}.{uuid.uuid4().hex[:6]}{path.suffix}"
    shutil.move(str(path), target)
    target.with_name(target.name + ".reason").write_text(reason + "\n", encoding="utf-8")
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
            [report.load_id, source.name, label, sha, str(moved), None, reason, datetime.now(UTC)],
        )
        report.files_quarantined.append((label, reason))
        log.warning("quarantined %s: %s", label, reason)
    report.files_loaded = [label for label in report.files_loaded if label not in quarantine]
    report.rows_loaded = 0
