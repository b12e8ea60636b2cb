"""Run a data-quality suite on a DataFrame, store the results in schema ``dq`` and rebuild the Data Docs.

The API other code calls (from Airflow tasks, after a load or a dbt build)::

    outcome = run_suite(con, cbs.gemeenten_suite(), df, settings=settings, load_id=report.load_id)
    log.info(outcome.summary())
    outcome.raise_for_fatal()   # fails the task, so nothing is published

A big load is passed as an iterable of DataFrames, each holding whole source files
(:func:`expectations.suites.load_chunks`), so memory stays bounded by the chunk size: every rule of such a
suite must declare how it can be checked in chunks (:data:`expectations.model.Chunking`); a rule is
whole-frame by default.

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
from typing import TYPE_CHECKING

import duckdb

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
    "FAILING_KEYS_SAMPLE", "SEVERITIES", "Chunking", "FatalRuleFailed", "FromRows", "Rule", "RuleResult",
    "Severity", "Suite", "SuiteOutcome", "VolumeCheck", "run_suite", "volume_baseline", "volume_rule",
]

log = logging.getLogger(__name__)


def volume_baseline(
    con: duckdb.DuckDBPyConnection, suite: str, check: VolumeCheck, exclude_load_id: str | None = None
) -> tuple[int, float | None, int]:
    """(previous runs used, their median row count, minimum acceptable rows) from ``dq.validation_runs``."""
    counts = store.previous_row_counts(con, suite, check.history, exclude_load_id)
    if not counts:
        return 0, None, 0
    usual = float(statistics.median(counts))
    return len(counts), usual, math.ceil(check.min_ratio * usual)


def volume_rule(con: duckdb.DuckDBPyConnection, suite: Suite, load_id: str) -> Rule | None:
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
    return Rule(
        name=check.rule_name,
        expectation=ExpectTableRowCountToBeBetween(min_value=min_rows, max_value=None),
        severity=check.severity,
        description=f"Rows in this load not far below the usual volume ({basis}).",
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
) -> SuiteOutcome:
    """Validate a DataFrame with a suite, store the run in ``dq`` and rebuild the Data Docs.

    ``df`` may instead be an iterable of DataFrames that each hold whole source files (at least one, all
    with the same columns) when the suite is :attr:`Suite.chunkable`: the outcome is the one the rows
    together would give. Never raises for failed rules; call :meth:`SuiteOutcome.raise_for_fatal` to stop
    a publish.
    """
    import pandas as pd

    from expectations import _gx  # Great Expectations loads here, not when a DAG file is parsed.

    if not isinstance(df, pd.DataFrame) and not suite.chunkable:
        whole = [rule.name for rule in suite.rules if rule.chunking == "whole"]
        raise ValueError(f"suite {suite.name} needs the whole load in one DataFrame (rules {whole})")
    started = datetime.now(UTC)
    run_id = f"{suite.name}-{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    rules = suite.rules + tuple(r for r in [volume_rule(con, suite, load_id)] if r is not None)
    chunks = [df] if isinstance(df, pd.DataFrame) else df
    key_columns = (*suite.key_columns, *LINEAGE_KEY_COLUMNS)
    validation = _gx.validate(settings, suite, rules, chunks, key_columns, run_name=load_id)
    outcome = SuiteOutcome(
        run_id=run_id,
        suite=suite.name,
        load_id=load_id,
        source_file=source_file,
        source_sha256=source_sha256,
        started_at=started,
        finished_at=datetime.now(UTC),
        rows_checked=validation.rows,
        results=validation.results,
        data_docs_index=validation.docs_index,
        data_docs_page=validation.docs_page,
        data_docs_error=validation.docs_error,
    )
    store.write_outcome(con, outcome)
    if outcome.data_docs_error:
        log.warning("Data Docs not rebuilt for %s: %s", outcome.run_id, outcome.data_docs_error)
    return outcome
