"""Connections to the build warehouse; every writer goes through here (and through one Airflow pool)."""

from __future__ import annotations

import os
import stat

import duckdb

from core.settings import Settings

#: DuckDB's own memory ceiling (its buffer cache, joins, sorts; it spills to disk beyond it). Without one it
#: takes up to 80 % of RAM and keeps the pages of every table it wrote, so a load's peak would grow with
#: the warehouse. ``DIALOOG_DUCKDB_MEMORY`` overrides it.
DEFAULT_MEMORY_LIMIT = "1GB"


def config() -> dict[str, str]:
    """The DuckDB settings of every warehouse connection (and of the benchmark's loads, which mimic them)."""
    return {"memory_limit": os.environ.get("DIALOOG_DUCKDB_MEMORY") or DEFAULT_MEMORY_LIMIT}


def connect(settings: Settings, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the build warehouse, creating its folder on first use. Only one writer may hold it at a time.

    The build warehouse holds citizens' handles and messages: its folder and file are its owner's only."""
    folder = settings.warehouse_path.parent
    folder.mkdir(parents=True, exist_ok=True)
    if stat.S_IMODE(folder.stat().st_mode) & 0o077:
        folder.chmod(0o700)
    con = duckdb.connect(str(settings.warehouse_path), read_only=read_only, config=config())
    if not read_only and stat.S_IMODE(settings.warehouse_path.stat().st_mode) & 0o077:
        settings.warehouse_path.chmod(0o600)
    return con

