"""Suites for the marts after each dbt build: keys unique, contract ranges, references between marts.

dbt's own tests stop a broken build; these suites put the same guarantees, with failing keys, into schema
``dq`` for auditors, and a ``fatal`` failure stops the publish.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import duckdb

from expectations.model import Suite, VolumeCheck
from expectations.suites import read_frame
from expectations.suites.building import GM_CODE, between, in_set, matches, not_null, unique_together

if TYPE_CHECKING:
    import pandas as pd

RATE = "fractions 0-1 / fracties 0-1"


def _codes(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    return [row[0] for row in con.execute(sql).fetchall()]


def questions_suite(con: duckdb.DuckDBPyConnection) -> Suite:
    """``fct_questions``: one row per question; its channel and municipality exist; times are sane."""
    channels = _codes(con, "SELECT channel_id FROM marts.dim_channel")
    municipalities = _codes(con, "SELECT gm_code FROM marts.dim_municipality")
    return Suite(
        name="fct_questions",
        key_columns=("question_id",),
        description="Mart fct_questions: één rij per vraag / one row per question.",
        volume=VolumeCheck(min_ratio=0.5, severity="error"),
        rules=(
            not_null("question_id", "fatal", "Elke vraag heeft een id / every question has an id."),
            unique_together("question_id_unique", ("question_id",), "fatal", "Eén rij per vraag / unique."),
            in_set("channel_in_dim_channel", "channel_id", channels, "error",
                   "Het kanaal staat in dim_channel / the channel is in dim_channel."),
            in_set("gm_code_in_dim_municipality", "gm_code", municipalities, "error",
                   "De gemeente staat in dim_municipality / the municipality is in dim_municipality."),
            between("response_minutes_not_negative", "response_minutes", 0, None, "error",
                    "Antwoord niet voor de vraag / no reply before its question."),
        ),
    )


def municipality_year_suite(con: duckdb.DuckDBPyConnection) -> Suite:
    """``rpt_municipality_year``: one row per municipality and year, rates and levels in range."""
    municipalities = _codes(con, "SELECT gm_code FROM marts.dim_municipality")
    return Suite(
        name="rpt_municipality_year",
        key_columns=("gm_code", "year"),
        description="Mart rpt_municipality_year: gemeente × jaar / municipality × year.",
        rules=(
            unique_together("one_row_per_municipality_year", ("gm_code", "year"), "fatal",
                            "Eén rij per gemeente per jaar / one row per municipality and year."),
            matches("gm_code_format", "gm_code", GM_CODE, "fatal", "gm_code is 'GM' + 4 cijfers."),
            in_set("gm_code_in_dim_municipality", "gm_code", municipalities, "error",
                   "De gemeente staat in dim_municipality / the municipality is in dim_municipality."),
            between("answer_rate_0_1", "answer_rate", 0, 1, "fatal", f"Antwoordpercentage als {RATE}."),
            between("maturity_level_0_4", "maturity_level", 0, 4, "fatal", "Volwassenheid 0-4 / maturity 0-4."),
            not_null("questions", "error", "Aantallen zijn 0, nooit leeg / counts are 0, never null."),
        ),
    )


def national_year_suite(con: duckdb.DuckDBPyConnection) -> Suite:
    """``rpt_national_year``: one row per year, every share a fraction."""
    shares = ("pct_with_facebook", "pct_structural", "answer_rate", "pct_comms_responsible")
    return Suite(
        name="rpt_national_year",
        key_columns=("year",),
        description="Mart rpt_national_year: één rij per jaar / one row per year.",
        rules=(
            unique_together("one_row_per_year", ("year",), "fatal", "Eén rij per jaar / one row per year."),
            *(between(f"{c}_0_1", c, 0, 1, "fatal", f"{c} als {RATE}.") for c in shares),
            between("self_rating_1_10", "avg_self_rating_comms", 1, 10, "error", "Rapportcijfer 1-10."),
        ),
    )


def source_file_suite(con: duckdb.DuckDBPyConnection) -> Suite:
    """``dim_source_file``: one row per loaded file, keyed by its SHA-256 (the lineage's end; docs/lineage.md).
    ``fct_message_sources`` (a row per copy, millions at scale 10) is checked by dbt's tests, not read here."""
    return Suite(
        name="dim_source_file",
        key_columns=("source_sha256",),
        description="Mart dim_source_file: één rij per geladen bestand / one row per loaded file.",
        rules=(
            unique_together("one_row_per_file", ("source_sha256",), "fatal",
                            "Eén rij per bestand (SHA-256) / one row per file."),
            matches("sha256_format", "source_sha256", "^[0-9a-f]{64}$", "error",
                    "SHA-256 als 64 hexadecimale tekens / 64 hex digits."),
            between("rows_loaded_not_negative", "rows_loaded", 0, None, "error", "Rijen ≥ 0 / rows ≥ 0."),
            between("rows_quarantined_not_negative", "rows_quarantined", 0, None, "error",
                    "Rijen in quarantaine ≥ 0 / quarantined rows ≥ 0."),
        ),
    )


def platform_year_suite(con: duckdb.DuckDBPyConnection) -> Suite:
    """``rpt_platform_year``: one row per registry platform and year, counts never null, rates fractions."""
    platforms = _codes(con, "SELECT platform FROM marts.dim_platform")
    counts = ("present", "left", "parked", "questions", "answered")
    return Suite(
        name="rpt_platform_year",
        key_columns=("platform", "year"),
        description="Mart rpt_platform_year: platform × jaar / platform × year.",
        rules=(
            unique_together("one_row_per_platform_year", ("platform", "year"), "fatal",
                            "Eén rij per platform per jaar / one row per platform and year."),
            in_set("platform_in_dim_platform", "platform", platforms, "error",
                   "Het platform staat in het platformregister / the platform is in the registry."),
            *(between(f"{c}_not_negative", c, 0, None, "fatal",
                      "Aantallen zijn 0 of meer, nooit leeg / counts are 0 or more, never null.") for c in counts),
            *(not_null(c, "fatal", "Aantallen zijn 0, nooit leeg / counts are 0, never null.") for c in counts),
            between("answer_rate_0_1", "answer_rate", 0, 1, "fatal", f"Antwoordpercentage als {RATE}."),
        ),
    )


def channel_states_suite(con: duckdb.DuckDBPyConnection) -> Suite:
    """``int_channel_states_by_year``, the input of ``rpt_platform_year``: a municipality is in at most one of
    the states present, left and parked per platform and year (CONTRACT.md §7), so the mart's counts never count
    it twice. Checked on the intermediate because the mart holds only the counts."""
    return Suite(
        name="int_channel_states_by_year",
        key_columns=("gm_code", "platform", "year"),
        description="Kanaalstatus per gemeente × platform × jaar / channel state per municipality × platform × year.",
        rules=(
            unique_together("one_state_per_municipality_platform_year", ("gm_code", "platform", "year"), "fatal",
                            "Eén status per gemeente, platform en jaar / one state per municipality, platform "
                            "and year."),
            in_set("state_known", "state", ("present", "left", "parked"), "fatal",
                   "Status is present, left of parked / state is present, left or parked."),
        ),
    )


#: (suite factory, table) of every mart suite after dim_municipality's (see expectations.suites.cbs).
MART_SUITES: tuple[tuple[Callable[[duckdb.DuckDBPyConnection], Suite], str], ...] = (
    (questions_suite, "marts.fct_questions"),
    (municipality_year_suite, "marts.rpt_municipality_year"),
    (national_year_suite, "marts.rpt_national_year"),
    (source_file_suite, "marts.dim_source_file"),
    (platform_year_suite, "marts.rpt_platform_year"),
    (channel_states_suite, "intermediate.int_channel_states_by_year"),
)


def mart_frames(con: duckdb.DuckDBPyConnection) -> Iterator[tuple[Suite, pd.DataFrame]]:
    """Each mart suite with the rows it checks, one mart at a time and only the columns its rules read
    (``Suite.columns``): all fourteen of fct_questions took 430 MB in pandas at scale 10, and all marts at once
    2 GB."""
    for factory, table in MART_SUITES:
        suite = factory(con)
        checked = suite.columns
        columns = ", ".join(f'"{name}"' for name in checked) if checked else "*"
        yield suite, read_frame(con, f"SELECT {columns} FROM {table}")
