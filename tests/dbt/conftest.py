"""What the dbt tests share: loading a landed scenario with the real loaders, and reading a warehouse's rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from core import warehouse
from core.settings import Settings
from ingestion.framework import load_source
from steps.load import FAMILIES

#: The source families in the order the loader DAGs run them.
LOAD_ORDER: tuple[str, ...] = ("cbs", "channels", "social", "survey")


def load_clean(settings: Settings, families: tuple[str, ...] = LOAD_ORDER) -> None:
    """Load every landed file of these families; a scenario whose file or row is quarantined fails the test."""
    con = warehouse.connect(settings)
    try:
        for family in families:
            for source in FAMILIES[family](con):
                report = load_source(con, source, settings)
                assert not report.files_quarantined and not report.rows_quarantined, report.summary()
    finally:
        con.close()


def query_rows(database: Path, sql: str) -> list[dict[str, Any]]:
    """The rows of a query on a DuckDB file (the build warehouse or the published one), read-only, as dicts."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        relation = con.sql(sql)
        return [dict(zip(relation.columns, values, strict=True)) for values in relation.fetchall()]
    finally:
        con.close()
