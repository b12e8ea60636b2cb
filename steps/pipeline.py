"""The pipeline's steps as plain functions: the DAGs call these, and so can a test or a shell.

Every step that writes opens the build warehouse itself and closes it before returning, so the
one-slot Airflow pool is enough to keep DuckDB's single writer rule.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from core import warehouse
from core.bookkeeping import ensure_bookkeeping
from core.settings import PROJECT_ROOT, Settings, get_settings
from ingestion.framework import Source, SourceReport, ensure_table, load_source, undo_load
from steps.publish import publish

if TYPE_CHECKING:
    import pandas as pd

    from expectations.runner import Suite, SuiteOutcome

log = logging.getLogger(__name__)

DBT_PROJECT = PROJECT_ROOT / "dbt_project"


def _cbs_sources(con: duckdb.DuckDBPyConnection) -> tuple[Source, ...]:
    from ingestion import cbs

    return cbs.SOURCES


def _channel_sources(con: duckdb.DuckDBPyConnection) -> tuple[Source, ...]:
    from ingestion.channels import CHANNELS

    return (CHANNELS,)


def _social_sources(con: duckdb.DuckDBPyConnection) -> tuple[Source, ...]:
    from ingestion import social

    return social.SOURCES


def _survey_sources(con: duckdb.DuckDBPyConnection) -> tuple[Source, ...]:
    """Survey names match the municipality lists in the warehouse (landed lists included)."""
    from ingestion.survey import MunicipalityMatcher, survey_source

    return (survey_source(MunicipalityMatcher.from_warehouse(con)),)


#: Source families, one loader DAG each, in load order. Imported lazily: DAG files stay cheap to parse.
FAMILIES: dict[str, Callable[[duckdb.DuckDBPyConnection], tuple[Source, ...]]] = {
    "cbs": _cbs_sources,
    "channels": _channel_sources,
    "social": _social_sources,
    "survey": _survey_sources,
}


def load_family(family: str, settings: Settings | None = None) -> list[SourceReport]:
    """Load every new file of every source in a family and check each load with its suite.

    A load whose ``fatal`` rule fails is taken back out of the raw layer and its failing files are
    quarantined with the rule as reason; after the other sources loaded, :class:`FatalRuleFailed` is raised
    so the run fails and nothing is published. Returns one report per source.
    """
    settings = settings or get_settings()
    reports, fatal = [], []
    con = warehouse.connect(settings)
    try:
        for source in FAMILIES[family](con):
            report = load_source(con, source, settings)
            reports.append(report)
            if report.files_loaded:
                outcome = check_load(con, source, settings, report)
                if outcome is not None and outcome.fatal_failures:
                    fatal.append(outcome)
    finally:
        con.close()
    for outcome in fatal:
        outcome.raise_for_fatal()
    return reports


def check_load(
    con: duckdb.DuckDBPyConnection, source: Source, settings: Settings, report: SourceReport
) -> SuiteOutcome | None:
    """Validate the rows of one load; undo the load and quarantine the failing files on a fatal rule."""
    from expectations.runner import run_suite
    from expectations.suites import load_rows, load_suite

    suite = load_suite(con, source.name)
    if suite is None:
        return None
    rows = load_rows(con, suite, source.name, source.table, report.load_id)  # chunks of whole files if it can
    outcome = run_suite(con, suite, rows, settings=settings, load_id=report.load_id)
    log.info(outcome.summary())
    if outcome.fatal_failures:
        reasons: dict[str, str] = {}
        for result in outcome.results:
            if result.severity == "fatal" and not result.success:
                files = {k.get("source_file") for k in result.failing_keys} - {None} or set(report.files_loaded)
                for label in files:
                    reasons.setdefault(label, f"fatal rule {result.rule} failed ({result.description}); "
                                              f"see dq.rule_results run {outcome.run_id}")
        undo_load(con, source, settings, report, reasons)
    return outcome


def anything_new(reports: list[SourceReport]) -> bool:
    """True when a load changed something (rows loaded, or files or rows quarantined)."""
    return any(r.files_loaded or r.files_quarantined for r in reports)


#: What the marts are built with besides the data: a change here rebuilds them even when no file is new.
BUILD_CODE = ("dbt_project/dbt_project.yml", "dbt_project/models", "dbt_project/seeds", "dbt_project/macros",
              "ingestion/classify")


def code_version() -> str:
    """SHA-256 over the dbt project and the classifier it runs (paths and contents)."""
    digest = hashlib.sha256()
    for root in BUILD_CODE:
        path = PROJECT_ROOT / root
        for file in sorted([path] if path.is_file() else path.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(str(file.relative_to(PROJECT_ROOT)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def _last_publish(con: duckdb.DuckDBPyConnection) -> tuple[datetime | None, str | None]:
    """Up to which load time, and with which code version, the last published build was made."""
    row = con.execute("SELECT loaded_until, code_version FROM dq.builds WHERE outcome = 'published' "
                      "ORDER BY built_at DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else (None, None)


def _loaded_until(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The newest load time in the raw layer (None before the first load)."""
    return con.execute("SELECT max(loaded_at) FROM raw._files").fetchone()[0]


def loaded_until(settings: Settings) -> datetime | None:
    """The newest load time in the raw layer of a home's warehouse."""
    con = warehouse.connect(settings)
    try:
        ensure_bookkeeping(con)
        return _loaded_until(con)
    finally:
        con.close()


def needs_build(settings: Settings | None = None) -> bool:
    """A build is needed when something loaded after the last publish, the models or classifier changed
    since, or nothing was ever published."""
    settings = settings or get_settings()
    if not settings.serving_path.exists():
        return True
    con = warehouse.connect(settings)
    try:
        ensure_bookkeeping(con)
        (watermark, built_with), newest = _last_publish(con), _loaded_until(con)
    finally:
        con.close()
    if built_with != code_version():
        return True
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
        command_text = " ".join(args)
        raise RuntimeError(f"dbt {command_text} failed (exit {process.returncode}); see the dbt lines above")


def ensure_raw_tables(settings: Settings) -> None:
    """Create every source's raw table, so dbt builds also when a source never had a file."""
    con = warehouse.connect(settings)
    try:
        ensure_bookkeeping(con)
        for sources in FAMILIES.values():
            for source in sources(con):
                ensure_table(con, source)
    finally:
        con.close()


def build_warehouse(settings: Settings | None = None) -> None:
    """dbt build: seeds, staging, intermediate and marts, with all dbt tests."""
    settings = settings or get_settings()
    ensure_raw_tables(settings)
    run_dbt("build", settings=settings)


def _mart_checks(con: duckdb.DuckDBPyConnection) -> Iterator[tuple[Suite, pd.DataFrame]]:
    """(suite, rows) pairs checked after every dbt build, each read when its turn comes."""
    from expectations.suites import cbs as cbs_suites
    from expectations.suites import read_frame
    from expectations.suites.marts import mart_frames

    yield cbs_suites.gemeenten_suite(), cbs_suites.effective_gemeenten(con)
    yield cbs_suites.dim_municipality_suite(), read_frame(con, "SELECT * FROM marts.dim_municipality")
    yield from mart_frames(con)


def validate_marts(settings: Settings | None = None) -> str:
    """Run the mart suites; results go to ``dq`` and the Data Docs. A failed ``fatal`` rule raises, so the
    publish that follows does not run and the previous published warehouse stays live."""
    from expectations.runner import run_suite

    settings = settings or get_settings()
    load_id = f"marts-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    outcomes = []
    con = warehouse.connect(settings)
    try:
        for suite, frame in _mart_checks(con):
            outcome = run_suite(con, suite, frame, settings=settings, load_id=load_id)
            del frame  # before the next mart is read
            log.info(outcome.summary())
            outcomes.append(outcome)
    finally:
        con.close()
    for outcome in outcomes:
        outcome.raise_for_fatal()
    return f"{len(outcomes)} mart suite(s) checked, no fatal failure"


def publish_warehouse(settings: Settings | None = None) -> dict[str, int]:
    """Record and swap in a fresh serving copy, remembering up to which load and with which code it is built."""
    settings = settings or get_settings()
    con = warehouse.connect(settings)
    try:
        until = _loaded_until(con)
    finally:
        con.close()
    return publish(settings, until, code_version())  # nothing loads meanwhile: this task holds the writer slot


if __name__ == "__main__":  # `python -m steps.pipeline rollback` (used by `make rollback`)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if sys.argv[1:] == ["rollback"]:
        from steps.publish import rollback

        rollback(get_settings())
    else:
        sys.exit(f"usage: {sys.argv[0]} rollback")
