"""Suites for the CBS municipality reference data (raw yearly lists, mergers) and mart ``dim_municipality``.

Column names follow the raw CBS tables the loader writes (``ingestion/cbs.py``: ``raw.cbs_gemeenten``,
``raw.cbs_herindelingen``, each with lineage columns) and CONTRACT.md §4. The yearly-list suite checks the
*effective* list (a landed list replaces the shipped one for its year): :func:`effective_gemeenten` reads
the raw rows of the lists dbt selected, so failing keys keep their file and line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import duckdb

from expectations.model import FromRows, Rule, Suite, VolumeCheck
from expectations.suites.building import (
    GM_CODE,
    NOT_BLANK,
    PV_CODE,
    columns_present,
    gx_expectations,
    matches,
    not_null,
)

if TYPE_CHECKING:
    import pandas as pd

GEMEENTEN_COLUMNS = ("jaar", "gm_code", "gemeentenaam", "pv_code", "provincienaam")
HERINDELINGEN_COLUMNS = ("datum_ingang", "oude_gm_code", "nieuwe_gm_code")
DIM_MUNICIPALITY_COLUMNS = (
    "gm_code",
    "name",
    "province_code",
    "province_name",
    "valid_from",
    "valid_to",
    "successor_gm_code",
    "is_current",
)


#: The dbt model that picks, per year, the list in force (its ``year`` and ``source_file`` select raw rows).
EFFECTIVE_LIST_MODEL = "intermediate.int_municipality_years_selected"


def effective_gemeenten(con: duckdb.DuckDBPyConnection, model: str = EFFECTIVE_LIST_MODEL) -> pd.DataFrame:
    """Raw rows (with lineage) of the yearly lists dbt put in force; the input of :func:`gemeenten_suite`."""
    return con.execute(
        f"""select raw.* from raw.cbs_gemeenten as raw
            inner join (select distinct year, source_file from {model}) as selected
                on raw.jaar = selected.year and raw.source_file = selected.source_file
            order by raw.jaar, raw.gm_code, raw.source_position"""
    ).df()


def gemeenten_suite(unique_within: tuple[str, ...] = ("gm_code", "jaar")) -> Suite:
    """Yearly CBS municipality lists: one row per code and year, well-formed codes and names.

    The effective lists (after dbt picked one list per year) are unique per code and year; a load may hold
    a shipped and a landed list of one year, so there ``unique_within`` adds ``source_file``.
    """
    gxe = gx_expectations()
    return Suite(
        name="cbs_gemeenten",
        key_columns=("gm_code", "jaar"),
        description="CBS gemeentelijsten per jaar (effectieve lijst) / effective yearly municipality lists.",
        volume=VolumeCheck(min_ratio=0.8, severity="warning"),
        rules=(
            columns_present(GEMEENTEN_COLUMNS),
            not_null("jaar", "fatal", "Elk record heeft een jaar / every row has a year."),
            not_null("gm_code", "fatal", "Elk record heeft een gemeentecode / every row has a gm_code."),
            matches("gm_code_format", "gm_code", GM_CODE, "fatal", "gm_code is 'GM' + 4 cijfers (GM0363)."),
            not_null("gemeentenaam", "fatal", "Gemeentenaam is gevuld / municipality name is present."),
            matches(
                "gemeentenaam_not_blank",
                "gemeentenaam",
                NOT_BLANK,
                "fatal",
                "Gemeentenaam is niet leeg / municipality name is not empty.",
            ),
            Rule(
                name="one_row_per_code_and_year",
                expectation=gxe.ExpectCompoundColumnsToBeUnique(column_list=list(unique_within)),
                severity="fatal",
                description="Eén rij per gemeente per jaar / one row per municipality code and year.",
            ),
            Rule(
                name="jaar_in_range",
                expectation=gxe.ExpectColumnValuesToBeBetween(column="jaar", min_value=1900, max_value=2100),
                severity="error",
                description="Jaar is plausibel (1900-2100) / year is plausible.",
            ),
            matches("pv_code_format", "pv_code", PV_CODE, "error", "pv_code is 'PV' + 2 cijfers (PV27)."),
            not_null("provincienaam", "error", "Provincienaam is gevuld / province name is present."),
        ),
    )


def herindelingen_suite(known_gm_codes: Iterable[str]) -> Suite:
    """The municipal mergers; ``known_gm_codes`` are all codes of all yearly lists (the successor check)."""
    known = sorted(set(known_gm_codes))
    gxe = gx_expectations()
    return Suite(
        name="cbs_herindelingen",
        key_columns=("datum_ingang", "oude_gm_code"),
        description="Gemeentelijke herindelingen / municipal mergers.",
        rules=(
            columns_present(HERINDELINGEN_COLUMNS),
            not_null("datum_ingang", "fatal", "Elke herindeling heeft een ingangsdatum / has an effective date."),
            matches("oude_gm_code_format", "oude_gm_code", GM_CODE, "fatal", "oude_gm_code is GM + 4 cijfers."),
            not_null("nieuwe_gm_code", "fatal", "Elke opgeheven gemeente heeft een opvolger / has a successor."),
            matches(
                "nieuwe_gm_code_format",
                "nieuwe_gm_code",
                GM_CODE,
                "fatal",
                "nieuwe_gm_code is GM + 4 cijfers.",
            ),
            Rule(
                name="one_merger_per_code_and_date",
                expectation=gxe.ExpectCompoundColumnsToBeUnique(column_list=["datum_ingang", "oude_gm_code"]),
                severity="error",
                description="Eén rij per oude code en datum / one row per old code and date.",
            ),
            Rule(
                name="successor_in_yearly_lists",
                expectation=gxe.ExpectColumnValuesToBeInSet(column="nieuwe_gm_code", value_set=known),
                severity="error",
                description="De opvolger staat in een CBS-jaarlijst / successor is in a yearly list.",
            ),
        ),
    )


def _current_codes(df: pd.DataFrame) -> dict[str, Any]:
    """Kwargs of the successor check: successors must be codes of this table that are current."""
    current = df.loc[df["is_current"].fillna(False).astype(bool), "gm_code"].dropna()
    return {"column": "successor_gm_code", "value_set": sorted(set(current))}


def dim_municipality_suite() -> Suite:
    """Mart ``marts.dim_municipality``: unique codes, a current successor for every code, a start date."""
    gxe = gx_expectations()
    return Suite(
        name="dim_municipality",
        key_columns=("gm_code",),
        description="Mart dim_municipality (CONTRACT.md §4): één rij per gemeentecode over alle jaren.",
        volume=VolumeCheck(min_ratio=0.9, severity="error"),
        rules=(
            columns_present(DIM_MUNICIPALITY_COLUMNS),
            not_null("gm_code", "fatal", "gm_code is gevuld / gm_code is not null."),
            Rule(
                name="gm_code_unique",
                expectation=gxe.ExpectColumnValuesToBeUnique(column="gm_code"),
                severity="fatal",
                description="Eén rij per gm_code / gm_code is unique.",
            ),
            matches("gm_code_format", "gm_code", GM_CODE, "fatal", "gm_code is 'GM' + 4 cijfers."),
            not_null("successor_gm_code", "fatal", "Elke gemeente heeft een huidige code / successor is set."),
            Rule(
                name="successor_is_current",
                expectation=FromRows(gxe.ExpectColumnValuesToBeInSet, _current_codes),
                severity="fatal",
                description="De opvolger bestaat nu (is_current) / the successor is itself a current code.",
            ),
            not_null("valid_from", "fatal", "valid_from is gevuld / valid_from is not null."),
            not_null("name", "error", "Naam is gevuld / name is not null."),
            not_null("is_current", "error", "is_current is gevuld / is_current is not null."),
        ),
    )


def bevolking_suite() -> Suite:
    """Inhabitants per municipality and year: codes well-formed, counts positive, one row per code and year."""
    gxe = gx_expectations()
    return Suite(
        name="cbs_bevolking",
        key_columns=("gm_code", "jaar"),
        description="Inwoners per gemeente en jaar / inhabitants per municipality and year.",
        rules=(
            columns_present(("gm_code", "jaar", "inwoners")),
            matches("gm_code_format", "gm_code", GM_CODE, "fatal", "gm_code is 'GM' + 4 cijfers (GM0363)."),
            not_null("jaar", "fatal", "Elk record heeft een jaar / every row has a year."),
            Rule(
                name="inwoners_positive",
                expectation=gxe.ExpectColumnValuesToBeBetween(column="inwoners", min_value=1, max_value=2_000_000),
                severity="error",
                description="Inwoners tussen 1 en 2 miljoen / inhabitants between 1 and 2 million.",
            ),
            Rule(
                name="one_row_per_code_and_year",
                expectation=gxe.ExpectCompoundColumnsToBeUnique(column_list=["gm_code", "jaar", "source_file"]),
                severity="error",
                description="Eén rij per gemeente per jaar per bestand / one row per code and year in a file.",
            ),
        ),
    )
