"""Publish the warehouse for Superset: build a fresh serving file aside, record it, then swap it in atomically.

Only schemas ``marts`` and ``dq`` are published (no raw rows, and quarantined rows without their content, so no
citizen identity or message text reaches the BI side; the build warehouse keeps the content for the data
engineer). The serving file keeps the stem ``warehouse`` because Superset datasets name the DuckDB catalog by it.
Readers that opened the old file keep reading it (the rename does not touch their open inode), so a publish
never blocks or is blocked by Superset, and Superset never sees a half-written file.

Order, so that a failure at any step leaves something valid to roll back to:

1. the serving copy is built aside (nothing served changes): from scratch, or after an incremental build from a
   copy of the served file with the touched rows of the incremental marts copied again (:func:`serving_increments`);
2. the build is recorded in the build warehouse (``dq.builds``, outcome ``publishing``), and the copy records
   itself (its own ``dq.builds`` row, outcome ``published``), so a served file knows which build it is;
3. the served file is swapped: the file it replaces becomes ``previous/`` (for ``make rollback``) unless it is
   already this build (a retry after a swap whose confirmation failed), so a retry never overwrites the last good
   copy with a copy of the same build;
4. the record is confirmed (outcome ``published``), which is what tells later runs that nothing needs a rebuild.

The build's transform run (``dq.transform_runs``, the newest when it is ``built``) follows the same order: the
copy says ``published`` as it is made (a served file is published by definition), the build warehouse only at
the confirmation. Until then it stays ``built``, so a publish that failed half-way makes the next build a full one
(an incremental build needs a published one under it).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core import warehouse
from core.bookkeeping import loaded_until
from core.settings import Settings, get_settings
from steps.build import code_version

log = logging.getLogger(__name__)

PUBLISHED_SCHEMAS: tuple[str, ...] = ("marts", "dq")
#: Columns of the build warehouse that are never published (schema.table → columns): a quarantined row's content
#: can hold a citizen's handle or message text.
UNPUBLISHED_COLUMNS: dict[str, tuple[str, ...]] = {"dq.quarantined_rows": ("content",)}
#: The published file is read by Superset, in Compose under another user than the pipeline's: readable by all,
#: which is safe because it holds no citizen identity. The build warehouse is the owner's only (warehouse.py).
SERVING_MODE = 0o644


class NothingToRollBack(Exception):
    """There is no valid previously published warehouse to put back."""


@dataclass(frozen=True)
class ReplacedKeys:
    """How an incremental mart's rows are brought up to date in a serving copy: the rows whose key (``keys``, the
    mart's columns) is in the build's set of touched keys (``touched``: ``schema.table`` of the build warehouse,
    its columns ``touched_keys``) are deleted and copied again from the build."""

    keys: tuple[str, ...]
    touched: str
    touched_keys: tuple[str, ...]

    def condition(self) -> str:
        keys = ", ".join(f'"{key}"' for key in self.keys)
        touched_keys = ", ".join(f'"{key}"' for key in self.touched_keys)
        schema, table = self.touched.split(".")
        return f'({keys}) IN (SELECT {touched_keys} FROM build."{schema}"."{table}")'


def build_serving_copy(settings: Settings, target: Path,
                       increments: dict[str, ReplacedKeys] | None = None) -> dict[str, int]:
    """Copy the published schemas of the build warehouse into a new DuckDB file; returns rows per table.

    With ``increments`` (:func:`serving_increments`: the build is incremental and the served file is the build
    before it), ``target`` starts as a copy of the served file, and of each incremental mart only the rows of the
    touched keys are copied again; every other table is copied whole. The result has the rows a copy from
    scratch has (tests/dbt/test_incremental.py compares them after every increment), without copying every
    question of every year each hour."""
    counts: dict[str, int] = {}
    if increments is not None:
        shutil.copyfile(settings.serving_path, target)  # the served file is never modified in place
    con = duckdb.connect(str(target))
    try:
        con.execute("ATTACH ? AS build (READ_ONLY)", [str(settings.warehouse_path)])
        columns: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in con.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE database_name = 'build' "
            "AND schema_name IN (SELECT unnest(?::VARCHAR[])) ORDER BY schema_name, table_name, column_index",
            [list(PUBLISHED_SCHEMAS)],
        ).fetchall():
            if column not in UNPUBLISHED_COLUMNS.get(f"{schema}.{table}", ()):
                columns.setdefault((schema, table), []).append(column)
        served = {(schema, table) for schema, table in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()}
        for schema, table in served - set(columns):  # a table the build no longer has (after a code change)
            con.execute(f'DROP TABLE "{schema}"."{table}"')
        for (schema, table), names in columns.items():
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            selected = ", ".join(f'"{name}"' for name in names)
            replaced = (increments or {}).get(f"{schema}.{table}") if (schema, table) in served else None
            if replaced is None:
                con.execute(f'CREATE OR REPLACE TABLE "{schema}"."{table}" AS '
                            f'SELECT {selected} FROM build."{schema}"."{table}"')
            else:
                condition = replaced.condition()
                con.execute(f'DELETE FROM "{schema}"."{table}" WHERE {condition}')
                con.execute(f'INSERT INTO "{schema}"."{table}" ({selected}) '
                            f'SELECT {selected} FROM build."{schema}"."{table}" WHERE {condition}')
            counts[f"{schema}.{table}"] = con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
        con.execute("DETACH build")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return counts


def serving_increments(settings: Settings) -> dict[str, ReplacedKeys] | None:
    """The incremental marts of the build being published and their touched keys, when the serving copy can be
    made from the served file: the build is incremental, the served file is the build it continued (its newest
    published transform run is the build warehouse's last published one), and dbt's manifest of this build names
    each incremental mart's set of touched keys in the build warehouse. None otherwise (a copy from scratch)."""
    manifest_path = settings.home / "dbt" / "target" / "manifest.json"
    if not settings.serving_path.is_file() or not manifest_path.is_file():
        return None
    con = warehouse.connect(settings)
    try:
        runs = con.execute("SELECT run_id, mode, outcome FROM dq.transform_runs ORDER BY started_at DESC "
                           "LIMIT 2").fetchall()
    except duckdb.Error:
        return None
    finally:
        con.close()
    if len(runs) < 2 or runs[0][1:] != ("incremental", "built") or runs[1][2] != "published":
        return None
    try:
        served = duckdb.connect(str(settings.serving_path), read_only=True)
        try:
            [served_run] = served.execute("SELECT run_id FROM dq.transform_runs WHERE outcome = 'published' "
                                          "ORDER BY started_at DESC LIMIT 1").fetchall() or [(None,)]
        finally:
            served.close()
    except duckdb.Error:
        return None
    if served_run[0] != runs[1][0]:
        return None
    nodes = json.loads(manifest_path.read_text(encoding="utf-8"))["nodes"]
    increments: dict[str, ReplacedKeys] = {}
    for node in nodes.values():
        config = node.get("config", {})
        if (node.get("resource_type") != "model" or node.get("schema") != "marts"
                or config.get("incremental_strategy") != "replace_touched"):
            continue
        touched = nodes.get(f"model.{node['package_name']}.{config['touched_model']}")
        if touched is None or touched.get("database") != node.get("database"):
            return None  # the touched keys are not in the build warehouse: copy from scratch
        keys = config["touched_key"]
        keys = (keys,) if isinstance(keys, str) else tuple(keys)
        touched_keys = config.get("touched_model_key") or keys
        touched_keys = (touched_keys,) if isinstance(touched_keys, str) else tuple(touched_keys)
        increments[f"marts.{node['alias']}"] = ReplacedKeys(keys, f"{touched['schema']}.{touched['alias']}",
                                                             touched_keys)
    return increments


def served_build(path: Path) -> tuple[datetime | None, str | None] | None:
    """Which build a published file is (its newest ``published`` record: loaded until, code version); None when
    the file is missing or not a readable published warehouse."""
    if not path.is_file():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts'").fetchone()[0]:
            return None
        row = con.execute("SELECT loaded_until, code_version FROM dq.builds WHERE outcome = 'published' "
                          "ORDER BY built_at DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (None, None)
    except duckdb.Error:
        return None
    finally:
        con.close()


def publish_warehouse(settings: Settings | None = None) -> dict[str, int]:
    """Record and swap in a fresh serving copy, remembering up to which load and with which code it is built."""
    settings = settings or get_settings()
    con = warehouse.connect(settings)
    try:
        until = loaded_until(con)
    finally:
        con.close()
    return publish(settings, until, code_version())  # nothing loads meanwhile: this task holds the writer slot


def publish(settings: Settings, loaded_until: datetime | None, code_version: str) -> dict[str, int]:
    """Build the serving file aside, record it, swap it in, confirm the record (see the module's docstring).

    The caller holds the one writer slot, so nothing loads meanwhile."""
    staging_dir = settings.serving_dir / ".staging" / uuid.uuid4().hex
    staging_dir.mkdir(parents=True)
    fresh = staging_dir / settings.serving_path.name
    built_at = datetime.now(UTC)
    increments = serving_increments(settings)
    try:
        counts = build_serving_copy(settings, fresh, increments)
        tables = json.dumps(counts, sort_keys=True)
        con = warehouse.connect(settings)
        try:
            transform_run = _built_transform_run(con)
        except duckdb.Error:
            con.close()
            raise
        _record(con, built_at, loaded_until, tables, code_version, "publishing")
        _record(duckdb.connect(str(fresh)), built_at, loaded_until, tables, code_version, "published",
                published_run=transform_run)
        os.chmod(fresh, SERVING_MODE)
        current = settings.serving_path
        if served_build(current) not in (None, (loaded_until, code_version)):
            previous = settings.previous_serving_path
            previous.parent.mkdir(parents=True, exist_ok=True)
            kept = previous.with_name(f".{uuid.uuid4().hex}.duckdb")
            os.link(current, kept)  # the live file is never modified in place, so a hard link is a copy
            os.replace(kept, previous)
        os.replace(fresh, current)
    finally:
        shutil.rmtree(staging_dir, ignore_errors=True)
    con = warehouse.connect(settings)
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute("UPDATE dq.builds SET outcome = 'published' WHERE built_at = ? AND outcome = 'publishing'",
                    [built_at])
        _mark_published(con, transform_run)
        con.execute("COMMIT")
    finally:
        con.close()
    made = ("from the served file, the touched rows of " + ", ".join(sorted(increments)) + " copied again"
            if increments is not None else "from scratch")
    log.info("published %s (copy made %s): %s", settings.serving_path, made,
             ", ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


def _record(con: duckdb.DuckDBPyConnection, built_at: datetime, loaded_until: datetime | None, tables: str,
            code_version: str, outcome: str, published_run: str | None = None) -> None:
    """Add one ``dq.builds`` row through ``con`` (and mark ``published_run`` published), then close it."""
    try:
        _mark_published(con, published_run)
        con.execute("INSERT INTO dq.builds (built_at, loaded_until, outcome, tables, code_version) "
                    "VALUES (?, ?, ?, ?, ?)", [built_at, loaded_until, outcome, tables, code_version])
    finally:
        con.close()


def _built_transform_run(con: duckdb.DuckDBPyConnection) -> str | None:
    """The run id of the build being published: the newest transform run, when it is ``built`` (None in a
    warehouse built before transform runs were booked)."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                       "AND schema_name = 'dq' AND table_name = 'transform_runs'").fetchone()[0]:
        return None
    row = con.execute("SELECT run_id, outcome FROM dq.transform_runs ORDER BY started_at DESC LIMIT 1").fetchone()
    return row[0] if row and row[1] == "built" else None


def _mark_published(con: duckdb.DuckDBPyConnection, run_id: str | None) -> None:
    """Mark the published build's transform run ``published`` through ``con``."""
    if run_id is not None:
        con.execute("UPDATE dq.transform_runs SET outcome = 'published' WHERE run_id = ?", [run_id])


def rollback(settings: Settings) -> None:
    """Put the previously published warehouse back; the replaced one becomes 'previous' (so it can be redone).
    Refuses, changing nothing, when there is no valid previous copy."""
    current, previous = settings.serving_path, settings.previous_serving_path
    if served_build(previous) is None:
        raise NothingToRollBack(f"no valid previously published warehouse at {previous}")
    swap = previous.with_name(f".{uuid.uuid4().hex}.duckdb")
    if current.exists():
        os.link(current, swap)
    os.replace(previous, current)
    if swap.exists():
        os.replace(swap, previous)
    log.info("rolled back: %s is the previously published warehouse again", current)
