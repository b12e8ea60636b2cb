"""Run a data-quality suite on a DataFrame, store the results in schema ``dq`` and rebuild the Data Docs.

The API other code calls (from Airflow tasks, after a load or a dbt build)::

    outcome = run_suite(con, cbs.gemeenten_suite(), df, settings=settings, load_id=report.load_id)
    log.info(outcome.summary())
    outcome.raise_for_fatal()   # fails the task, so nothing is published

A big load is passed as an iterable of DataFrames, each holding whole source files
(:func:`expectations.suites.load_chunks`), so memory stays bounded by the chunk size: every rule of such a
suite must declare how it can be checked in chunks (:data:`Chunking`); a rule is whole-frame by default.

Severities: ``fatal`` stops the publish; ``error`` makes the run ``failed`` in ``dq`` but publishes;
``warning`` is only recorded. A run *passes* when no ``fatal`` or ``error`` rule failed.

This module does not import Great Expectations; :func:`run_suite` does, on first call (6-7 s).
"""

from __future__ import annotations

import logging
import math
import statistics
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb

from core.settings import Settings
from expectations import store

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

Severity = Literal["fatal", "error", "warning"]
SEVERITIES: tuple[Severity, ...] = ("fatal", "error", "warning")

#: Lineage columns reported with every failing key when the DataFrame has them.
LINEAGE_KEY_COLUMNS: tuple[str, ...] = ("source_file", "source_position")

#: How many failing keys a rule result keeps (the count is always complete).
FAILING_KEYS_SAMPLE = 20

Kwargs = Mapping[str, Any] | Callable[["pd.DataFrame"], Mapping[str, Any]]

#: How a rule can be checked when a load comes in chunks of whole source files:
#: ``whole`` needs every row in one DataFrame (the default); ``rows`` gives on the load what its results on
#: the chunks add up to (a row-wise check, a uniqueness within one file, the column set every chunk shares);
#: ``row_count`` reads only how many rows the load has.
Chunking = Literal["whole", "rows", "row_count"]

#: Expectations whose verdict on a row does not depend on other rows: counts over chunks add up exactly.
ROW_WISE_EXPECTATIONS = frozenset({
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_be_between",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex",
    "expect_column_value_lengths_to_be_between",
    "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_column_pair_values_to_be_equal",
})
#: Expectations on the column set only, which every chunk of one query has.
COLUMN_SET_EXPECTATIONS = frozenset({"expect_table_columns_to_match_set", "expect_column_to_exist"})
#: Uniqueness that holds per chunk when its columns include the file: chunks never split a file.
PER_FILE_UNIQUE_EXPECTATIONS = frozenset({"expect_compound_columns_to_be_unique"})
ROW_COUNT_EXPECTATIONS = frozenset({"expect_table_row_count_to_be_between", "expect_table_row_count_to_equal"})


@dataclass(frozen=True)
class Rule:
    """One check: a GX expectation (type and kwargs, or a kwargs factory over the DataFrame) and a severity.

    ``expectation`` is a GX 1.24 expectation type such as ``"expect_column_values_to_match_regex"``;
    ``kwargs`` are its arguments (``column``, ``regex``, ...). Give a callable instead of a mapping when
    an argument depends on the data being checked (e.g. the set of current codes in the same table).
    """

    name: str
    expectation: str
    kwargs: Kwargs
    severity: Severity
    description: str = ""
    chunking: Chunking = "whole"

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.name}: severity must be one of {SEVERITIES}, not {self.severity!r}")
        problem = _chunking_problem(self)
        if problem:
            raise ValueError(f"rule {self.name}: cannot be checked with chunking={self.chunking!r}: {problem}")

    def resolve_kwargs(self, df: pd.DataFrame) -> dict[str, Any]:
        """The expectation's arguments for this DataFrame."""
        return dict(self.kwargs(df) if callable(self.kwargs) else self.kwargs)


def _chunking_problem(rule: Rule) -> str | None:
    """Why a rule's declared chunking would not give the whole-load result (None when it would)."""
    if rule.chunking == "whole":
        return None
    if callable(rule.kwargs):
        return "its arguments are computed from the rows"
    if rule.chunking == "row_count":
        return None if rule.expectation in ROW_COUNT_EXPECTATIONS else "it is not a row-count expectation"
    if rule.chunking != "rows":
        return "unknown chunking"
    if "mostly" in rule.kwargs:
        return "'mostly' is a share of the whole load"  # success per chunk would not add up
    if rule.expectation in ROW_WISE_EXPECTATIONS | COLUMN_SET_EXPECTATIONS:
        return None
    if rule.expectation in PER_FILE_UNIQUE_EXPECTATIONS:
        return None if "source_file" in rule.kwargs.get("column_list", ()) else "unique across files"
    return "not known to add up over chunks"


@dataclass(frozen=True)
class VolumeCheck:
    """Flag a load whose row count is below ``min_ratio`` × the median of the last ``history`` runs."""

    min_ratio: float = 0.5
    history: int = 5
    severity: Severity = "warning"
    rule_name: str = "row_volume"


@dataclass(frozen=True)
class Suite:
    """A named set of rules for one load or mart; ``key_columns`` identify failing rows in the results."""

    name: str
    rules: tuple[Rule, ...]
    key_columns: tuple[str, ...]
    description: str = ""
    volume: VolumeCheck | None = None

    def __post_init__(self) -> None:
        names = [rule.name for rule in self.rules]
        if self.volume is not None:
            names.append(self.volume.rule_name)
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"suite {self.name}: duplicate rule names {duplicates}")

    @property
    def columns(self) -> tuple[str, ...] | None:
        """The columns the suite reads: its keys and its rules' ``column`` / ``column_list``; None when a rule
        needs every column (a check of the column set, or arguments computed from the data)."""
        columns = dict.fromkeys(self.key_columns)
        for rule in self.rules:
            if not isinstance(rule.kwargs, Mapping) or "column_set" in rule.kwargs:
                return None
            columns.update(dict.fromkeys([*rule.kwargs.get("column_list", []), *[rule.kwargs.get("column")]]))
        columns.pop(None, None)
        return tuple(columns)

    @property
    def chunkable(self) -> bool:
        """Every rule can be checked on chunks of whole files (the volume check only counts rows)."""
        return all(rule.chunking != "whole" for rule in self.rules)


@dataclass(frozen=True)
class RuleResult:
    """What one rule found in one run (a row of ``dq.rule_results``)."""

    rule: str
    description: str
    expectation_type: str
    severity: Severity
    success: bool
    expected: dict[str, Any]
    observed: Any = None
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    failing_keys: tuple[dict[str, Any], ...] = ()
    exception: str | None = None


class FatalRuleFailed(Exception):
    """A ``fatal`` rule failed: the load must not be published."""

    def __init__(self, outcome: SuiteOutcome) -> None:
        self.outcome = outcome
        parts = []
        for result in outcome.results:
            if result.severity == "fatal" and not result.success:
                keys = store.to_json(list(result.failing_keys[:3])) if result.failing_keys else "no keys"
                count = "" if result.unexpected_count is None else f", {result.unexpected_count} row(s)"
                parts.append(f"{result.rule}{count}, e.g. {keys}" + _exception_note(result))
        super().__init__(f"suite {outcome.suite} (load {outcome.load_id}): fatal rule(s) failed: " + "; ".join(parts))


def _exception_note(result: RuleResult) -> str:
    return f" (could not run: {result.exception})" if result.exception else ""


@dataclass(frozen=True)
class SuiteOutcome:
    """The result of one :func:`run_suite` call (a row of ``dq.validation_runs`` and its rule results)."""

    run_id: str
    suite: str
    load_id: str
    source_file: str | None
    source_sha256: str | None
    started_at: datetime
    finished_at: datetime
    rows_checked: int
    results: tuple[RuleResult, ...]
    data_docs_index: Path | None = None
    data_docs_page: Path | None = None
    data_docs_error: str | None = field(default=None, compare=False)

    def failures(self, severity: Severity) -> list[str]:
        """Names of the failed rules of one severity."""
        return [r.rule for r in self.results if r.severity == severity and not r.success]

    @property
    def fatal_failures(self) -> list[str]:
        return self.failures("fatal")

    @property
    def error_failures(self) -> list[str]:
        return self.failures("error")

    @property
    def warning_failures(self) -> list[str]:
        return self.failures("warning")

    @property
    def passed(self) -> bool:
        """No ``fatal`` and no ``error`` rule failed (warnings do not fail a run)."""
        return not self.fatal_failures and not self.error_failures

    def summary(self) -> str:
        """One paragraph for the task log: outcome, failed rules per severity, where the Data Docs are."""
        verdict = "PASSED" if self.passed else "FAILED"
        text = (
            f"Data-quality suite {self.suite} {verdict} for load {self.load_id}"
            f"{f' ({self.source_file})' if self.source_file else ''}: {self.rows_checked} row(s), "
            f"{len(self.results)} rule(s), run {self.run_id}."
        )
        for severity in SEVERITIES:
            failed = self.failures(severity)
            if failed:
                text += f" {severity.capitalize()} failures: {', '.join(failed)}."
        if self.data_docs_index:
            page = self.data_docs_page or self.data_docs_index
            text += f" Data Docs: {page} (index {self.data_docs_index})."
        if self.data_docs_error:
            text += f" Data Docs NOT rebuilt: {self.data_docs_error}."
        return text

    def raise_for_fatal(self) -> None:
        """Raise :class:`FatalRuleFailed` when any ``fatal`` rule failed."""
        if self.fatal_failures:
            raise FatalRuleFailed(self)


@dataclass(frozen=True)
class VolumeVerdict:
    """How a row count compares with the suite's earlier runs."""

    rows: int
    previous_runs: int
    usual_rows: float | None
    min_rows: int

    @property
    def flagged(self) -> bool:
        return self.rows < self.min_rows


def volume_baseline(
    con: duckdb.DuckDBPyConnection, suite: str, check: VolumeCheck, exclude_load_id: str | None = None
) -> tuple[int, float | None, int]:
    """(previous runs used, their median row count, minimum acceptable rows) from ``dq.validation_runs``."""
    counts = store.previous_row_counts(con, suite, check.history, exclude_load_id)
    if not counts:
        return 0, None, 0
    usual = float(statistics.median(counts))
    return len(counts), usual, math.ceil(check.min_ratio * usual)


def check_volume(
    con: duckdb.DuckDBPyConnection,
    suite: str,
    rows: int,
    check: VolumeCheck | None = None,
    *,
    exclude_load_id: str | None = None,
) -> VolumeVerdict:
    """Compare a load's row count with the earlier validation runs of the same suite (no GX needed)."""
    runs, usual, min_rows = volume_baseline(con, suite, check or VolumeCheck(), exclude_load_id)
    return VolumeVerdict(rows=rows, previous_runs=runs, usual_rows=usual, min_rows=min_rows)


def volume_rule(con: duckdb.DuckDBPyConnection, suite: Suite, load_id: str) -> Rule | None:
    """The suite's volume check as a row-count rule, with its minimum taken from earlier runs."""
    if suite.volume is None:
        return None
    check = suite.volume
    runs, usual, min_rows = volume_baseline(con, suite.name, check, exclude_load_id=load_id)
    basis = (
        f"median {usual:g} of the last {runs} run(s) × {check.min_ratio:g}"
        if runs
        else "no earlier runs yet, so any count is accepted"
    )
    return Rule(
        name=check.rule_name,
        expectation="expect_table_row_count_to_be_between",
        kwargs={"min_value": min_rows, "max_value": None},
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
