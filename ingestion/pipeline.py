"""The pipeline's steps as plain functions: the DAGs call these, and so can a test or a shell.

Every step that writes opens the build warehouse itself and closes it before returning, so the
one-slot Airflow pool is enough to keep DuckDB's single writer rule.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ingestion import warehouse
from ingestion.loading import Source, SourceReport, load_source
from ingestion.publish import publish
from ingestion.settings import PROJECT_ROOT, Settings, get_settings

log = logging.getLogger(__name__)

DBT_PROJECT = PROJECT_ROOT / "dbt_project"


def _cbs_sources() -> tuple[Source, ...]:
    from ingestion import cbs

    return cbs.SOURCES


#: Source families, one loader DAG each, in load order. Imported lazily: DAG files stay cheap to parse.
FAMILIES: dict[str, Callable[[], tuple[Source, ...]]] = {
    "cbs": _cbs_sources,
}


def load_family(family: str, settings: Settings | None = None) -> list[SourceReport]:
    """Load every new file of every source in a family; returns one report per source."""
    settings = settings or get_settings()
    reports = []
    con = warehouse.connect(settings)
    try:
        for source in FAMILIES[family]():
            reports.append(load_source(con, source, settings))
    finally:
        con.close()
    return reports


def anything_new(reports: list[SourceReport]) -> bool:
    """True when a load changed something (rows loaded, or files or rows quarantined)."""
    return any(r.files_loaded or r.files_quarantined for r in reports)


def _last_build_watermark(settings: Settings) -> datetime | None:
    con = warehouse.connect(settings)
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS dq")
        con.execute(
            "CREATE TABLE IF NOT EXISTS dq.builds (built_at TIMESTAMPTZ NOT NULL, "
            "loaded_until TIMESTAMPTZ, outcome VARCHAR NOT NULL)"
        )
        row = con.execute("SELECT max(loaded_until) FROM dq.builds WHERE outcome = 'published'").fetchone()
        return row[0] if row else None
    finally:
        con.close()


def loaded_until(settings: Settings) -> datetime | None:
    """The newest load time in the raw layer (None before the first load)."""
    con = warehouse.connect(settings)
    try:
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' AND table_name = '_files'"
        ).fetchone()[0]
        return con.execute("SELECT max(loaded_at) FROM raw._files").fetchone()[0] if exists else None
    finally:
        con.close()


def needs_build(settings: Settings | None = None) -> bool:
    """A build is needed when something loaded after the last publish, or nothing was ever published."""
    settings = settings or get_settings()
    if not settings.serving_path.exists():
        return True
    watermark, newest = _last_build_watermark(settings), loaded_until(settings)
    return newest is not None and (watermark is None or newest > watermark)


def dbt_command(*args: str, settings: Settings | None = None) -> list[str]:
    """A dbt command line for the project (the dbt executable of this interpreter's environment)."""
    dbt = Path(sys.executable).with_name("dbt")
    return [str(dbt), *args, "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT)]


def run_dbt(*args: str, settings: Settings | None = None) -> None:
    """Run dbt in its own process against the build warehouse; its output goes to the task log."""
    settings = settings or get_settings()
    env = {**os.environ, "DIALOOG_WAREHOUSE": str(settings.warehouse_path),
           "DBT_TARGET_PATH": str(settings.home / "dbt" / "target"),
           "DBT_LOG_PATH": str(settings.home / "dbt" / "logs")}
    command = dbt_command(*args, settings=settings)
    log.info("running %s", " ".join(command))
    process = subprocess.run(command, env=env, cwd=DBT_PROJECT, capture_output=True, text=True, check=False)
    for line in process.stdout.splitlines():
        log.info("dbt: %s", line)
    if process.returncode != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed (exit {process.returncode}); see the dbt lines above")


def build_warehouse(settings: Settings | None = None) -> None:
    """dbt build: seeds, staging, intermediate and marts, with all dbt tests."""
    run_dbt("build", settings=settings)


def publish_warehouse(settings: Settings | None = None) -> dict[str, int]:
    """Swap in a fresh serving copy and remember up to which load it is built."""
    settings = settings or get_settings()
    newest = loaded_until(settings)
    counts = publish(settings)
    con = warehouse.connect(settings)
    try:
        con.execute("INSERT INTO dq.builds VALUES (?, ?, 'published')", [datetime.now(UTC), newest])
    finally:
        con.close()
    return counts


if __name__ == "__main__":  # `python -m ingestion.pipeline rollback` (used by `make rollback`)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if sys.argv[1:] == ["rollback"]:
        from ingestion.publish import rollback

        rollback(get_settings())
    else:
        sys.exit(f"usage: {sys.argv[0]} rollback")
