"""Fixtures for the release tests: copies of the published demo warehouse (``published_home`` of
``tests/conftest.py``: the real pipeline at a small scale, with its bad day) that a test may change."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

SERVING = Path("serving") / "warehouse.duckdb"


def copy_home(published: Path, target: Path) -> Path:
    """A new DIALOOG_HOME holding only a copy of ``published``'s published warehouse (nothing else: no run
    summary, no audit report)."""
    (target / SERVING).parent.mkdir(parents=True)
    shutil.copy(published / SERVING, target / SERVING)
    return target


def execute(home: Path, *statements: str) -> None:
    """Change a copied published warehouse (the test's own copy)."""
    con = duckdb.connect(str(home / SERVING))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


@pytest.fixture
def copied_home(published_home: Path, tmp_path: Path) -> Path:  # noqa: F811
    return copy_home(published_home, tmp_path / "home")
