"""Builders of the rules most suites share, so each suite reads as a list of checks.

Each builder makes a rule of one of Great Expectations' public expectation classes and declares how it can be
checked on a load that comes in chunks of whole files (:data:`expectations.model.Chunking`): row-wise checks
and the column set add up over chunks; a uniqueness does only when it is scoped to one file (its columns include
``source_file``).

GX is imported inside the functions, as :func:`gx_expectations` gives it: importing a suite module stays cheap
(steps import them before they know whether a source has a suite); building a suite loads GX (6-7 s, once per
process), right before :func:`expectations.runner.run_suite` needs it anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import ModuleType

from expectations.model import Rule, Severity

GM_CODE = r"^GM\d{4}$"
PV_CODE = r"^PV\d{2}$"
NOT_BLANK = r"\S"


def gx_expectations() -> ModuleType:
    """``great_expectations.expectations``, the module of GX's public expectation classes (imported on use)."""
    import great_expectations.expectations as gxe

    return gxe


def columns_present(columns: Iterable[str], severity: Severity = "fatal") -> Rule:
    return Rule(
        name="columns_present",
        expectation=gx_expectations().ExpectTableColumnsToMatchSet(column_set=list(columns), exact_match=False),
        severity=severity,
        description="Alle verwachte kolommen zijn aanwezig / all expected columns are present.",
        chunking="rows",
    )


def not_null(column: str, severity: Severity, description: str) -> Rule:
    return Rule(
        name=f"{column}_not_null",
        expectation=gx_expectations().ExpectColumnValuesToNotBeNull(column=column),
        severity=severity,
        description=description,
        chunking="rows",
    )


def matches(name: str, column: str, regex: str, severity: Severity, description: str) -> Rule:
    return Rule(
        name=name,
        expectation=gx_expectations().ExpectColumnValuesToMatchRegex(column=column, regex=regex),
        severity=severity,
        description=description,
        chunking="rows",
    )


def in_set(name: str, column: str, values: Iterable[str], severity: Severity, description: str) -> Rule:
    return Rule(
        name=name,
        expectation=gx_expectations().ExpectColumnValuesToBeInSet(column=column, value_set=sorted(set(values))),
        severity=severity,
        description=description,
        chunking="rows",
    )


def between(name: str, column: str, low: float | None, high: float | None, severity: Severity,
            description: str) -> Rule:
    return Rule(
        name=name,
        expectation=gx_expectations().ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high),
        severity=severity,
        description=description,
        chunking="rows",
    )


def unique_together(name: str, columns: Sequence[str], severity: Severity, description: str) -> Rule:
    gxe = gx_expectations()
    compound = len(columns) > 1
    return Rule(
        name=name,
        expectation=gxe.ExpectCompoundColumnsToBeUnique(column_list=list(columns)) if compound
        else gxe.ExpectColumnValuesToBeUnique(column=columns[0]),
        severity=severity,
        description=description,
        chunking="rows" if compound and "source_file" in columns else "whole",
    )
