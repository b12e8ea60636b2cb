"""The ``dq`` tables of validation runs and rule results, and the run history the volume check reads."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import duckdb

from core.bookkeeping import ensure_bookkeeping

if TYPE_CHECKING:
    from expectations.model import RuleResult, SuiteOutcome

def write_outcome(con: duckdb.DuckDBPyConnection, outcome: SuiteOutcome) -> None:
    """Store one validation run and its rule results.

    The run row is written last, so a run listed in ``dq.validation_runs`` has all its rule results. No
    transaction is opened here: DuckDB cannot nest one, and a failed ``BEGIN`` would abort the caller's.
    """
    ensure_bookkeeping(con)
    rows = [_rule_row(outcome, result) for result in outcome.results]
    if rows:
        con.executemany("INSERT INTO dq.rule_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute(
        "INSERT INTO dq.validation_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            outcome.run_id, outcome.suite, outcome.load_id, outcome.source_file, outcome.source_sha256,
            outcome.started_at, outcome.finished_at, outcome.rows_checked, len(outcome.results),
            "passed" if outcome.passed else "failed",
            len(outcome.fatal_failures), len(outcome.error_failures), len(outcome.warning_failures),
            str(outcome.data_docs_page) if outcome.data_docs_page else None,
        ],
    )  # fmt: skip


def forget_data_docs_pages(con: duckdb.DuckDBPyConnection, run_ids: Sequence[str]) -> None:
    """Name no Data Docs page for these runs: their batch's Data Docs build failed, so the pages do not exist."""
    con.execute("UPDATE dq.validation_runs SET data_docs_page = NULL WHERE run_id IN (SELECT unnest(?))",
                [list(run_ids)])


def _rule_row(outcome: SuiteOutcome, result: RuleResult) -> list[Any]:
    return [
        outcome.run_id,
        outcome.suite,
        result.rule,
        result.description,
        result.expectation_type,
        result.severity,
        result.success,
        to_json(result.expected),
        to_json(result.observed),
        result.element_count,
        result.unexpected_count,
        result.unexpected_percent,
        to_json(list(result.failing_keys)),
        result.exception,
    ]


def to_json(value: Any) -> str:
    """Strict JSON text of a GX value: numpy scalars unwrapped, NaN/NaT as null, dates as ISO text."""
    return json.dumps(plain(value), ensure_ascii=False, sort_keys=False)


def plain(value: Any) -> Any:
    """A JSON-ready copy of a value from GX results or a DataFrame."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, Sequence | set | frozenset):
        return [plain(item) for item in value]
    if hasattr(value, "item") and not hasattr(value, "__len__"):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, int):
        return value
    if _is_missing(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _is_missing(value: Any) -> bool:
    """True for pandas' NA / NaT markers (checked without importing pandas at module level)."""
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
