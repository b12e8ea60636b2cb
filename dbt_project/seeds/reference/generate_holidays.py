"""Write ``dutch_public_holidays.csv``: the Dutch public holidays of 2010–2030 for business response times.

The dates come from the ``holidays`` package (``country_holidays("NL")``, its default ``public`` category,
Dutch names), the same source the demo generator uses for office hours. The seed is committed so a dbt
build needs no Python package and gives the same result on every machine; re-run this script after a
``holidays`` upgrade or to widen the range, and review the diff::

    .venv/pipeline/bin/python dbt_project/seeds/reference/generate_holidays.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import holidays

FIRST_YEAR, LAST_YEAR = 2010, 2030
TARGET = Path(__file__).resolve().parent / "dutch_public_holidays.csv"


def holiday_rows(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> list[tuple[str, str]]:
    """(ISO date, Dutch name) of every Dutch public holiday in the years, in date order."""
    calendar = holidays.country_holidays("NL", years=range(first_year, last_year + 1), language="nl")
    return [(day.isoformat(), name) for day, name in sorted(calendar.items())]


def main() -> None:
    """Write the seed file next to this script."""
    with TARGET.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["holiday_date", "holiday_name"])
        writer.writerows(holiday_rows())
    print(f"wrote {TARGET} (holidays {holidays.__version__}, {FIRST_YEAR}-{LAST_YEAR})")


if __name__ == "__main__":
    main()
