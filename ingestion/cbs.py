"""CBS reference sources: municipality lists per year, mergers, inhabitants.

The project ships the real lists 2012–2025, the mergers and the population figures
(``ingestion/reference/``, see its PROVENANCE.md); they load as "shipped" units before anything in the
landing zone. Which of the loaded lists and merger statements are in force is decided here, once, by two views
in ``raw`` that the survey loader reads while it loads and dbt's staging reads when it builds:
:data:`GEMEENTEN_IN_FORCE` and :data:`HERINDELINGEN_IN_FORCE`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from ingestion.framework import FileRejected, Parsed, Record, RowRejected, Source
from ingestion.framework.tabular import read_table

REFERENCE = Path(__file__).resolve().parent / "reference"

_YEAR_IN_NAME = re.compile(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)")


def normalise_gm_code(value: str) -> str:
    """``363``, ``0363`` or ``GM0363`` → ``GM0363``; raises ValueError for anything else."""
    text = value.strip().upper().removeprefix("GM")
    if not text.isdigit() or len(text) > 4:
        raise ValueError(f"not a municipality code: {value!r}")
    return f"GM{int(text):04d}"


def _province_code(value: str) -> str:
    text = value.strip().upper().removeprefix("PV")
    if not text.isdigit():
        raise ValueError(f"not a province code: {value!r}")
    return f"PV{int(text):02d}"


def _year_of(path: Path, row: dict[str, str]) -> int:
    if row.get("jaar"):
        return int(row["jaar"])
    found = _YEAR_IN_NAME.findall(path.name)
    if not found:
        raise FileRejected("no year: put it in the file name (…2014…) or in a `jaar` column", "header")
    return int(found[-1])


def parse_gemeenten(path: Path) -> Iterator[Parsed]:
    """A CBS "Gemeenten alfabetisch" list (CSV or XLSX) → one record per municipality of that year."""
    required = ("gemeentecode", "gemeentenaam", "provinciecode", "provincienaam")
    for line, row in read_table(path, required):
        position = f"line {line}"
        try:
            gm_code = normalise_gm_code(row["gemeentecode"])
            name = row["gemeentenaam"]
            if not name:
                raise ValueError("empty Gemeentenaam")
            values = {
                "jaar": _year_of(path, row),
                "gm_code": gm_code,
                "gemeentenaam": name,
                "pv_code": _province_code(row["provinciecode"]),
                "provincienaam": row["provincienaam"],
            }
        except ValueError as exc:
            yield RowRejected(position, str(exc), repr(row))
            continue
        yield Record(position, values)


def _parse_date(value: str) -> date:
    text = value.strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {value!r}")


def parse_herindelingen(path: Path) -> Iterator[Parsed]:
    """Mergers: old code → new code from a date (names optional)."""
    for line, row in read_table(path, ("datum_ingang", "oude_gm_code", "nieuwe_gm_code")):
        try:
            values = {
                "datum_ingang": _parse_date(row["datum_ingang"]),
                "oude_gm_code": normalise_gm_code(row["oude_gm_code"]),
                "nieuwe_gm_code": normalise_gm_code(row["nieuwe_gm_code"]),
                "oude_naam": row.get("oude_naam") or None,
                "nieuwe_naam": row.get("nieuwe_naam") or None,
            }
        except ValueError as exc:
            yield RowRejected(f"line {line}", str(exc), repr(row))
            continue
        yield Record(f"line {line}", values)


def parse_bevolking(path: Path) -> Iterator[Parsed]:
    """Inhabitants per municipality and year."""
    for line, row in read_table(path, ("gm_code", "jaar", "inwoners")):
        try:
            inwoners = int(row["inwoners"].replace(".", "").replace(" ", ""))
            values = {
                "gm_code": normalise_gm_code(row["gm_code"]),
                "jaar": int(row["jaar"]),
                "inwoners": inwoners,
                "peilmoment": row.get("peilmoment") or None,
            }
        except ValueError as exc:
            yield RowRejected(f"line {line}", str(exc), repr(row))
            continue
        yield Record(f"line {line}", values)


#: The raw rows (with lineage) of the municipality list in force for each year (CONTRACT.md §2): a landed list
#: replaces the shipped one for its year, and of several landed lists the last loaded wins.
GEMEENTEN_IN_FORCE = "raw.cbs_gemeenten_in_force"

#: The raw row (with lineage) of the merger in force for each old code: the last loaded statement wins.
HERINDELINGEN_IN_FORCE = "raw.cbs_herindelingen_in_force"

_GEMEENTEN_IN_FORCE_VIEW = f"""
CREATE OR REPLACE VIEW {GEMEENTEN_IN_FORCE} AS
WITH files AS (
    SELECT jaar, source_file, dense_rank() OVER (
        PARTITION BY jaar ORDER BY source_file LIKE 'shipped:%' ASC, max(loaded_at) DESC, source_file DESC
    ) AS file_rank
    FROM raw.cbs_gemeenten GROUP BY jaar, source_file
)
SELECT g.* FROM raw.cbs_gemeenten AS g JOIN files AS f USING (jaar, source_file)
WHERE f.file_rank = 1
"""

_HERINDELINGEN_IN_FORCE_VIEW = f"""
CREATE OR REPLACE VIEW {HERINDELINGEN_IN_FORCE} AS
SELECT * FROM raw.cbs_herindelingen
QUALIFY row_number() OVER (PARTITION BY oude_gm_code ORDER BY loaded_at DESC, datum_ingang DESC) = 1
"""


def _shipped(folder: str) -> tuple[Path, ...]:
    return tuple(sorted((REFERENCE / folder).glob("*.csv")))


CBS_GEMEENTEN = Source(
    name="cbs_gemeenten",
    table="cbs_gemeenten",
    columns={"jaar": "INTEGER", "gm_code": "VARCHAR", "gemeentenaam": "VARCHAR", "pv_code": "VARCHAR",
             "provincienaam": "VARCHAR"},
    parse=parse_gemeenten,
    shipped=_shipped("cbs_gemeenten"),
    name_is_data=True,  # the year is in the file name; 2019 and 2020 have identical bytes
    views=(_GEMEENTEN_IN_FORCE_VIEW,),
)

CBS_HERINDELINGEN = Source(
    name="cbs_herindelingen",
    table="cbs_herindelingen",
    columns={"datum_ingang": "DATE", "oude_gm_code": "VARCHAR", "nieuwe_gm_code": "VARCHAR",
             "oude_naam": "VARCHAR", "nieuwe_naam": "VARCHAR"},
    parse=parse_herindelingen,
    shipped=_shipped("cbs_herindelingen"),
    views=(_HERINDELINGEN_IN_FORCE_VIEW,),
)

CBS_BEVOLKING = Source(
    name="cbs_bevolking",
    table="cbs_bevolking",
    columns={"gm_code": "VARCHAR", "jaar": "INTEGER", "inwoners": "BIGINT", "peilmoment": "VARCHAR"},
    parse=parse_bevolking,
    shipped=_shipped("cbs_bevolking"),
)

SOURCES: tuple[Source, ...] = (CBS_GEMEENTEN, CBS_HERINDELINGEN, CBS_BEVOLKING)
