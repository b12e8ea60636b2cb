"""What a release may hold: the tables, the columns of each (an explicit allow-list), and the suppression rule.

Privacy by construction (docs/release.md):

- Only the tables named in :data:`TABLES` are released, and of each only the columns listed there, with the
  DuckDB type listed there. A table or column the marts gain later is not released until someone adds it here
  (and a test checks it); a column whose type changed stops the release.
- Message- and question-level tables (``fct_*``) are never released, whatever this file says.
- :data:`DENIED_NAME` names columns that must never leave (citizen keys, authors, handles, message text), even a
  municipality's own handle; a column matching it cannot be on the allow-list (checked at import).
- In municipality-level tables (those with ``gm_code``), counts from 1 to 4 become empty, and so do the figures
  computed from a count below 5 (rates, means, medians), so a suppressed count cannot be recomputed. A count of 0
  stays 0: it discloses nobody.
- Counts whose national total is released too (``questions`` and ``answered`` of ``rpt_municipality_year`` add
  up to ``rpt_national_year``) get secondary suppression: the national total minus the released cells gives the
  sum of a year's suppressed cells, so when that sum is 1–4 (one suppressed cell always is), the year's smallest
  released non-zero cells (then by ``gm_code``) are suppressed too until it is at least 5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Counts below this (and above 0) are suppressed in municipality-level tables.
SUPPRESSION_THRESHOLD = 5

#: Column names that never leave in a release (checked against every released column, case-insensitive).
DENIED_NAME = re.compile(r"citizen|author|auteur|handle|screen_?name|user|text|tekst|content|body|message_id|"
                         r"question_id|reply_id|pseudonym|key$", re.IGNORECASE)

#: Tables whose name starts with one of these are never released (one row per question, reply or message).
NEVER_RELEASED_PREFIXES: tuple[str, ...] = ("fct_", "int_", "stg_")


@dataclass(frozen=True)
class Column:
    """A released column: its name, the DuckDB type it must have, and what kind of value it is.

    ``kind`` is ``code`` (an identifier of a municipality, province, channel or year), ``label`` (a name of a
    municipality, province, platform or theme), ``flag``, ``date``, ``level`` (an ordinal such as maturity),
    ``count`` (suppressed 1–4 in municipality-level tables), ``share`` (a fraction or figure computed from counts:
    ``based_on`` names the counts; empty when any of them is below the threshold, 0 included, or suppressed)."""

    name: str
    duckdb_type: str
    kind: str
    based_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """A released table: its columns in release order and its key (rows are sorted by the key, then the rest)."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    notes: str = ""
    #: Count columns whose total per ``year`` is released elsewhere (secondary suppression, see the docstring).
    totals_per_year: tuple[str, ...] = ()
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))

    @property
    def municipality_level(self) -> bool:
        return "gm_code" in self.column_names and self.name.startswith("rpt_")


def _c(name: str, duckdb_type: str, kind: str, *based_on: str) -> Column:
    return Column(name, duckdb_type, kind, tuple(based_on))


TABLES: tuple[Table, ...] = (
    Table("dim_municipality", (
        _c("gm_code", "VARCHAR", "code"),
        _c("name", "VARCHAR", "label"),
        _c("province_code", "VARCHAR", "code"),
        _c("province_name", "VARCHAR", "label"),
        _c("valid_from", "DATE", "date"),
        _c("valid_to", "DATE", "date"),
        _c("successor_gm_code", "VARCHAR", "code"),
        _c("is_current", "BOOLEAN", "flag"),
    ), key=("gm_code",)),
    Table("dim_channel", (
        _c("channel_id", "VARCHAR", "code"),
        _c("platform", "VARCHAR", "label"),
        _c("account_id", "VARCHAR", "code"),
        _c("gm_code", "VARCHAR", "code"),
        _c("current_gm_code", "VARCHAR", "code"),
        _c("theme", "VARCHAR", "label"),
        _c("is_theme_channel", "BOOLEAN", "flag"),
        _c("active_from", "DATE", "date"),
        _c("active_to", "DATE", "date"),
    ), key=("channel_id",), notes="without `handle`: no handle leaves in a release, not even a municipality's "
                                  "(a Mastodon account's id is its address `name@server`, which is also its handle)"),
    Table("rpt_municipality_year", (
        _c("gm_code", "VARCHAR", "code"),
        _c("year", "INTEGER", "code"),
        _c("existed_on_first_january", "BOOLEAN", "flag"),
        _c("has_x", "BOOLEAN", "flag"),
        _c("has_facebook", "BOOLEAN", "flag"),
        _c("has_instagram", "BOOLEAN", "flag"),
        _c("channels", "INTEGER", "count"),
        _c("theme_channels", "INTEGER", "count"),
        _c("channel_messages", "INTEGER", "count"),
        _c("questions", "INTEGER", "count"),
        _c("answered", "INTEGER", "count"),
        _c("answer_rate", "DOUBLE", "share", "questions", "answered"),
        _c("avg_response_hours", "DOUBLE", "share", "answered"),
        _c("median_response_hours", "DOUBLE", "share", "answered"),
        _c("kcc_involved", "BOOLEAN", "flag"),
        _c("maturity_level", "INTEGER", "level"),
        _c("is_structural", "BOOLEAN", "flag"),
    ), key=("gm_code", "year"), totals_per_year=("questions", "answered")),
    Table("rpt_national_year", (
        _c("year", "INTEGER", "code"),
        _c("municipalities", "INTEGER", "count"),
        _c("without_x", "INTEGER", "count"),
        _c("pct_with_facebook", "DOUBLE", "share", "municipalities"),
        _c("pct_structural", "DOUBLE", "share", "municipalities"),
        _c("questions", "INTEGER", "count"),
        _c("answered", "INTEGER", "count"),
        _c("answer_rate", "DOUBLE", "share", "questions", "answered"),
        _c("avg_response_hours", "DOUBLE", "share", "answered"),
        _c("median_response_hours", "DOUBLE", "share", "answered"),
        _c("pct_comms_responsible", "DOUBLE", "share"),
        _c("avg_self_rating_comms", "DOUBLE", "share"),
    ), key=("year",)),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

#: Marts read for the manifest only, never released as a table (a file name is free text).
SOURCE_FILES_TABLE = "dim_source_file"

#: Columns whose value is text: each must be a code or a label (names of places, platforms, themes).
TEXT_KINDS = ("code", "label")


def is_released_table(name: str) -> bool:
    """A mart is released only when it is a report or dimension on the allow-list (never a fact table)."""
    return name in TABLES_BY_NAME and not name.startswith(NEVER_RELEASED_PREFIXES)


def suppressed_columns(table: Table) -> dict[str, str]:
    """Column → how it is suppressed, for the README and the descriptor (empty outside municipality level)."""
    if not table.municipality_level:
        return {}
    rules: dict[str, str] = {}
    for column in table.columns:
        if column.kind == "count":
            rules[column.name] = f"empty when 1–{SUPPRESSION_THRESHOLD - 1} (0 stays 0)"
            if column.name in table.totals_per_year:
                rules[column.name] += (f", and the year's smallest other cells too while the year's suppressed cells "
                                       f"add up to less than {SUPPRESSION_THRESHOLD} (the national total would give "
                                       "their sum)")
        elif column.kind == "share" and column.based_on:
            counts = " or ".join(f"`{c}`" for c in column.based_on)
            rules[column.name] = (f"empty when {counts} is below {SUPPRESSION_THRESHOLD} (suppressed or 0), so a "
                                  "suppressed count cannot be recomputed")
    return rules


def _check() -> None:
    for table in TABLES:
        assert not table.name.startswith(NEVER_RELEASED_PREFIXES), table.name
        assert set(table.key) <= set(table.column_names), table.name
        for column in table.columns:
            assert not DENIED_NAME.search(column.name), f"{table.name}.{column.name} is on the deny-list"
            assert column.duckdb_type != "VARCHAR" or column.kind in TEXT_KINDS, f"{table.name}.{column.name}"
            assert set(column.based_on) <= set(table.column_names), f"{table.name}.{column.name}"
        for name in table.totals_per_year:
            assert name in table.column_names and "year" in table.column_names, f"{table.name}.{name}"


_check()
