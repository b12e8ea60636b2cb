"""The factsheets task of the transform DAG: after publish, off unless DIALOOG_FACTSHEETS_AFTER_PUBLISH is true,
and no writer (it reads the published copy only)."""

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


def test_factsheets_run_after_publish_only_when_switched_on(transform, monkeypatch: pytest.MonkeyPatch) -> None:
    gate, render = transform.get_task("factsheets_enabled"), transform.get_task("factsheets")
    assert gate.upstream_task_ids == {"publish"} and render.upstream_task_ids == {"factsheets_enabled"}
    assert render.pool != "duckdb_writer" and gate.pool != "duckdb_writer"
    assert "factsheets" in transform.get_task("fail_run_on_failed_task").upstream_task_ids
    monkeypatch.delenv("DIALOOG_FACTSHEETS_AFTER_PUBLISH", raising=False)
    assert gate.python_callable() is False
    for value, on in (("true", True), ("TRUE", True), ("false", False), ("", False), ("no", False)):
        monkeypatch.setenv("DIALOOG_FACTSHEETS_AFTER_PUBLISH", value)
        assert gate.python_callable() is on, value


def test_factsheets_task_renders_the_published_warehouse(transform, tiny_home: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from factsheets import pdf as pdfs

    monkeypatch.setenv("DIALOOG_HOME", str(tiny_home))
    monkeypatch.setattr(pdfs, "CHROMIUM", tiny_home / "no-chromium")  # the HTML is what this test is about
    message = transform.get_task("factsheets").python_callable()
    assert "make debian-packages" in message
    assert (tiny_home / "reports" / "factsheets" / "2014" / "GM0001.html").is_file()
