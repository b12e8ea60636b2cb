"""The platform registry, as the Python side reads it: ``dbt_project/seeds/reference/platforms.csv``.

That file is the one list of platforms (dbt reads it as the seed ``platforms``); loaders, load suites and the
survey ask this module which platforms exist and what a name in an export means.
"""

from __future__ import annotations

import csv
from functools import cache

from core.settings import PROJECT_ROOT

REGISTRY = PROJECT_ROOT / "dbt_project" / "seeds" / "reference" / "platforms.csv"


@cache
def _rows() -> tuple[dict[str, str], ...]:
    with REGISTRY.open(encoding="utf-8", newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: int(row["sort_order"]))
    return tuple(rows)


def platform_codes() -> tuple[str, ...]:
    """Every platform code of the registry, in its order (``x``, ``facebook``, ``instagram``, ...)."""
    return tuple(row["platform"] for row in _rows())


def display_name(code: str) -> str:
    """The platform's display name (``X (Twitter)``); KeyError for a code the registry lacks."""
    return {row["platform"]: row["display_name"] for row in _rows()}[code]


@cache
def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for row in _rows():
        names[row["platform"]] = row["platform"]
        for alias in filter(None, (a.strip().lower() for a in row["aliases"].split("|"))):
            names[alias] = row["platform"]
    return names


def platform_names() -> dict[str, str]:
    """Every name the registry reads, lower case (codes and aliases), with its code: ``{"twitter": "x", ...}``.
    For SQL that maps names as :func:`normalise_platform` does (a bulk reader's ``CASE``)."""
    return dict(_names())


def normalise_platform(value: str | None) -> str | None:
    """The registry code of a platform name as exports write it (case and spaces ignored; ``twitter`` is
    ``x``), or None for a name the registry does not know."""
    return _names().get((value or "").strip().lower())
