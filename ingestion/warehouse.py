"""Connections to the build warehouse; every writer goes through here (and through one Airflow pool)."""

from __future__ import annotations

import duckdb

from ingestion.settings import Settings


def connect(settings: Settings, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the build warehouse, creating its folder on first use. Only one writer may hold it at a time."""
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(settings.warehouse_path), read_only=read_only)
