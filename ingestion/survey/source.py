"""The survey source: municipalities' answers (CSV or XLSX, CONTRACT.md §5) → ``raw.survey_responses``.

Every answer row that can be read loads, with the name as typed, the municipality it matched, how it
matched and its row number, so staging can pick the last submission per municipality and year. A row is
quarantined when its municipality does not match exactly one municipality of its year, or when a value
cannot be read at all (``zeven`` as a grade); values that read fine but are out of range are kept for the
data-quality suite. A file without the required columns, or one that cannot be read, is rejected whole.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

from ingestion.framework import FileRejected, Parsed, Record, RowRejected, Source
from ingestion.framework.tabular import read_table
from ingestion.survey.matching import Match, MunicipalityMatcher, UnmatchedName
from ingestion.survey.values import (
    read_channels,
    read_decimal,
    read_department,
    read_whole,
    read_year,
    read_yes_no,
)

#: Columns every survey file must have; plus `gemeente` or `gm_code` (or both). `kanalen` is optional.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "jaar", "verantwoordelijke_afdeling", "rapportcijfer", "structureel", "kcc_betrokken", "steun_management",
)

#: The raw table ``raw.survey_responses`` (the loader adds the lineage columns after these).
COLUMNS: dict[str, str] = {
    "jaar": "INTEGER NOT NULL",
    "gemeente_as_typed": "VARCHAR",
    "gm_code_as_given": "VARCHAR",
    "gm_code": "VARCHAR NOT NULL",
    "matched_name": "VARCHAR NOT NULL",
    "match_method": "VARCHAR NOT NULL",
    "match_score": "DOUBLE NOT NULL",
    "verantwoordelijke_afdeling": "VARCHAR",
    "rapportcijfer": "DOUBLE",
    "structureel": "BOOLEAN",
    "kcc_betrokken": "BOOLEAN",
    "steun_management": "INTEGER",
    "kanalen": "VARCHAR[]",
    "source_row": "INTEGER NOT NULL",
}


def parse_survey(path: Path, matcher: MunicipalityMatcher) -> Iterator[Parsed]:
    """One record per answer row of a survey export; unreadable or unmatched rows as RowRejected."""
    is_xlsx = path.suffix.lower() in {".xlsx", ".xlsm"}
    checked = False
    for number, row in read_table(path, REQUIRED_COLUMNS):
        if not checked:
            _require_municipality_column(row)
            checked = True
        position = f"row {number}" if is_xlsx else f"line {number}"
        try:
            values = read_answers(row, matcher)
        except ValueError as exc:  # UnmatchedName is a ValueError too
            yield RowRejected(position, str(exc), json.dumps(row, ensure_ascii=False))
            continue
        yield Record(position, {**values, "source_row": number})


def _require_municipality_column(row: dict[str, str]) -> None:
    if "gemeente" not in row and "gm_code" not in row:
        raise FileRejected("missing column gemeente (or gm_code)", "header")


def read_answers(row: dict[str, str], matcher: MunicipalityMatcher) -> dict[str, object]:
    """The raw-table values of one answer row (without its row number); raises ValueError."""
    year = read_year(row.get("jaar", ""))
    typed = row.get("gemeente", "").strip() or None
    given = row.get("gm_code", "").strip() or None
    match = match_municipality(typed, given, year, matcher)
    return {
        "jaar": year,
        "gemeente_as_typed": typed,
        "gm_code_as_given": given,
        "gm_code": match.gm_code,
        "matched_name": match.name,
        "match_method": match.method,
        "match_score": match.score,
        "verantwoordelijke_afdeling": read_department(row.get("verantwoordelijke_afdeling", "")),
        "rapportcijfer": read_decimal(row.get("rapportcijfer", ""), "rapportcijfer"),
        "structureel": read_yes_no(row.get("structureel", ""), "structureel"),
        "kcc_betrokken": read_yes_no(row.get("kcc_betrokken", ""), "kcc_betrokken"),
        "steun_management": read_whole(row.get("steun_management", ""), "steun_management"),
        "kanalen": read_channels(row.get("kanalen", "")),
    }


def match_municipality(
    typed: str | None, given_code: str | None, year: int, matcher: MunicipalityMatcher
) -> Match:
    """The municipality of a row: by ``gm_code`` when given (a typed name must agree), else by name."""
    if given_code is None:
        if typed is None:
            raise UnmatchedName("gemeente and gm_code are both empty")
        return _prefixed(lambda: matcher.match(typed, year), "gemeente")
    by_code = _prefixed(lambda: matcher.match_code(given_code, year), "gm_code")
    if typed is not None:
        try:
            by_name = matcher.match(typed, year)
        except UnmatchedName:
            return by_code  # the code is what counts; a misspelt name beside it does no harm
        if by_name.gm_code != by_code.gm_code:
            raise UnmatchedName(
                f"gemeente {typed!r} is {by_name.name} ({by_name.gm_code}) but gm_code {given_code!r} is "
                f"{by_code.name} ({by_code.gm_code})")
    return by_code


def _prefixed(attempt: Callable[[], Match], column: str) -> Match:
    """Run a match; prefix the column name to a failure so the quarantine reason says where it failed."""
    try:
        return attempt()
    except UnmatchedName as exc:
        raise UnmatchedName(f"{column}: {exc.reason}", exc.candidates) from exc


@cache
def shipped_matcher() -> MunicipalityMatcher:
    """The matcher over the shipped reference lists (built once per process)."""
    return MunicipalityMatcher.from_reference()


def survey_source(matcher: MunicipalityMatcher | None = None) -> Source:
    """The ``survey`` source; names match with ``matcher`` (default: the shipped CBS lists)."""

    def parse(path: Path) -> Iterator[Parsed]:
        return parse_survey(path, matcher or shipped_matcher())

    return Source(name="survey", table="survey_responses", columns=COLUMNS, parse=parse)
