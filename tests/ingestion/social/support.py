"""Helpers for the social loader tests: land fixtures, read tables."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb

from core.settings import Settings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TEST_KEY = "social-test-key"


def land(settings: Settings, source: str, *names: str, under: str = "", fixtures: str | None = None) -> None:
    """Copy fixture files or folders into ``landing/<source>/<under>/``, as a user would drop them."""
    target = settings.landing / source / under
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        origin = FIXTURES / (fixtures or source) / name
        if origin.is_dir():
            shutil.copytree(origin, target / name)
        else:
            shutil.copyfile(origin, target / name)


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Rows of a query as dicts."""
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def table_snapshot(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[Any, ...]]:
    """Every row of a raw table, in a stable order (to compare before and after a reload)."""
    return con.execute(f"SELECT * FROM raw.{table} ORDER BY ALL").fetchall()
