"""What a data-quality check is and what it found: rules, suites, rule results and the outcome of a run.

The bottom of :mod:`expectations`: it imports nothing of the project and not Great Expectations (a rule *holds*
a GX expectation, built by the suite modules, but this module only reads its public attributes), so the runner,
the GX adapter, the ``dq`` store and every DAG task can import it cheaply and nothing here can import them back.

Severities: ``fatal`` stops the publish; ``error`` makes the run ``failed`` in ``dq`` but publishes;
``warning`` is only recorded. A run *passes* when no ``fatal`` or ``error`` rule failed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.expectations import Expectation

Severity = Literal["fatal", "error", "warning"]
SEVERITIES: tuple[Severity, ...] = ("fatal", "error", "warning")

#: Lineage columns reported with every failing key when the DataFrame has them.
LINEAGE_KEY_COLUMNS: tuple[str, ...] = ("source_file", "source_position")

#: How many failing keys a rule result keeps (the count is always complete).
FAILING_KEYS_SAMPLE = 20

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
class FromRows:
    """A GX expectation whose arguments depend on the rows being checked (e.g. the current codes of the same
    table): ``kind`` is the GX expectation class, ``arguments`` gives its arguments for a DataFrame."""

    kind: type[Expectation]
    arguments: Callable[[pd.DataFrame], Mapping[str, Any]]

    @property
    def expectation_type(self) -> str:
        return self.kind.expectation_type

    def build(self, df: pd.DataFrame) -> Expectation:
        return self.kind(**self.arguments(df))


@dataclass(frozen=True)
class Rule:
    """One check: a GX expectation (an instance of one of GX's public classes such as
    ``ExpectColumnValuesToMatchRegex``, or :class:`FromRows` when an argument depends on the data) with
    Dialoog's name, severity and description, and how it can be checked on a load in chunks."""

    name: str
    expectation: Expectation | FromRows
    severity: Severity
    description: str = ""
    chunking: Chunking = "whole"

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.name}: severity must be one of {SEVERITIES}, not {self.severity!r}")
        problem = _chunking_problem(self)
        if problem:
            raise ValueError(f"rule {self.name}: cannot be checked with chunking={self.chunking!r}: {problem}")

    @property
    def expectation_type(self) -> str:
        """GX's name of the expectation, e.g. ``expect_column_values_to_match_regex``."""
        return self.expectation.expectation_type

    @property
    def arguments(self) -> Mapping[str, Any] | None:
        """The expectation's arguments as GX stores them (None when they are computed from the rows)."""
        if isinstance(self.expectation, FromRows):
            return None
        return self.expectation.configuration.kwargs

    def build(self, df: pd.DataFrame) -> Expectation:
        """The expectation for this DataFrame."""
        if isinstance(self.expectation, FromRows):
            return self.expectation.build(df)
        return self.expectation


def _chunking_problem(rule: Rule) -> str | None:
    """Why a rule's declared chunking would not give the whole-load result (None when it would)."""
    if rule.chunking == "whole":
        return None
    arguments = rule.arguments
    if arguments is None:
        return "its arguments are computed from the rows"
    if rule.chunking == "row_count":
        return None if rule.expectation_type in ROW_COUNT_EXPECTATIONS else "it is not a row-count expectation"
    if rule.chunking != "rows":
        return "unknown chunking"
    if "mostly" in arguments:
        return "'mostly' is a share of the whole load"  # success per chunk would not add up
    if rule.expectation_type in ROW_WISE_EXPECTATIONS | COLUMN_SET_EXPECTATIONS:
        return None
    if rule.expectation_type in PER_FILE_UNIQUE_EXPECTATIONS:
        return None if "source_file" in arguments.get("column_list", ()) else "unique across files"
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
            arguments = rule.arguments
            if arguments is None or "column_set" in arguments:
                return None
            columns.update(dict.fromkeys([*arguments.get("column_list", []), *[arguments.get("column")]]))
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
                # failing keys are JSON-ready already (the GX adapter makes them so)
                keys = json.dumps(list(result.failing_keys[:3]), ensure_ascii=False) if result.failing_keys \
                    else "no keys"
                count = "" if result.unexpected_count is None else f", {result.unexpected_count} row(s)"
                parts.append(f"{result.rule}{count}, e.g. {keys}" + _exception_note(result))
        super().__init__(f"suite {outcome.suite} (load {outcome.load_id}): fatal rule(s) failed: " + "; ".join(parts))


def _exception_note(result: RuleResult) -> str:
    return f" (could not run: {result.exception})" if result.exception else ""


@dataclass(frozen=True)
class SuiteOutcome:
    """The result of one suite run (a row of ``dq.validation_runs`` and its rule results)."""

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
