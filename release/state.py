"""Is there a published warehouse worth releasing? The checks that run before anything is written.

The rule (docs/release.md): release the published warehouse (``$DIALOOG_HOME/serving/warehouse.duckdb``) only
when it is a complete published build (its own ``dq.builds`` record says ``published``) and no pipeline run
failed after it was published:

- ``$DIALOOG_HOME/run/pipeline-summary.txt`` (written by ``make pipeline``) names a DAG run that did not
  succeed, and was written after the publish; or
- the newest audit report (``$DIALOOG_HOME/reports/audit/latest.md``, written by every transform run) lists a
  failed ``fatal`` rule, and was written after the publish.

Either means newer input exists that did not make it into the published warehouse, so a release would silently
miss it; ``--allow-stale`` releases the last good publish anyway (and says so in the manifest).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb


class ReleaseError(Exception):
    """The release cannot be made; nothing was written."""


@dataclass(frozen=True)
class PublishedBuild:
    path: Path
    built_at: datetime
    loaded_until: datetime | None
    code_version: str | None
    tables: str | None


def published_build(path: Path) -> PublishedBuild:
    """The published warehouse's record of itself; a clear :class:`ReleaseError` when there is none."""
    if not path.is_file():
        raise ReleaseError(f"no published warehouse at {path}: run `make pipeline` (or `make demo`) first")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        raise ReleaseError(f"{path} is not a readable DuckDB file: {error}") from error
    try:
        marts = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts'").fetchone()[0]
        builds = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'dq' "
                             "AND table_name = 'builds'").fetchone()[0]
        if not marts or not builds:
            raise ReleaseError(f"{path} is not a published warehouse (no schema marts or no dq.builds)")
        row = con.execute("SELECT built_at, loaded_until, code_version, tables, outcome FROM dq.builds "
                          "ORDER BY built_at DESC LIMIT 1").fetchone()
    except duckdb.Error as error:
        raise ReleaseError(f"{path} is not a published warehouse: {error}") from error
    finally:
        con.close()
    if row is None or row[4] != "published":
        raise ReleaseError(f"{path} holds no completed publish (its newest dq.builds record is "
                           f"{row[4] if row else 'missing'!r}, not 'published')")
    return PublishedBuild(path, row[0], row[1], row[2], row[3])


def _modified(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def failed_runs_after(home: Path, built_at: datetime) -> list[str]:
    """Why the last run after this publish failed (empty when none did): see the module's docstring."""
    reasons = []
    summary = home / "run" / "pipeline-summary.txt"
    if summary.is_file() and _modified(summary) > built_at:
        for line in summary.read_text(encoding="utf-8", errors="replace").splitlines():
            match = re.match(r"(\S+): (.+?) in \d+ s", line)
            if match and match.group(2) != "success":
                reasons.append(f"{summary}: {line.strip()}")
    audit = home / "reports" / "audit" / "latest.md"
    if audit.is_file() and _modified(audit) > built_at:
        section = ""
        for line in audit.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("## "):
                section = line[3:].strip()
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            if section == "Failed rules" and len(cells) >= 3 and cells[2] == "fatal":
                reasons.append(f"{audit}: fatal rule {cells[0]}.{cells[1]} failed")
    return reasons
