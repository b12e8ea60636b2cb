"""Fixtures for the survey load: the shared temporary DIALOOG_HOME and a DuckDB warehouse in it."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from core.settings import Settings
from core.warehouse import connect


@pytest.fixture
def settings(home: Settings) -> Settings:
    """The test's own DIALOOG_HOME (tests/conftest.py monkeypatches the environment)."""
    return home


@pytest.fixture
def con(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """The test's own warehouse file."""
    connection = connect(settings)
    yield connection
    connection.close()
