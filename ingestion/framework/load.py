"""Load a source's new units into the raw layer: shipped reference files first, then what is landed; small landed
files in bulk groups where the source has a bulk loader (:mod:`ingestion.framework.bulk`), every other unit through
its parser (:mod:`ingestion.framework.unit`); then the load is recorded in ``dq.loads``. And take a load back out
(:func:`undo_load`) when a fatal check fails on it."""

from __future__ import annotations

import itertools
import logging
import os
import stat
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.bookkeeping import ensure_bookkeeping
from core.settings import Settings
from ingestion.framework.bulk import BulkGroup
from ingestion.framework.hashes import LandingHashes
from ingestion.framework.landing import IGNORED, landed_paths, literal_path, screen, unit_sha256
from ingestion.framework.quarantine import quarantine
from ingestion.framework.records import LINEAGE_COLUMNS, FileRejected, Source, SourceReport
from ingestion.framework.unit import load_unit, unit_key
from ingestion.framework.writer import KnownHashes, Writer

log = logging.getLogger(__name__)


def new_load_id(source: str) -> str:
    """A readable, unique id for one load of one source."""
    return f"{source}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def ensure_table(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Create the source's raw table with its lineage columns (idempotent), and (re)create its views."""
    cols = {**source.columns, **LINEAGE_COLUMNS}
    ddl = ", ".join(f'"{name}" {kind}' for name, kind in cols.items())
    con.execute(f"CREATE TABLE IF NOT EXISTS raw.{source.table} ({ddl})")
    for view in source.views:
        con.execute(view)


def load_source(
    con: duckdb.DuckDBPyConnection, source: Source, settings: Settings, load_id: str | None = None,
    known: KnownHashes | None = None,
) -> SourceReport:
    """Load every new unit of one source (shipped reference data first, then the landing zone). ``known``: the
    hashes of ``raw._files`` as the loads before this one on ``con`` left them (:class:`KnownHashes`)."""
    load_id = load_id or new_load_id(source.name)
    started = datetime.now(UTC)
    ensure_bookkeeping(con)
    ensure_table(con, source)
    report = SourceReport(source=source.name, load_id=load_id)
    root = settings.landing
    landing = root / source.name
    discovered = source.discover(landing) if source.discover else landed_paths(landing)
    prefix = os.path.join(root, "")
    # Found as they are loaded (a generator): the first bulk group starts before the walk of the landing ends.
    units = itertools.chain(
        ((p, f"shipped:{source.name}/{p.name}", False) for p in source.shipped),
        ((p, _label(p, root, prefix), True) for p in discovered),
    )
    writer = Writer(con, source, load_id, report, settings, known)
    writer.hashes = hashes = LandingHashes(con, source.name, source.name_is_data)
    group = BulkGroup(writer)
    try:
        for entry, label, landed in units:
            if landed and hashes.unchanged(entry, label):
                report.files_skipped += 1  # loaded before and unchanged since (ingestion.framework.hashes)
                continue
            path = Path(entry)
            if landed and not _admitted(writer, path, label):
                continue
            weight = _bulk_weight(source, path) if source.bulk is not None and landed else None
            if weight is not None and weight <= source.bulk_max_bytes:
                sha = unit_key(writer, path, label, landed)
                if sha is not None:
                    group.add(path, label, weight, sha)
            else:
                load_unit(writer, path, label, landed)
        group.run()
    finally:
        group.close()
    writer.flush()
    writer.hashes.save()
    con.execute(
        """INSERT OR REPLACE INTO dq.loads (load_id, source, started_at, finished_at, files_loaded, files_skipped,
               files_quarantined, rows_loaded, rows_quarantined, files_ignored)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [load_id, source.name, started, datetime.now(UTC), len(report.files_loaded), report.files_skipped,
         len(report.files_quarantined), report.rows_loaded, report.rows_quarantined, len(report.files_ignored)],
    )
    log.info(report.summary())
    return report


def _label(path: Path | str, root: Path, prefix: str) -> str:
    """A landed path's label: its path under the landing zone (``prefix``: the zone's path with a trailing
    separator). ``str(path.relative_to(root))``, as text: pathlib's own took a fifth of a load that found nothing new
    among 33,000 files."""
    text = os.fspath(path)
    return text[len(prefix):] if text.startswith(prefix) else str(Path(path).relative_to(root))


def _admitted(writer: Writer, path: Path, label: str) -> bool:
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
        writer.quarantine(label, "", FileRejected(why), path)
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


def undo_load(
    con: duckdb.DuckDBPyConnection, source: Source, settings: Settings, report: SourceReport,
    reasons: dict[str, str],
) -> None:
    """Take a whole load back out of the raw layer (a fatal check failed on it).

    The files in ``reasons`` (label → reason) are moved to the quarantine; the load's other files
    stay in the landing zone, no longer registered, so the next run loads them again.
    """
    con.begin()
    con.execute(f"DELETE FROM raw.{source.table} WHERE load_id = ?", [report.load_id])
    con.execute("DELETE FROM raw._files WHERE load_id = ?", [report.load_id])
    con.commit()
    for label, reason in sorted(reasons.items()):
        path = settings.landing / label
        if label.startswith("shipped:") or not path.exists():
            continue
        sha = unit_sha256(path, source.name_is_data)
        quarantine(con, settings, source, report, label, sha, reason, path)
    report.files_loaded = [label for label in report.files_loaded if label not in reasons]
    report.rows_loaded = 0
