"""Small builders for the rules most suites share, so each suite reads as a list of checks.

Each builder declares how its rule can be checked on a load that comes in chunks of whole files
(:data:`expectations.runner.Chunking`): row-wise checks and the column set add up over chunks; a uniqueness
does only when it is scoped to one file (its columns include ``source_file``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from expectations.runner import Rule, Severity

GM_CODE = r"^GM\d{4}$"
PV_CODE = r"^PV\d{2}$"
NOT_BLANK = r"\S"


def columns_present(columns: Iterable[str], severity: Severity = "fatal") -> Rule:
    return Rule(
        name="columns_present",
        expectation="expect_table_columns_to_match_set",
        kwargs={"column_set": list(columns), "exact_match": False},
        severity=severity,
        description="Alle verwachte kolommen zijn aanwezig / all expected columns are present.",
        chunking="rows",
    )


def not_null(column: str, severity: Severity, description: str) -> Rule:
    return Rule(
        name=f"{column}_not_null",
        expectation="expect_column_values_to_not_be_null",
        kwargs={"column": column},
        severity=severity,
        description=description,
        chunking="rows",
    )


def matches(name: str, column: str, regex: str, severity: Severity, description: str) -> Rule:
    return Rule(
        name=name,
        expectation="expect_column_values_to_match_regex",
        kwargs={"column": column, "regex": regex},
        severity=severity,
        description=description,
        chunking="rows",
    )


def in_set(name: str, column: str, values: Iterable[str], severity: Severity, description: str) -> Rule:
    return Rule(
        name=name,
        expectation="expect_column_values_to_be_in_set",
        kwargs={"column": column, "value_set": sorted(set(values))},
        severity=severity,
        description=description,
        chunking="rows",
    )


def between(name: str, column: str, low: float | None, high: float | None, severity: Severity,
            description: str) -> Rule:
    return Rule(
        name=name,
        expectation="expect_column_values_to_be_between",
        kwargs={"column": column, "min_value": low, "max_value": high},
        severity=severity,
        description=description,
        chunking="rows",
    )


def unique_together(name: str, columns: Sequence[str], severity: Severity, description: str) -> Rule:
    return Rule(
        name=name,
        expectation="expect_compound_columns_to_be_unique" if len(columns) > 1
        else "expect_column_values_to_be_unique",
        kwargs={"column_list": list(columns)} if len(columns) > 1 else {"column": columns[0]},
        severity=severity,
        description=description,
        chunking="rows" if len(columns) > 1 and "source_file" in columns else "whole",
    )
