"""Suite definitions, one module per source family or mart layer (cheap to import: no GX here).

:func:`load_check` gives the suite and the rows to check for one load of a landing source.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from expectations.runner import Suite

if TYPE_CHECKING:
    import pandas as pd

SOCIAL_SOURCES = ("x_api", "x_archive", "facebook_graph", "webcare_csv")


def _known_codes(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [row[0] for row in con.execute("SELECT DISTINCT gm_code FROM raw.cbs_gemeenten").fetchall()]


def load_suite(con: duckdb.DuckDBPyConnection, source: str) -> Suite | None:
    """The suite that guards one load of a landing source (None for a source without one)."""
    from expectations.suites import cbs, channels, social, survey

    if source == "cbs_gemeenten":
        return cbs.gemeenten_suite(unique_within=("gm_code", "jaar", "source_file"))
    if source == "cbs_herindelingen":
        return cbs.herindelingen_suite(_known_codes(con))
    if source == "cbs_bevolking":
        return cbs.bevolking_suite()
    if source == "channels":
        return channels.channels_suite(_known_codes(con))
    if source in SOCIAL_SOURCES:
        return social.messages_suite(source)
    if source == "survey":
        return survey.survey_suite()
    return None


def load_frame(con: duckdb.DuckDBPyConnection, source: str, table: str, load_id: str) -> pd.DataFrame:
    """The rows of one load, as the suite sees them. For messages only the columns the rules and the failing
    keys read: a national load has a million rows, and pandas holds every selected column in memory."""
    if source in SOCIAL_SOURCES:
        select = ("platform, message_id, created_at, author_key, is_retweet, source_file, source_position, "
                  "year(created_at AT TIME ZONE 'UTC')::INTEGER AS created_year")
    else:
        select = "*"
    return con.execute(f"SELECT {select} FROM raw.{table} WHERE load_id = ?", [load_id]).df()
