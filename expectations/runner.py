"""Run a data-quality suite on a DataFrame, store the results in schema ``dq`` and rebuild the Data Docs.

The API other code calls (from Airflow tasks, after a load or a dbt build)::

    outcome = run_suite(con, cbs.gemeenten_suite(), df, settings=settings, load_id=report.load_id)
    log.info(outcome.summary())
    outcome.raise_for_fatal()   # fails the task, so nothing is published

A step that runs several suites renders their Data Docs once, after the last (each rebuild renders the index
again)::

    docs = DataDocsBatch(settings)
    for ...:
        outcome = run_suite(con, suite, df, settings=settings, load_id=load_id, data_docs=docs)
    docs.build(con)

A big load is passed as an iterable of DataFrames, each holding whole source files
(:func:`expectations.suites.load_chunks`), so memory stays bounded by the chunk size: every rule of such a
suite must declare how it can be checked in chunks (:data:`expectations.model.Chunking`); a rule is
whole-frame by default.

A mart checked after an incremental build is passed as only its recomputed rows, with ``table_rows`` the
mart's row count (:func:`expectations.suites.marts.mart_checks`): the volume check judges the whole table's
count, and ``rows_checked`` in ``dq.validation_runs`` stays the rows read.

What rules, suites and outcomes are lives in :mod:`expectations.model` (re-exported here, where the steps
import them from). This module does not import Great Expectations; :func:`run_suite` does, on first call
(6-7 s), through :mod:`expectations._gx`.
"""

from __future__ import annotations

import logging
import math
import statistics
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import duckdb

from core.bookkeeping import ensure_bookkeeping
from core.settings import Settings
from expectations import store
from expectations.model import (
    FAILING_KEYS_SAMPLE,
    LINEAGE_KEY_COLUMNS,
    SEVERITIES,
    Chunking,
    FatalRuleFailed,
    FromRows,
    Rule,
    RuleResult,
    Severity,
    Suite,
    SuiteOutcome,
    VolumeCheck,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FAILING_KEYS_SAMPLE", "SEVERITIES", "Chunking", "DataDocsBatch", "FatalRuleFailed", "FromRows", "Rule",
    "RuleResult", "Severity", "Suite", "SuiteOutcome", "VolumeCheck", "run_suite", "volume_baseline", "volume_rule",
]

log = logging.getLogger(__name__)


class DataDocsBatch:
    """Validation runs whose Data Docs pages are rendered together by :meth:`build`, with the index once.

    A Data Docs build renders the pages asked for and then the index over every stored result, so building per
    suite rendered the index once per suite. Until :meth:`build` runs, the runs' pages (named in ``dq`` and in
    their outcomes) do not exist yet; a failed build takes them out of ``dq`` again.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pending: list[tuple[str, Any]] = []  # (dq run id, expectations._gx.StoredResult)

    def add(self, run_id: str, stored: Any) -> None:
        """A run stored in ``dq`` whose page the next :meth:`build` renders."""
        self._pending.append((run_id, stored))

    def build(self, con: duckdb.DuckDBPyConnection) -> str | None:
        """Render the pending runs' pages, their suites' pages and the index (nothing when none is pending).
        None when built (or nothing to build), else why not: then ``dq`` names no page for those runs."""
        if not self._pending:
            return None
        from expectations import _gx

        pending, self._pending = self._pending, []
        error = _gx.build_docs(self.settings, [stored for _, stored in pending])
        if error is not None:
            run_ids = [run_id for run_id, _ in pending]
            log.warning("Data Docs not rebuilt for %s: %s", ", ".join(run_ids), error)
            store.forget_data_docs_pages(con, run_ids)
        else:
            log.info("Data Docs rebuilt for %d validation run(s): %s", len(pending), _gx.docs_dir(self.settings))
        return error


def volume_baseline(
    con: duckdb.DuckDBPyConnection, suite: str, check: VolumeCheck, exclude_load_id: str | None = None
) -> tuple[int, float | None, int]:
    """(previous runs used, their median row count, minimum acceptable rows) from ``dq``."""
    counts = _judged_row_counts(con, suite, check, exclude_load_id)
    if not counts:
        return 0, None, 0
    usual = float(statistics.median(counts))
    return len(counts), usual, math.ceil(check.min_ratio * usual)


def _judged_row_counts(
    con: duckdb.DuckDBPyConnection, suite: str, check: VolumeCheck, exclude_load_id: str | None
) -> list[int]:
    """The row counts the volume check judged in the latest earlier runs of a suite (newest first), skipping
    empty runs and one load: the count it observed, else the rows the run checked. They differ only in a
    changed-only check of a mart, which reads a few rows but judges the whole table: its rows read would make
    the usual volume of a mart that of an hour's increment."""
    ensure_bookkeeping(con)
    rows = con.execute(
        """SELECT judged FROM (
               SELECT coalesce(TRY_CAST(result.observed AS BIGINT), run.rows_checked) AS judged, run.started_at
               FROM dq.validation_runs AS run
               LEFT JOIN dq.rule_results AS result ON result.run_id = run.run_id AND result.rule = ?
               WHERE run.suite = ? AND run.load_id IS DISTINCT FROM ?)
           WHERE judged > 0 ORDER BY started_at DESC LIMIT ?""",
        [check.rule_name, suite, exclude_load_id, check.history],
    ).fetchall()
    return [int(count) for (count,) in rows]


def volume_rule(
    con: duckdb.DuckDBPyConnection, suite: Suite, load_id: str, table_rows: int | None = None
) -> Rule | None:
    """The suite's volume check as a row-count rule, with its minimum taken from earlier runs."""
    if suite.volume is None:
        return None
    from great_expectations.expectations import ExpectTableRowCountToBeBetween  # loaded already by run_suite

    check = suite.volume
    runs, usual, min_rows = volume_baseline(con, suite.name, check, exclude_load_id=load_id)
    basis = (
        f"median {usual:g} of the last {runs} run(s) × {check.min_ratio:g}"
        if runs
        else "no earlier runs yet, so any count is accepted"
    )
    counted = "this load" if table_rows is None else "the whole table (counted in SQL; changed rows only read)"
    return Rule(
        name=check.rule_name,
        expectation=ExpectTableRowCountToBeBetween(min_value=min_rows, max_value=None),
        severity=check.severity,
        description=f"Rows in {counted} not far below the usual volume ({basis}).",
        chunking="row_count",
    )


def run_suite(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    df: pd.DataFrame | Iterable[pd.DataFrame],
    *,
    settings: Settings,
    load_id: str,
    source_file: str | None = None,
    source_sha256: str | None = None,
    table_rows: int | None = None,
    data_docs: DataDocsBatch | None = None,
) -> SuiteOutcome:
    """Validate a DataFrame with a suite, store the run in ``dq`` and rebuild the Data Docs (with ``data_docs``
    later, for the whole batch: :meth:`DataDocsBatch.build`).

    ``df`` may instead be an iterable of DataFrames that each hold whole source files (at least one, all
    with the same columns) when the suite is :attr:`Suite.chunkable`: the outcome is the one the rows
    together would give. Never raises for failed rules; call :meth:`SuiteOutcome.raise_for_fatal` to stop
    a publish.

    ``table_rows``: the rows of the whole table when ``df`` holds only some of them (a mart after an
    incremental build); the volume check judges that count, not the rows read. Its result is then GX's verdict
    on the count, kept in ``dq`` but not on the Data Docs page (which shows the rules run on the rows read).
    """
    import pandas as pd

    from expectations import _gx  # Great Expectations loads here, not when a DAG file is parsed.

    if not isinstance(df, pd.DataFrame) and not suite.chunkable:
        whole = [rule.name for rule in suite.rules if rule.chunking == "whole"]
        raise ValueError(f"suite {suite.name} needs the whole load in one DataFrame (rules {whole})")
    counted = [rule.name for rule in suite.rules if rule.chunking == "row_count"]
    if table_rows is not None and counted:
        raise ValueError(f"suite {suite.name}: rules {counted} would count the rows read, not the table's")
    started = datetime.now(UTC)
    run_id = f"{suite.name}-{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    volume = volume_rule(con, suite, load_id, table_rows)
    rules = suite.rules + ((volume,) if volume is not None and table_rows is None else ())
    chunks = [df] if isinstance(df, pd.DataFrame) else df
    key_columns = (*suite.key_columns, *LINEAGE_KEY_COLUMNS)
    validation = _gx.validate(settings, suite, rules, chunks, key_columns, run_name=load_id,
                              build=data_docs is None)
    results = validation.results
    if volume is not None and table_rows is not None:
        results += (_table_count_result(volume, table_rows),)
    outcome = SuiteOutcome(
        run_id=run_id,
        suite=suite.name,
        load_id=load_id,
        source_file=source_file,
        source_sha256=source_sha256,
        started_at=started,
        finished_at=datetime.now(UTC),
        rows_checked=validation.rows,
        results=results,
        data_docs_index=validation.docs_index,
        data_docs_page=validation.docs_page,
        data_docs_error=validation.docs_error,
    )
    store.write_outcome(con, outcome)
    if data_docs is not None:
        data_docs.add(run_id, validation.stored)
    if outcome.data_docs_error:
        log.warning("Data Docs not rebuilt for %s: %s", outcome.run_id, outcome.data_docs_error)
    return outcome


def _table_count_result(rule: Rule, table_rows: int) -> RuleResult:
    """GX's verdict of a row-count rule on a count made in SQL (the whole table, of which few rows were read)."""
    from expectations import _gx, gx_internals

    assert not isinstance(rule.expectation, FromRows)  # a volume rule has fixed arguments
    verdict = gx_internals.row_count_result(rule.expectation, table_rows, _gx.RESULT_FORMAT)
    return _gx._rule_result(rule, rule.expectation, verdict, [])  # the layout of every other rule result
