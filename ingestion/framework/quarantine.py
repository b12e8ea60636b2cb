"""The quarantine: where a landed file that cannot be loaded goes (``$DIALOOG_HOME/quarantine/<source>/``, with a
``.reason`` file beside it), and the one place that records quarantined files and rows (``dq.quarantined_files``,
``dq.quarantined_rows``)."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.settings import Settings
from ingestion.framework.errors import describe, error_name
from ingestion.framework.records import RowRejected, Source, SourceReport

log = logging.getLogger(__name__)


def quarantine(
    con: duckdb.DuckDBPyConnection, settings: Settings, source: Source, report: SourceReport, label: str, sha: str,
    why: BaseException | str, path: Path | None,
) -> None:
    """Record a file that cannot be loaded, after moving it to the quarantine when it is a landed one (``path``;
    None: a shipped file, which stays where it is). ``why`` is the error (its reason: :func:`describe`, its
    position, if any, is recorded too) or the reason itself; ``sha`` is empty when the file was not read."""
    reason = why if isinstance(why, str) else describe(why)
    moved = quarantine_file(settings, source.name, path, reason) if path is not None else None
    con.execute(
        "INSERT INTO dq.quarantined_files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [report.load_id, source.name, label, sha, str(moved) if moved else None,
         getattr(why, "position", None), reason, datetime.now(UTC)],
    )
    report.files_quarantined.append((label, reason))
    log.warning("quarantined %s: %s", label, reason)


def quarantine_rows(
    con: duckdb.DuckDBPyConnection, source: Source, load_id: str, label: str, sha: str, loaded_at: datetime,
    rejects: list[RowRejected],
) -> None:
    """Record a file's rejected rows (inside the caller's transaction: they commit with the file's rows)."""
    if rejects:
        con.executemany(
            "INSERT INTO dq.quarantined_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [[load_id, source.name, label, sha, item.position, item.reason, item.content[:2000], loaded_at]
             for item in rejects],
        )


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
