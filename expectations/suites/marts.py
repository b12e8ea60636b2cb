"""Suites for the marts after each dbt build: keys unique, contract ranges, references between marts.

dbt's own tests stop a broken build; these suites put the same guarantees, with failing keys, into schema
``dq`` for auditors, and a ``fatal`` failure stops the publish.

After an incremental build (the newest row of ``dq.transform_runs`` has mode ``incremental``) the suites of the
big marts read only what the build recomputed (:data:`RECOMPUTED`: the rows of ``fct_questions`` and
``fct_replies`` whose question is in ``int_increment_questions``, of ``fct_message_sources`` whose message is in
``int_increment_traced_messages``, of ``dim_source_file`` whose file is in ``int_increment_files``), and still fail
on every rule a check of every row would fail. Every other mart (reports, the other dims, the national report
``rpt_national_year``) is rebuilt whole by every build and read whole.
Why a changed-only read is enough, per kind of rule (:func:`restriction`):

- *Row-wise* rules (not null, between, regex, a column set): a row's verdict depends on that row only. The
  unchanged rows are the rows of the previous build, which was checked and published (the plan builds
  incrementally only after a publish). So the changed rows suffice, *provided* the previous check of the suite
  ran this same rule (same arguments) and it passed: a rule that is new, changed, or that failed with severity
  ``error`` or ``warning`` (which still publish) makes the suite read the whole mart (:func:`_why_whole`).
- *Uniqueness* of a key: a changed row can collide with an unchanged one, so every row sharing a key with a
  changed row is read from the whole table (a semi-join in DuckDB). When the key holds the column that names
  the recomputed rows (``question_id`` of ``fct_questions``) the changed rows already are every row of their
  keys. Unchanged rows among themselves were unique at the previous check (required, as for row-wise rules).
- *References* to another mart (a value in a set read from ``dim_channel`` or ``dim_municipality``): the other
  mart is rebuilt by every build, so an unchanged row can lose its reference. DuckDB finds the failing rows of
  the whole table (an anti-join over one column, cheap) and they are read with the changed rows.
- *Row count* (the volume check): the whole table's ``count(*)``, passed to the runner as ``table_rows``;
  ``dq.validation_runs.rows_checked`` stays the rows read.
- Anything else (arguments computed from the rows, ``mostly``, aggregates, a row count among the suite's own
  rules) cannot be restricted safely: the suite reads its whole mart.

Of the three big fact marts only ``fct_questions`` has a suite (``fct_replies`` and ``fct_message_sources`` are
checked by dbt's tests only); its rules: ``question_id_not_null`` and ``response_minutes_not_negative``
row-wise, ``question_id_unique`` a uniqueness whose key names the recomputed rows, ``channel_in_dim_channel``
and ``gm_code_in_dim_municipality`` references, ``row_volume`` a row count. A suite added for the other two is
read changed-only by the same rules. ``dim_source_file``'s rules are a uniqueness of the key that names the
recomputed rows (``source_sha256``) and row-wise ones: its hour reads the hour's files, not every file loaded.

A bad row that an incremental build did not recompute is not read again: it was checked when it was built
(and a rule that failed on it then keeps the suite whole until a full check passes).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import duckdb

from core.bookkeeping import ensure_bookkeeping
from expectations import store
from expectations.model import (
    COLUMN_SET_EXPECTATIONS,
    ROW_WISE_EXPECTATIONS,
    Rule,
    Suite,
    VolumeCheck,
)
from expectations.suites import read_frame
from expectations.suites.building import GM_CODE, between, in_set, matches, not_null, unique_together

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class Recomputed:
    """Which rows of a big fact mart an incremental build recomputed: those whose ``column`` is listed in the
    same column of ``listed_in`` (empty after a full build)."""

    column: str
    listed_in: str


#: The big marts an incremental build recomputes in part (every other mart is rebuilt whole): the facts, and the
#: files' dimension, to which an incremental build adds the files loaded since the previous one.
RECOMPUTED: dict[str, Recomputed] = {
    "marts.fct_questions": Recomputed("question_id", "intermediate.int_increment_questions"),
    "marts.fct_replies": Recomputed("question_id", "intermediate.int_increment_questions"),
    "marts.fct_message_sources": Recomputed("message_id", "intermediate.int_increment_traced_messages"),
    "marts.dim_source_file": Recomputed("source_sha256", "intermediate.int_increment_files"),
}

#: How a rule can be checked after an incremental build (see the module docstring).
Restriction = Literal["changed_rows", "changed_keys", "references", "whole"]

UNIQUE_EXPECTATIONS = frozenset({"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"})


def restriction(rule: Rule) -> Restriction:
    """How ``rule`` can be checked when only the recomputed rows of its mart are read."""
    arguments = rule.arguments
    if arguments is None or "mostly" in arguments:
        return "whole"  # arguments from the rows read, or a share of all rows
    if rule.expectation_type == "expect_column_values_to_be_in_set":
        return "references"
    if rule.expectation_type in UNIQUE_EXPECTATIONS:
        return "changed_keys"
    if rule.expectation_type in ROW_WISE_EXPECTATIONS | COLUMN_SET_EXPECTATIONS:
        return "changed_rows"
    return "whole"


def build_mode(con: duckdb.DuckDBPyConnection) -> str:
    """``incremental`` when the newest row of ``dq.transform_runs`` says so, else ``full`` (also when the table
    does not exist yet or is empty): only an incremental build lets a suite read less than its whole mart."""
    if not _relation_exists(con, "dq", "transform_runs"):
        return "full"
    newest = con.execute("SELECT mode FROM dq.transform_runs ORDER BY started_at DESC LIMIT 1").fetchall()
    return "incremental" if newest == [("incremental",)] else "full"


def _relation_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    """A table or view of that name in the open warehouse."""
    [(found,)] = con.execute(
        """SELECT count(*) FROM information_schema.tables
           WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ?""",
        [schema, name],
    ).fetchall()
    return found > 0


@dataclass(frozen=True)
class MartCheck:
    """One suite with the rows it reads. ``table_rows`` is set when ``frame`` holds only the rows an incremental
    build recomputed (plus the rows its whole-table rules found): how many rows the mart has."""

    suite: Suite
    frame: pd.DataFrame
    table_rows: int | None = None

    @property
    def scope(self) -> str:
        """What was read, for the log: ``changed rows only: N of M`` or ``whole table``."""
        if self.table_rows is None:
            return "whole table"
        return f"changed rows only: {len(self.frame)} of {self.table_rows}"


def mart_checks(con: duckdb.DuckDBPyConnection, mode: str | None = None) -> Iterator[MartCheck]:
    """Each mart suite with the rows it checks, one mart at a time and only the columns its rules read
    (``Suite.columns``): all fourteen of fct_questions took 430 MB in pandas at scale 10, and all marts at once
    2 GB. After an incremental build (``mode``, else :func:`build_mode`) a big fact mart's suite reads only its
    recomputed rows when every rule allows it (module docstring)."""
    mode = mode or build_mode(con)
    for factory, table in MART_SUITES:
        yield mart_check(con, factory(con), table, mode)


def mart_check(con: duckdb.DuckDBPyConnection, suite: Suite, table: str, mode: str) -> MartCheck:
    """The rows ``suite`` reads from ``table``: all of them, or after an incremental build only the recomputed
    ones and those the whole-table rules find (:func:`changed_rows_query`)."""
    checked = suite.columns
    columns = ", ".join(f'"{name}"' for name in checked) if checked else "*"
    why_whole = _why_whole(con, suite, table, mode)
    if why_whole:
        if table in RECOMPUTED and mode == "incremental":
            log.info("%s: whole table read after an incremental build, because %s", suite.name, why_whole)
        return MartCheck(suite, read_frame(con, f"SELECT {columns} FROM {table}"))
    [(table_rows,)] = con.execute(f"SELECT count(*) FROM {table}").fetchall()
    sql, params = changed_rows_query(suite, table, RECOMPUTED[table], columns)
    frame = read_frame(con, sql, params)
    return MartCheck(_scoped(suite, len(frame), table_rows), frame, table_rows)


def changed_rows_query(suite: Suite, table: str, recomputed: Recomputed, columns: str) -> tuple[str, list[object]]:
    """SQL (and its parameters) for the rows a changed-only check reads: the recomputed rows; for a uniqueness
    whose key does not hold the recomputed column, every row sharing a key with one of them; for a reference,
    every row of the whole table whose value is not in the set."""
    changed = f'"{recomputed.column}" IN (SELECT "{recomputed.column}" FROM {recomputed.listed_in})'
    conditions, params = [f"mart.{changed}"], []
    for rule in suite.rules:
        arguments = rule.arguments or {}
        kind = restriction(rule)
        if kind == "changed_keys":
            key = list(arguments.get("column_list") or [arguments["column"]])
            if recomputed.column not in key:  # else the changed rows already are every row of their keys
                same_key = " AND ".join(f'other."{name}" = mart."{name}"' for name in key)
                conditions.append(f"EXISTS (SELECT 1 FROM {table} AS other WHERE other.{changed} AND {same_key})")
        elif kind == "references":
            column, values = f'mart."{arguments["column"]}"', list(arguments["value_set"])
            if values:
                conditions.append(f"({column} IS NOT NULL AND {column} NOT IN (SELECT unnest(?)))")
                params.append(values)
            else:
                conditions.append(f"{column} IS NOT NULL")
    return f"SELECT {columns} FROM {table} AS mart WHERE " + "\n   OR ".join(conditions), params


def _why_whole(con: duckdb.DuckDBPyConnection, suite: Suite, table: str, mode: str) -> str | None:
    """Why ``suite`` must read all of ``table`` (None when its recomputed rows are enough)."""
    if table not in RECOMPUTED:
        return "the mart is rebuilt whole by every build"
    if mode != "incremental":
        return "the last build was a full build"
    schema, name = RECOMPUTED[table].listed_in.split(".")
    if not _relation_exists(con, schema, name):
        return f"{RECOMPUTED[table].listed_in} does not exist"
    whole = [rule.name for rule in suite.rules if restriction(rule) == "whole"]
    if whole:
        return f"rule(s) {', '.join(whole)} cannot be checked on changed rows"
    unproven = _not_passed_before(con, suite)
    if unproven:
        return f"the previous check of {suite.name} did not pass the same rule(s) {', '.join(unproven)}"
    return None


def _not_passed_before(con: duckdb.DuckDBPyConnection, suite: Suite) -> list[str]:
    """Rules whose verdict on the unchanged rows is taken from the previous check of the suite (row-wise rules
    and uniqueness) but which that check did not pass with the same expectation and arguments."""
    ensure_bookkeeping(con)
    previous = con.execute(
        """SELECT rule, expectation_type, expected, success FROM dq.rule_results
           WHERE run_id = (SELECT run_id FROM dq.validation_runs WHERE suite = ?
                           ORDER BY started_at DESC LIMIT 1)""",
        [suite.name],
    ).fetchall()
    passed = {rule: (kind, json.loads(expected or "null")) for rule, kind, expected, success in previous if success}
    return [
        rule.name for rule in suite.rules
        if restriction(rule) in ("changed_rows", "changed_keys")
        and passed.get(rule.name) != (rule.expectation_type, _as_stored(rule.arguments or {}))
    ]


def _as_stored(arguments: Mapping[str, object]) -> object:
    """A rule's arguments as ``dq.rule_results.expected`` keeps them (JSON, without GX's batch id)."""
    return json.loads(store.to_json({name: value for name, value in arguments.items() if name != "batch_id"}))


def _scoped(suite: Suite, rows_read: int, table_rows: int) -> Suite:
    """The suite with what each rule saw in its description (``dq.rule_results`` and the Data Docs notes)."""
    read = f"changed rows only: {rows_read} of {table_rows}"
    notes = {
        "changed_rows": f"{read}; the others passed this rule when they were built",
        "changed_keys": f"{read}; every row sharing a key with a changed row is among them",
        "references": f"{read}; every row of the whole table failing this rule is among them (found in SQL)",
    }
    rules = tuple(replace(rule, description=f"{rule.description} [{notes[restriction(rule)]}]")
                  for rule in suite.rules)
    return replace(suite, rules=rules, description=f"{suite.description} [{read}, after an incremental build]")
