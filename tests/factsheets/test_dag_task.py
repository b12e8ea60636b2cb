"""The factsheets task of the transform DAG renders the published warehouse (where it sits in the DAG and its
switch: tests/dags/test_dag_integrity.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def transform():
    sys.path.insert(0, str(DAGS))
    try:
        from tests.dags.test_dag_integrity import _load_dagbag

        bag = _load_dagbag()
        assert not bag.import_errors
        yield bag.dags["dialoog_transform"]
    finally:
        sys.path.remove(str(DAGS))


def test_factsheets_task_renders_the_published_warehouse(transform, tiny_home: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from factsheets import pdf as pdfs

    monkeypatch.setenv("DIALOOG_HOME", str(tiny_home))
    monkeypatch.setattr(pdfs, "CHROMIUM", tiny_home / "no-chromium")  # the HTML is what this test is about
    message = transform.get_task("factsheets").python_callable()
    assert "make debian-packages" in message
    assert (tiny_home / "reports" / "factsheets" / "2014" / "GM0001.html").is_file()
