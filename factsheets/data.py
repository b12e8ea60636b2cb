"""What a fact sheet shows, read from the published warehouse only (read-only), in a few queries for all sheets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from factsheets.words import Thresholds


class FactsheetError(Exception):
    """No fact sheets can be made; nothing was written."""


#: The key figures: (key, label, how to show it). The municipality's value is the rpt_municipality_year column of
#: the key (``pct_answered_within_working_day`` is computed from ``answered_within_working_day``); the size class's
#: is the median over that year's municipalities of the class, the nation's is rpt_national_year's.
FIGURES = (
    ("questions", "Vragen van inwoners", "count"),
    ("answered", "Beantwoord", "count"),
    ("answer_rate", "Deel beantwoord", "percent"),
    ("avg_response_hours", "Gemiddelde reactietijd", "hours"),
    ("median_response_hours", "Mediane reactietijd", "hours"),
    ("pct_answered_within_24h", "Binnen 24 uur beantwoord", "percent"),
    ("pct_answered_within_working_day", "Binnen één werkdag beantwoord", "percent"),
    ("median_business_response_hours", "Mediane reactietijd in kantooruren", "hours"),
    ("questions_per_10k", "Vragen per 10.000 inwoners", "decimal"),
)

_MUNICIPALITY_SQL = """
SELECT r.*, r.answered_within_working_day / nullif(r.questions, 0) AS pct_answered_within_working_day,
       m.name, m.province_code, m.province_name
FROM marts.rpt_municipality_year AS r LEFT JOIN marts.dim_municipality AS m USING (gm_code)
WHERE r.year IN (SELECT unnest(?::INTEGER[]))
ORDER BY r.year, m.province_name, m.name, r.gm_code"""

_SIZE_CLASS_SQL = "SELECT year, size_class, count(*) AS municipalities, " + ", ".join(
    f"quantile_cont({key}, 0.5) AS {key}" for key, _, _ in FIGURES) + """
FROM (SELECT *, answered_within_working_day / nullif(questions, 0) AS pct_answered_within_working_day
      FROM marts.rpt_municipality_year WHERE size_class IS NOT NULL)
GROUP BY year, size_class"""

# questions per 10,000 inhabitants is no column of rpt_national_year: all questions of the municipalities whose
# population is known, per 10,000 of their inhabitants.
_NATIONAL_SQL = """
SELECT n.*, p.questions_per_10k
FROM marts.rpt_national_year AS n
LEFT JOIN (SELECT year, sum(questions) * 10000 / nullif(sum(inhabitants), 0) AS questions_per_10k
           FROM marts.rpt_municipality_year WHERE inhabitants IS NOT NULL GROUP BY year) AS p USING (year)"""

_CHANNELS_SQL = """
SELECT c.gm_code, c.channel_id, c.platform, coalesce(p.display_name, c.platform) AS platform_name, c.handle,
       c.theme, c.active_from, c.active_to,
       a.year, coalesce(a.posts, 0) AS posts, coalesce(a.replies, 0) AS replies,
       coalesce(a.questions, 0) AS questions
FROM marts.dim_channel AS c
LEFT JOIN marts.dim_platform AS p USING (platform)
LEFT JOIN (SELECT channel_id, year(activity_date)::INTEGER AS year, sum(posts) AS posts, sum(replies) AS replies,
                  sum(questions) AS questions
           FROM marts.fct_channel_activity GROUP BY ALL) AS a USING (channel_id)
ORDER BY c.gm_code, c.platform, c.handle, c.channel_id"""

_SURVEY_SQL = """
SELECT gm_code, survey_year, responsible_department, self_rating, uses_structurally, kcc_involved,
       management_support
FROM marts.fct_survey_responses"""


@dataclass
class Published:
    """Everything the sheets of some years show."""

    path: Path
    built_at: datetime
    loaded_until: datetime | None
    code_version: str | None
    years: list[int]
    municipalities: list[dict[str, Any]]
    size_classes: dict[tuple[int, str], dict[str, Any]]
    national: dict[int, dict[str, Any]]
    channels: dict[str, list[dict[str, Any]]]
    activity: dict[tuple[str, int], dict[str, int]]
    surveys: dict[tuple[str, int], dict[str, Any]]
    files: dict[tuple[str, int], int]
    quality: dict[str, int | None] = field(default_factory=dict)
    limits: Thresholds = field(default_factory=Thresholds)


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()}


def _quality(con: duckdb.DuckDBPyConnection, tables: set[str]) -> dict[str, int | None]:
    """Totals of the data behind the published build (not per municipality): dq of the published file."""
    def one(table: str, sql: str) -> tuple:
        return con.execute(sql).fetchone() if table in tables else (None,) * sql.count(" AS ")

    loads = one("dq.loads", "SELECT count(*) AS n, sum(files_loaded) AS f, sum(rows_loaded) AS r, "
                            "sum(files_quarantined) AS q FROM dq.loads")
    runs = one("dq.validation_runs", "SELECT count(*) AS n, sum(rules_checked) AS r, "
                                     "count(*) FILTER (outcome = 'failed') AS f FROM dq.validation_runs")
    rows = one("dq.quarantined_rows", "SELECT count(*) AS n FROM dq.quarantined_rows")
    files = one("marts.dim_source_file", "SELECT count(*) AS n FROM marts.dim_source_file")
    return {"loads": loads[0], "files_loaded": loads[1], "rows_loaded": loads[2], "files_quarantined": loads[3],
            "validation_runs": runs[0], "rules_checked": runs[1], "validation_runs_failed": runs[2],
            "quarantined_rows": rows[0], "source_files": files[0]}


def read_published(path: Path, years: list[int] | None = None, limits: Thresholds | None = None) -> Published:
    """Read the published warehouse at ``path`` (read-only); all report years when ``years`` is None."""
    if not path.is_file():
        raise FactsheetError(f"no published warehouse at {path}: run `make pipeline` (or `make demo`) first")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        raise FactsheetError(f"{path} is not a readable DuckDB file: {error}") from error
    try:
        tables = _tables(con)
        needed = {"marts.rpt_municipality_year", "marts.rpt_national_year", "marts.dim_municipality",
                  "marts.dim_channel", "marts.dim_platform", "marts.fct_channel_activity", "marts.fct_survey_responses",
                  "dq.builds"}
        if needed - tables:
            raise FactsheetError(f"{path} is not a published warehouse: missing {', '.join(sorted(needed - tables))}")
        build = con.execute("SELECT built_at, loaded_until, code_version FROM dq.builds WHERE outcome = 'published' "
                            "ORDER BY built_at DESC LIMIT 1").fetchone()
        if build is None:
            raise FactsheetError(f"{path} holds no completed publish (no dq.builds record 'published')")
        present = [y for (y,) in con.execute(
            "SELECT DISTINCT year FROM marts.rpt_municipality_year ORDER BY year").fetchall()]
        if years is None:
            years = present
        elif missing := sorted(set(years) - set(present)):
            raise FactsheetError(f"no report year {', '.join(map(str, missing))} in {path} "
                                 f"(report years: {', '.join(map(str, present)) or 'none'})")
        municipalities = _dicts(con, _MUNICIPALITY_SQL, [years])
        size_classes = {(r["year"], r["size_class"]): r for r in _dicts(con, _SIZE_CLASS_SQL)}
        national = {r["year"]: r for r in _dicts(con, _NATIONAL_SQL)}
        channels: dict[str, list[dict[str, Any]]] = {}
        activity: dict[tuple[str, int], dict[str, int]] = {}
        for r in _dicts(con, _CHANNELS_SQL):
            listed = channels.setdefault(r["gm_code"], [])
            if not listed or listed[-1]["channel_id"] != r["channel_id"]:
                listed.append({k: r[k] for k in ("channel_id", "platform", "platform_name", "handle", "theme",
                                                 "active_from", "active_to")})
            if r["year"] is not None:
                activity[(r["channel_id"], r["year"])] = {k: int(r[k]) for k in ("posts", "replies", "questions")}
        surveys = {(r["gm_code"], r["survey_year"]): r for r in _dicts(con, _SURVEY_SQL)}
        files: dict[tuple[str, int], int] = {}
        if "marts.fct_message_sources" in tables:
            files = {(g, y): n for g, y, n in con.execute(
                "SELECT gm_code, year, count(DISTINCT source_sha256) FROM marts.fct_message_sources "
                "GROUP BY ALL").fetchall()}
        quality = _quality(con, tables)
    except duckdb.Error as error:
        raise FactsheetError(f"{path} is not a published warehouse: {error}") from error
    finally:
        con.close()
    return Published(path, build[0], build[1], build[2], years, municipalities, size_classes, national, channels,
                     activity, surveys, files, quality, limits or Thresholds())


def channel_state(channel: dict[str, Any], year: int) -> str:
    """The channel's state in the year (no mart has present/parked/left: active in the registry or not)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    if channel["active_from"] is not None and channel["active_from"] > end:
        return "nog niet gestart"
    if channel["active_to"] is not None and channel["active_to"] < start:
        return "gestopt"
    return "actief"
