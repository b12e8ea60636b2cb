"""Step *load*: every new landed file of a source family into the raw layer, each load checked by its suite.

A loader DAG calls :func:`load_family`; it opens the build warehouse itself and closes it before returning, so the
one-slot Airflow pool keeps DuckDB's single-writer rule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import duckdb

from core import warehouse
from core.bookkeeping import ensure_bookkeeping
from core.settings import Settings, get_settings
from expectations.model import FatalRuleFailed, SuiteOutcome
from ingestion.framework import KnownHashes, Source, SourceReport, ensure_table, load_source, undo_load

if TYPE_CHECKING:
    from expectations.runner import DataDocsBatch

__all__ = ["FAMILIES", "FatalRuleFailed", "anything_new", "check_load", "ensure_raw_tables", "load_family"]

log = logging.getLogger(__name__)


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

    The Data Docs of the family's checks are rendered once, after the last source (with the index once).
    """
    from expectations.runner import DataDocsBatch  # imports no Great Expectations

    settings = settings or get_settings()
    reports, fatal = [], []
    docs = DataDocsBatch(settings)
    known = KnownHashes()  # raw._files' hashes, fetched once for the family's sources
    con = warehouse.connect(settings)
    try:
        for source in FAMILIES[family](con):
            report = load_source(con, source, settings, known=known)
            reports.append(report)
            if report.files_loaded:
                outcome = check_load(con, source, settings, report, data_docs=docs)
                if outcome is not None and outcome.fatal_failures:
                    fatal.append(outcome)
                    known.forget()  # the load was taken back out
    finally:
        try:
            docs.build(con)  # also after a failure: the checks that ran are stored and get their pages
        finally:
            con.close()
    for outcome in fatal:
        outcome.raise_for_fatal()
    return reports


def check_load(
    con: duckdb.DuckDBPyConnection, source: Source, settings: Settings, report: SourceReport,
    data_docs: DataDocsBatch | None = None,
) -> SuiteOutcome | None:
    """Validate the rows of one load; undo the load and quarantine the failing files on a fatal rule. With
    ``data_docs`` its Data Docs page is rendered when that batch is built, else now."""
    from expectations.runner import run_suite  # Great Expectations loads here, not when a DAG file is parsed
    from expectations.suites import load_rows, load_suite

    suite = load_suite(con, source.name)
    if suite is None:
        return None
    rows = load_rows(con, suite, source.name, source.table, report.load_id)  # chunks of whole files if it can
    outcome = run_suite(con, suite, rows, settings=settings, load_id=report.load_id, data_docs=data_docs)
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
