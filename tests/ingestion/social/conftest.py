"""Fixtures for the social loaders: a temporary DIALOOG_HOME with a DuckDB warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from core.settings import Settings, get_settings
from core.warehouse import connect
from tests.ingestion.social.support import TEST_KEY


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings of a fresh DIALOOG_HOME with a fixed citizen key."""
    monkeypatch.setenv("DIALOOG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DIALOOG_CITIZEN_KEY", TEST_KEY)
    return get_settings()


@pytest.fixture
def con(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """The test's own warehouse file."""
    connection = connect(settings)
    yield connection
    connection.close()

