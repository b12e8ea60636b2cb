"""DAG policy: every DAG file imports cleanly and fast, is documented, tagged, owned, retried, acyclic."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"
DAG_FILES = sorted(DAGS.glob("dialoog_*.py"))
WRITER_POOL = "duckdb_writer"


def _load_dagbag():
    """A DagBag over the project's DAG folder; its import path moved between Airflow 3 releases."""
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # older Airflow 3 releases
        from airflow.models.dagbag import DagBag
    kwargs = {}
    if "include_examples" in inspect.signature(DagBag.__init__).parameters:
        kwargs["include_examples"] = False  # gone in 3.3; example DAGs are off through LOAD_EXAMPLES there
    return DagBag(dag_folder=str(DAGS), **kwargs)


@pytest.fixture(scope="module")
def dagbag():
    sys.path.insert(0, str(DAGS))
    try:
        yield _load_dagbag()
    finally:
        sys.path.remove(str(DAGS))


def test_dag_files_exist() -> None:
    assert {p.stem for p in DAG_FILES} >= {"dialoog_load_cbs", "dialoog_transform"}


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert {d for d in dagbag.dag_ids} == {p.stem for p in DAG_FILES}


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.stem)
def test_parse_time_under_one_second(path: Path) -> None:
    """Each DAG file alone, in a fresh interpreter with Airflow already imported (as the dag processor)."""
    code = (
        "import sys, time, runpy; import airflow.sdk; sys.path.insert(0, sys.argv[2]); "
        "t = time.perf_counter(); runpy.run_path(sys.argv[1]); print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path), str(DAGS)], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(DAGS.parent)})
    seconds = float(out.stdout.strip().splitlines()[-1])
    assert seconds < 1.0, f"{path.name} takes {seconds:.2f} s to parse"


def test_dag_policy(dagbag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.doc_md and len(dag.doc_md.strip()) > 40, f"{dag_id}: no doc_md"
        assert "dialoog" in dag.tags, f"{dag_id}: not tagged dialoog"
        assert dag.catchup is False, f"{dag_id}: catchup must be explicit and off"
        assert type(dag.timetable).__name__ != "NullTimetable", f"{dag_id}: no schedule"
        for task in dag.tasks:
            assert task.owner == "dialoog", f"{dag_id}.{task.task_id}: owner"
            assert task.on_failure_callback, f"{dag_id}.{task.task_id}: no failure callback"
            assert task.execution_timeout, f"{dag_id}.{task.task_id}: may run forever (no execution_timeout)"


#: Tasks that open the build warehouse though their names do not say they write it (a DuckDB file opened by one
#: process for writing cannot be opened by another at all, not even to read).
OPEN_THE_BUILD_WAREHOUSE = {"audit_report"}


def test_every_duckdb_writer_is_in_the_one_slot_pool(dagbag) -> None:
    for dag in dagbag.dags.values():
        for task in dag.tasks:
            if task.task_id.startswith(("load_", "dbt_", "validate_", "publish")) or \
                    task.task_id in OPEN_THE_BUILD_WAREHOUSE:
                assert task.pool == WRITER_POOL, f"{dag.dag_id}.{task.task_id} writes DuckDB outside the pool"


def test_the_loaders_go_before_the_transform_in_the_writer_pool(dagbag) -> None:
    """An hour's loaders start together and the first one's Asset event starts the transform: the pool must give the
    loaders still waiting their turn before the build, or their files wait for a second build."""
    transform = dagbag.dags["dialoog_transform"]
    heaviest = sum(task.priority_weight for task in transform.tasks)  # no task's total weight can be more
    for dag in dagbag.dags.values():
        for task in dag.tasks:
            if task.task_id.startswith("load_"):
                assert task.weight_rule == "absolute" and task.priority_weight > heaviest, task.task_id


def test_loaders_feed_transform(dagbag) -> None:
    """Cycles already fail the DagBag import (test_no_import_errors); here: the hand-over by Assets."""
    transform = dagbag.dags["dialoog_transform"]
    assert "dialoog://raw/cbs" in str(transform.timetable.asset_condition)


def test_no_heavy_imports_at_parse_time() -> None:
    """Parsing every DAG must not import GX, dbt, pandas or the loaders."""
    code = (
        "import sys, runpy, glob; sys.path.insert(0, sys.argv[1]); "
        "[runpy.run_path(p) for p in sorted(glob.glob(sys.argv[1] + '/dialoog_*.py'))]; "
        "print(' '.join(m for m in ('great_expectations', 'dbt', 'pandas', 'duckdb', 'ingestion.framework') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(DAGS)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"heavy modules imported at parse time: {out.stdout.strip()}"


def test_a_failed_build_fails_the_transform_run(dagbag) -> None:
    """The audit report runs after anything (all_done); a leaf that fires on one failed task keeps a failed
    build from ending as a successful run."""
    dag = dagbag.dags["dialoog_transform"]
    [watcher] = [t for t in dag.tasks if t.trigger_rule == "one_failed"]
    assert not watcher.downstream_task_ids
    assert watcher.upstream_task_ids == {t.task_id for t in dag.tasks} - {watcher.task_id}


@pytest.mark.parametrize(("task_id", "variable"), [("release", "DIALOOG_RELEASE_AFTER_PUBLISH"),
                                                   ("factsheets", "DIALOOG_FACTSHEETS_AFTER_PUBLISH")])
def test_optional_tasks_run_after_publish_only_when_switched_on(
    dagbag, task_id: str, variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The release and the fact sheets read the published copy only: after publish, outside the writer pool,
    off unless their variable says so; a failure of theirs still fails the run."""
    transform = dagbag.dags["dialoog_transform"]
    gate, work = transform.get_task(f"{task_id}_enabled"), transform.get_task(task_id)
    assert gate.upstream_task_ids == {"publish"} and work.upstream_task_ids == {gate.task_id}
    assert WRITER_POOL not in (gate.pool, work.pool)
    assert task_id in transform.get_task("fail_run_on_failed_task").upstream_task_ids
    monkeypatch.delenv(variable, raising=False)
    assert gate.python_callable() is False
    for value, on in (("true", True), ("TRUE", True), ("yes", True), ("false", False), ("", False), ("no", False)):
        monkeypatch.setenv(variable, value)
        assert gate.python_callable() is on, value
