"""The audit report of one pipeline run: what was loaded, what the checks found, what was quarantined, and
what was published. Markdown under ``$DIALOOG_HOME/reports/audit/`` (one file per run plus ``latest.md``).

A run is everything since the previous report; the facts come from schema ``dq`` of the build warehouse,
so the report says nothing the auditor cannot query again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from core import warehouse
from core.bookkeeping import ensure_bookkeeping
from core.settings import Settings

Rows = list[tuple[Any, ...]]


def _table(header: tuple[str, ...], rows: Rows) -> list[str]:
    if not rows:
        return ["_none_", ""]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def _cell(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")[:160]


def _previous_report(con: duckdb.DuckDBPyConnection) -> datetime | None:
    return con.execute("SELECT max(written_at) FROM dq.audit_reports").fetchone()[0]


def _sections(con: duckdb.DuckDBPyConnection, since: datetime) -> list[str]:
    loads = con.execute(
        "SELECT source, files_loaded, rows_loaded, files_quarantined, rows_quarantined, files_skipped, "
        "coalesce(files_ignored, 0) FROM dq.loads WHERE finished_at > ? ORDER BY started_at", [since]).fetchall()
    runs = con.execute(
        "SELECT suite, load_id, rows_checked, outcome, fatal_failures, error_failures, warning_failures "
        "FROM dq.validation_runs WHERE finished_at > ? ORDER BY started_at", [since]).fetchall()
    failed = con.execute(
        "SELECT r.suite, r.rule, r.severity, r.unexpected_count, r.failing_keys FROM dq.rule_results r "
        "JOIN dq.validation_runs v USING (run_id) WHERE v.finished_at > ? AND NOT r.success "
        "ORDER BY CASE r.severity WHEN 'fatal' THEN 0 WHEN 'error' THEN 1 ELSE 2 END, r.suite, r.rule",
        [since]).fetchall()
    failed = [(s, rule, sev, n, _first_keys(keys)) for s, rule, sev, n, keys in failed]
    files = con.execute(
        "SELECT source, source_file, reason FROM dq.quarantined_files WHERE quarantined_at > ? "
        "ORDER BY quarantined_at", [since]).fetchall()
    rows = con.execute(
        "SELECT source, source_file, count(*), min(position), any_value(reason) FROM dq.quarantined_rows "
        "WHERE quarantined_at > ? GROUP BY ALL ORDER BY 1, 2", [since]).fetchall()
    return [
        "## Loads", "", *_table(("source", "files loaded", "rows", "files quarantined", "rows quarantined",
                                 "already loaded", "ignored (hidden or .reason; see the run log)"), loads),
        "## Checks (Great Expectations)", "",
        *_table(("suite", "load", "rows checked", "outcome", "fatal", "error", "warning"), runs),
        "## Failed rules", "", *_table(("suite", "rule", "severity", "failing rows", "first failing keys"), failed),
        "## Quarantined files", "", *_table(("source", "file", "reason"), files),
        "## Quarantined rows", "", *_table(("source", "file", "rows", "first position", "a reason"), rows),
    ]


def _build_section(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The current build (the newest ``dq.transform_runs`` row): full or incremental, why, and how it ended."""
    run = con.execute("SELECT run_id, mode, new_files, started_at, finished_at, outcome, reason "
                      "FROM dq.transform_runs ORDER BY started_at DESC LIMIT 1").fetchone()
    lines = ["## Build", ""]
    if run is None:
        return [*lines, "No dbt build yet.", ""]
    lines += ["The newest dbt build (`dq.transform_runs`; an incremental build recomputes only what new social "
              "message files touch):", "",
              *_table(("run", "mode", "new files", "started", "finished", "outcome"), [run[:6]])]
    return [*lines, f"Why: {run[6]}", ""]


def _first_keys(keys_json: str | None) -> str:
    keys = json.loads(keys_json or "[]")[:3]
    return "; ".join(", ".join(f"{k}={v}" for k, v in key.items()) for key in keys)


def write_audit_report(settings: Settings) -> Path:
    """Write the report of everything since the previous report, including the publish of this run, if any
    (none when there was no new data, or a check stopped it)."""
    now = datetime.now(UTC)
    con = warehouse.connect(settings)
    try:
        ensure_bookkeeping(con)
        since = _previous_report(con) or datetime(1970, 1, 1, tzinfo=UTC)
        build = con.execute("SELECT tables FROM dq.builds WHERE built_at > ? AND outcome = 'published' "
                            "ORDER BY built_at DESC LIMIT 1", [since]).fetchone()
        published = json.loads(build[0]) if build and build[0] else None
        lines = [f"# Dialoog audit report {now:%Y-%m-%d %H:%M:%S} UTC", "",
                 f"Covers everything since {since:%Y-%m-%d %H:%M:%S} UTC. Data Docs: "
                 f"`{settings.reports / 'data_docs' / 'index.html'}`.", "", *_sections(con, since),
                 *_build_section(con), "## Published", ""]
        if published:
            lines += [f"`{settings.serving_path}` was replaced atomically (the previous copy is kept for "
                      "`make rollback`).", "", *_table(("table", "rows"), sorted(published.items()))]
        else:
            lines += ["Nothing was published in this run: no new data, or a fatal rule stopped the publish; the "
                      "previously published warehouse stays live.", ""]
        folder = settings.reports / "audit"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"audit-{now:%Y%m%dT%H%M%S}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        (folder / "latest.md").write_text("\n".join(lines), encoding="utf-8")
        con.execute("INSERT INTO dq.audit_reports VALUES (?, ?)", [now, str(path)])
    finally:
        con.close()
    return path
