"""The release task of the transform DAG: after publish, off unless DIALOOG_RELEASE_AFTER_PUBLISH is true, and
no writer (it reads the published copy only)."""

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


def test_release_runs_after_publish_only_when_switched_on(transform, monkeypatch: pytest.MonkeyPatch) -> None:
    gate, release = transform.get_task("release_enabled"), transform.get_task("release")
    assert gate.upstream_task_ids == {"publish"} and release.upstream_task_ids == {"release_enabled"}
    assert release.pool != "duckdb_writer" and gate.pool != "duckdb_writer"
    assert "release" in transform.get_task("fail_run_on_failed_task").upstream_task_ids
    monkeypatch.delenv("DIALOOG_RELEASE_AFTER_PUBLISH", raising=False)
    assert gate.python_callable() is False
    for value, on in (("true", True), ("TRUE", True), ("false", False), ("", False), ("no", False)):
        monkeypatch.setenv("DIALOOG_RELEASE_AFTER_PUBLISH", value)
        assert gate.python_callable() is on, value
