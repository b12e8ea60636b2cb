"""Publish the warehouse for Superset: build a fresh serving file aside, then swap it in atomically.

Only schemas ``marts`` and ``dq`` are published (no raw rows, so no citizen identity reaches the BI side).
The serving file keeps the stem ``warehouse`` because Superset datasets name the DuckDB catalog by it.
Readers that opened the old file keep reading it (the rename does not touch their open inode), so a
publish never blocks or is blocked by Superset, and Superset never sees a half-written file.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from pathlib import Path

import duckdb

from ingestion.settings import Settings

log = logging.getLogger(__name__)

PUBLISHED_SCHEMAS: tuple[str, ...] = ("marts", "dq")


class NothingToRollBack(Exception):
    """There is no previously published warehouse to put back."""


def build_serving_copy(settings: Settings, target: Path) -> dict[str, int]:
    """Copy the published schemas of the build warehouse into a new DuckDB file; returns rows per table."""
    counts: dict[str, int] = {}
    con = duckdb.connect(str(target))
    try:
        con.execute(f"ATTACH '{settings.warehouse_path}' AS build (READ_ONLY)")
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'build' "
            f"AND schema_name IN {PUBLISHED_SCHEMAS} ORDER BY 1, 2"
        ).fetchall()
        for schema, table in tables:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            con.execute(f'CREATE TABLE {schema}."{table}" AS SELECT * FROM build.{schema}."{table}"')
            counts[f"{schema}.{table}"] = con.execute(f'SELECT count(*) FROM {schema}."{table}"').fetchone()[0]
        con.execute("DETACH build")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return counts


def publish(settings: Settings) -> dict[str, int]:
    """Build the serving file aside and swap it in; the file it replaces is kept for ``make rollback``."""
    staging_dir = settings.serving_dir / ".staging" / uuid.uuid4().hex
    staging_dir.mkdir(parents=True)
    fresh = staging_dir / settings.serving_path.name
    try:
        counts = build_serving_copy(settings, fresh)
        current = settings.serving_path
        if current.exists():
            previous = settings.previous_serving_path
            previous.parent.mkdir(parents=True, exist_ok=True)
            kept = previous.with_name(f".{uuid.uuid4().hex}.duckdb")
            os.link(current, kept)  # the live file is never modified in place, so a hard link is a copy
            os.replace(kept, previous)
        os.replace(fresh, current)
    finally:
        shutil.rmtree(staging_dir, ignore_errors=True)
    log.info("published %s: %s", settings.serving_path, ", ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


def rollback(settings: Settings) -> None:
    """Put the previously published warehouse back; the replaced one becomes 'previous' (so it can be redone)."""
    current, previous = settings.serving_path, settings.previous_serving_path
    if not previous.exists():
        raise NothingToRollBack(f"no previous published warehouse at {previous}")
    swap = previous.with_name(f".{uuid.uuid4().hex}.duckdb")
    os.link(current, swap)
    os.replace(previous, current)
    os.replace(swap, previous)
    log.info("rolled back: %s is the previously published warehouse again", current)
