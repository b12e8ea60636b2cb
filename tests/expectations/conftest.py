"""Fixtures for the data-quality tests: a temporary warehouse and fixture tables typed like the raw layer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.conftest import FIXTURES

DQ_FIXTURES = FIXTURES / "expectations"

LINEAGE_TYPES = {
    "source_file": "VARCHAR",
    "source_sha256": "VARCHAR",
    "source_position": "VARCHAR",
    "load_id": "VARCHAR",
    "loaded_at": "TIMESTAMPTZ",
}
GEMEENTEN_TYPES = {
    "jaar": "INTEGER",
    "gm_code": "VARCHAR",
    "gemeentenaam": "VARCHAR",
    "pv_code": "VARCHAR",
    "provincienaam": "VARCHAR",
    **LINEAGE_TYPES,
}
HERINDELINGEN_TYPES = {
    "datum_ingang": "DATE",
    "oude_gm_code": "VARCHAR",
    "nieuwe_gm_code": "VARCHAR",
    **LINEAGE_TYPES,
}
DIM_MUNICIPALITY_TYPES = {
    "gm_code": "VARCHAR",
    "name": "VARCHAR",
    "province_code": "VARCHAR",
    "province_name": "VARCHAR",
    "valid_from": "DATE",
    "valid_to": "DATE",
    "successor_gm_code": "VARCHAR",
    "is_current": "BOOLEAN",
}


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh warehouse file for one test."""
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def read_fixture(con: duckdb.DuckDBPyConnection, name: str, types: dict[str, str]) -> pd.DataFrame:
    """A fixture CSV as the DataFrame DuckDB gives for a table of those types (quoted "" stays empty)."""
    return con.execute(
        "select * from read_csv(?, header = true, columns = ?, allow_quoted_nulls = false)",
        [str(DQ_FIXTURES / name), types],
    ).df()
