"""The real municipal geography the demo data is laid over: CBS lists, mergers and inhabitants.

Read from the reference data shipped in ``ingestion/reference/`` (never from ``../shared``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent.parent / "ingestion" / "reference"
#: A date before any generated year, for municipalities that existed before the shipped lists start.
LONG_AGO = date(2000, 1, 1)


@dataclass(frozen=True)
class Municipality:
    """One municipality code with its name and lifetime (``valid_to`` is the last day it existed)."""

    gm_code: str
    name: str
    valid_from: date
    valid_to: date | None

    def exists_on(self, day: date) -> bool:
        """True if the municipality existed on that day."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def exists_in(self, year: int) -> bool:
        """True if the municipality existed at any moment of that year."""
        return self.exists_on(date(year, 12, 31)) or self.exists_on(date(year, 1, 1)) or (
            self.valid_from.year == year
        )


@dataclass(frozen=True)
class Geography:
    """CBS lists per year (code → name), every municipality's lifetime and inhabitants."""

    lists: dict[int, dict[str, str]]
    municipalities: dict[str, Municipality]
    population: dict[tuple[str, int], int]

    def on_first_january(self, year: int) -> list[str]:
        """Codes on the CBS list of 1 January of ``year``, sorted."""
        return sorted(self.lists[year])

    def inhabitants(self, gm_code: str, year: int) -> int:
        """Inhabitants of a municipality in the nearest year with a figure (10 000 if none)."""
        for offset in (0, -1, 1, -2, 2, -3, 3, -4, 4, 5, 6, 7, 8, 9, 10, 11):
            value = self.population.get((gm_code, year + offset))
            if value:
                return value
        return 10_000


def _read_lists() -> dict[int, dict[str, str]]:
    lists: dict[int, dict[str, str]] = {}
    for path in sorted((REFERENCE / "cbs_gemeenten").glob("gemeenten-alfabetisch-*.csv")):
        year = int(path.stem.rsplit("-", 1)[1])
        with path.open(encoding="utf-8-sig", newline="") as handle:
            lists[year] = {row["GemeentecodeGM"]: row["Gemeentenaam"] for row in csv.DictReader(handle)}
    return lists


def _read_mergers() -> list[tuple[date, str, str]]:
    path = REFERENCE / "cbs_herindelingen" / "herindelingen-2012-2025.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            (date.fromisoformat(row["datum_ingang"]), row["oude_gm_code"], row["nieuwe_gm_code"])
            for row in csv.DictReader(handle)
        ]


def _read_population() -> dict[tuple[str, int], int]:
    path = REFERENCE / "cbs_bevolking" / "bevolking-2012-2025.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {(row["gm_code"], int(row["jaar"])): int(row["inwoners"]) for row in csv.DictReader(handle)}


def _lifetimes(lists: dict[int, dict[str, str]], mergers: list[tuple[date, str, str]]) -> dict[str, Municipality]:
    first_year = min(lists)
    names: dict[str, str] = {}
    seen_in: dict[str, int] = {}
    for year in sorted(lists):
        for code, name in lists[year].items():
            names[code] = name
            seen_in.setdefault(code, year)
    ends = {old: day - timedelta(days=1) for day, old, new in mergers if old != new}
    starts: dict[str, date] = {}
    for day, old, new in mergers:
        if old != new and seen_in.get(new, first_year) > first_year:
            starts[new] = min(starts.get(new, day), day)
    result = {}
    for code, name in names.items():
        start = LONG_AGO if seen_in[code] == first_year else starts.get(code, date(seen_in[code], 1, 1))
        result[code] = Municipality(code, name, start, ends.get(code))
    return result


@lru_cache(maxsize=1)
def load_geography() -> Geography:
    """The shipped CBS geography (cached: it never changes while the process runs)."""
    lists = _read_lists()
    return Geography(lists, _lifetimes(lists, _read_mergers()), _read_population())
