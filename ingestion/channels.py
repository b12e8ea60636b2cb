"""The channel registry: which social-media accounts belong to which municipality, with theme and period.

CSV ``gm_code, platform, account_id, handle, theme, active_from, active_to`` (``,`` or ``;``; UTF-8 with or
without BOM, or Windows-1252). A file missing a column is rejected whole; a row with a bad municipality
code, theme or date, or without a platform, is rejected with its reason while the rest loads. Values are
normalised here (``GM0363``, ``twitter`` → ``x`` by the platform registry, handles lowercased without ``@``)
because validating needs them so.

A platform the registry (``core/platforms.py``) does not know is not a broken row but a registry to extend or
a typo to fix: the row loads with the platform as given (lower case, stripped), the load's suite reports it as
an error naming the file and line (``platform_known``), and dbt leaves the channel out of the marts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from core.platforms import normalise_platform
from ingestion.framework import Parsed, Record, RowRejected, Source
from ingestion.framework.tabular import read_csv
from ingestion.social.messages import is_excel_number, normalise_handle

COLUMNS: dict[str, str] = {
    "gm_code": "VARCHAR NOT NULL",
    "platform": "VARCHAR NOT NULL",
    "account_id": "VARCHAR NOT NULL",
    "handle": "VARCHAR",
    "theme": "VARCHAR NOT NULL",
    "active_from": "DATE",
    "active_to": "DATE",
}
THEMES = ("algemeen", "crisis", "verkiezingen", "project", "kcc", "raad", "overig")
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y")
_GM_CODE = re.compile(r"^GM\d{4}$")


def parse(path: Path) -> Iterator[Parsed]:
    """Registry rows of one CSV file."""
    for line, row in read_csv(path, required=COLUMNS):
        yield _parse_row(row, f"line {line}")


def _parse_row(row: dict[str, str], position: str) -> Parsed:
    content = ",".join(row.get(c, "") for c in COLUMNS)
    try:
        values = _validate(row)
    except ValueError as exc:
        return RowRejected(position, str(exc), content)
    return Record(position, values)


def _validate(row: dict[str, str]) -> dict[str, object]:
    """The normalised registry row; ValueError names the first problem."""
    gm_code = row.get("gm_code", "").upper()
    if not _GM_CODE.match(gm_code):
        raise ValueError(f"gm_code {row.get('gm_code')!r} is not GM followed by four digits")
    given = row.get("platform", "").strip().lower()
    if not given:
        raise ValueError("platform is empty")
    platform = normalise_platform(given) or given  # unknown: loaded as given, reported by the suite
    account_id = row.get("account_id", "")
    if not account_id or is_excel_number(account_id):
        raise ValueError(f"account_id {account_id!r} is empty or was mangled by Excel")
    theme = row.get("theme", "").lower()
    if theme not in THEMES:
        raise ValueError(f"theme {row.get('theme')!r} is not one of {', '.join(THEMES)}")
    active_from, active_to = _date(row, "active_from"), _date(row, "active_to")
    if active_from and active_to and active_to < active_from:
        raise ValueError(f"active_to {active_to} is before active_from {active_from}")
    return {"gm_code": gm_code, "platform": platform, "account_id": account_id,
            "handle": normalise_handle(row.get("handle")), "theme": theme,
            "active_from": active_from, "active_to": active_to}


def _date(row: dict[str, str], column: str) -> date | None:
    value = row.get(column, "")
    if not value:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{column} {value!r} is not a date (jjjj-mm-dd or dd-mm-jjjj)")


CHANNELS = Source(name="channels", table="channels", columns=COLUMNS, parse=parse)
