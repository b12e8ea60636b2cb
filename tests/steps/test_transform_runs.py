"""The books of a build: ``dq.transform_runs`` says 'running' while dbt runs (written before it starts), 'built' or
'failed' when it ends, 'published' once published (in the served copy too); dbt is asked for the planned build;
the audit report shows the current build. dbt itself is replaced by a stand-in that records what it was asked
and what the books said meanwhile (the real dbt runs in test_build_killed.py)."""

from __future__ import annotations

import runpy
from datetime import datetime
from typing import Any

import duckdb
import pytest
from airflow.sdk.exceptions import AirflowSkipException

from core import warehouse
from core.bookkeeping import ensure_bookkeeping
from core.settings import PROJECT_ROOT, Settings
from steps import build
from steps.audit import write_audit_report
from steps.build import build_warehouse
from steps.plan import ASKED_REASON, SOCIAL_MESSAGE_SOURCES, scratch_path
from steps.publish import publish_warehouse


def _transform_runs(path: Any) -> list[dict[str, Any]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        relation = con.sql("SELECT * FROM dq.transform_runs ORDER BY started_at")
        return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
    finally:
        con.close()


class StandInDbt:
    """Records each dbt call with the transform runs as dbt would find them, and makes a one-row mart (and the
    scratch file dbt's profile attaches), or fails when told to."""

    def __init__(self, home: Settings) -> None:
        self.home = home
        self.calls: list[tuple[tuple[str, ...], list[dict[str, Any]], dict[str, str]]] = []
        self.fail = False

    def __call__(self, *args: str, settings: Settings | None = None, environment: dict[str, str] | None = None
                 ) -> None:
        self.calls.append((args, _transform_runs(self.home.warehouse_path), dict(environment or {})))
        if self.fail:
            raise RuntimeError("dbt build failed (exit 1); see the dbt lines above")
        con = warehouse.connect(self.home)
        try:
            con.execute("CREATE SCHEMA IF NOT EXISTS marts")
            con.execute("CREATE OR REPLACE TABLE marts.rpt_national_year AS SELECT 2014 AS year")
        finally:
            con.close()
        scratch_path(self.home).touch()


@pytest.fixture
def dbt(home: Settings, monkeypatch: pytest.MonkeyPatch) -> StandInDbt:
    monkeypatch.delenv("DIALOOG_FULL_REFRESH", raising=False)
    stand_in = StandInDbt(home)
    monkeypatch.setattr(build, "run_dbt", stand_in)
    return stand_in


def _land_file(home: Settings, source: str, name: str) -> None:
    """A file of ``source`` loaded now, as far as the books go."""
    con = warehouse.connect(home)
    try:
        ensure_bookkeeping(con)
        con.execute("INSERT INTO raw._files VALUES (?, ?, ?, 'load', now(), 1, 0)", [name, source, name])
    finally:
        con.close()


def test_a_build_is_booked_running_then_built_then_published(home: Settings, dbt: StandInDbt) -> None:
    plan = build_warehouse(home)
    [(arguments, during, _)] = dbt.calls
    assert arguments == ("build", "--full-refresh") and plan.reason == "full: no build yet"
    [running] = during  # what the books said while dbt ran: committed before it started
    assert running["outcome"] == "running" and running["finished_at"] is None
    assert (running["mode"], running["reason"], running["new_files"]) == ("full", "full: no build yet", 0)
    assert running["code_version"] == build.code_version()

    [built] = _transform_runs(home.warehouse_path)
    assert built["run_id"] == running["run_id"] and built["outcome"] == "built"
    assert built["finished_at"] >= built["started_at"]

    publish_warehouse(home)
    [published] = _transform_runs(home.warehouse_path)
    assert published["outcome"] == "published"
    [served] = _transform_runs(home.serving_path)  # the served copy says which build it is, and that it is published
    assert (served["run_id"], served["outcome"]) == (built["run_id"], "published")


def test_after_a_publish_the_next_build_takes_in_new_social_files(home: Settings, dbt: StandInDbt) -> None:
    _land_file(home, "x_api", "page-1.json")
    build_warehouse(home)
    publish_warehouse(home)
    first = _transform_runs(home.warehouse_path)[0]
    _land_file(home, "x_api", "page-2.json")
    _land_file(home, "webcare_csv", "export.csv")
    plan = build_warehouse(home)
    assert plan.mode == "incremental" and plan.new_files == {"x_api": 1, "webcare_csv": 1}
    arguments, _, environment = dbt.calls[-1]
    # no var (it would make dbt parse everything again); of the social staging models only those of the new files
    assert arguments == ("build", "--select", "stg_webcare_csv__messages+", "stg_x_api__messages+",
                         "path:models/staging/lineage+", *build.LEFT_OUT,
                         # one singular test checks their rules (tests/assert_increment_column_rules.sql)
                         "--exclude", "test_name:not_null", "test_name:unique", "test_name:accepted_values")
    increment_after = datetime.fromisoformat(environment["DIALOOG_INCREMENT_AFTER"])
    assert increment_after == first["loaded_until"] and increment_after.utcoffset().total_seconds() == 0
    second = _transform_runs(home.warehouse_path)[1]
    assert (second["mode"], second["new_files"], second["outcome"]) == ("incremental", 2, "built")
    assert second["increment_after"] == first["loaded_until"]


def test_every_social_source_has_the_staging_model_an_incremental_build_selects() -> None:
    """The selection names a source's staging model by convention; a source without that model would make dbt
    select nothing for it (and warn only), so its copies would go unbuilt and untested."""
    models = PROJECT_ROOT / "dbt_project" / "models" / "staging" / "social"
    for source in SOCIAL_MESSAGE_SOURCES:
        assert (models / f"{build.social_staging_model(source)}.sql").is_file(), source
    # a build without new social files (only the files' list changed) still selects every social staging model
    assert build.incremental_selection({})[:len(build.INCREMENTAL_SELECTION)] == build.INCREMENTAL_SELECTION
    assert build.incremental_selection({"bluesky": 2})[:3] == ("--select", "stg_bluesky__messages+",
                                                                "path:models/staging/lineage+")


def test_a_failed_dbt_build_is_booked_failed_and_raised(home: Settings, dbt: StandInDbt) -> None:
    dbt.fail = True
    with pytest.raises(RuntimeError, match="dbt build failed"):
        build_warehouse(home)
    [failed] = _transform_runs(home.warehouse_path)
    assert failed["outcome"] == "failed" and failed["finished_at"] is not None
    dbt.fail = False
    plan = build_warehouse(home)
    assert plan.mode == "full" and f"run {failed['run_id']}" in plan.reason and "(it is failed)" in plan.reason


def test_a_full_refresh_from_the_environment(home: Settings, dbt: StandInDbt, monkeypatch: pytest.MonkeyPatch) -> None:
    _land_file(home, "x_api", "page-1.json")
    build_warehouse(home)
    publish_warehouse(home)
    assert build_warehouse(home, full_refresh=False).mode == "incremental"  # nothing new: an empty increment
    publish_warehouse(home)
    monkeypatch.setenv("DIALOOG_FULL_REFRESH", "1")
    plan = build_warehouse(home)
    assert plan.reason == ASKED_REASON
    assert dbt.calls[-1][0] == ("build", "--full-refresh")


def test_the_audit_report_shows_the_current_build(home: Settings, dbt: StandInDbt) -> None:
    _land_file(home, "channels", "kanalenregister.csv")
    build_warehouse(home)
    report = write_audit_report(home).read_text(encoding="utf-8")
    section = report.split("## Build\n", 1)[1].split("\n## ", 1)[0]
    header = next(line for line in section.splitlines() if line.startswith("| run |"))
    assert header == "| run | mode | new files | started | finished | outcome |"
    [run] = _transform_runs(home.warehouse_path)
    row = next(line for line in section.splitlines() if line.startswith(f"| {run['run_id']} |"))
    assert row.startswith(f"| {run['run_id']} | full | 1 | ") and row.endswith(" | built |")
    assert "Why: full: no build yet" in section



def _transform_dag():
    """The transform DAG as Airflow parses it."""
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 3.0/3.1
        from airflow.models.dagbag import DagBag
    return DagBag(dag_folder=str(PROJECT_ROOT / "dags" / "dialoog_transform.py")).dags["dialoog_transform"]


def test_the_transform_dag_passes_a_full_refresh_asked_in_its_conf(
    home: Settings, dbt: StandInDbt, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the REST API a run's tasks do not see make pipeline's environment: the run's conf (the DAG's
    full_refresh parameter) reaches the gate and the build; without it, the environment decides."""
    monkeypatch.syspath_prepend(str(PROJECT_ROOT / "dags"))
    dag = _transform_dag()
    assert dag.params["full_refresh"] is False
    dbt_build = dag.get_task("dbt_build").python_callable
    _land_file(home, "x_api", "page-1.json")
    build_warehouse(home)
    publish_warehouse(home)
    calls = len(dbt.calls)
    with pytest.raises(AirflowSkipException, match="nothing loaded since the last publish"):
        dbt_build(params={"full_refresh": False})  # nothing new: no build
    assert len(dbt.calls) == calls
    assert dbt_build(params={"full_refresh": True}) == ASKED_REASON
    assert dbt.calls[-1][0] == ("build", "--full-refresh")
    publish_warehouse(home)
    _land_file(home, "x_api", "page-2.json")
    assert dbt_build(params={"full_refresh": False}).startswith("incremental: 1 new file(s) since ")
    publish_warehouse(home)
    monkeypatch.setenv("DIALOOG_FULL_REFRESH", "1")  # as make pipeline FULL_REFRESH=1 with dag.test()
    assert dbt_build(params={"full_refresh": False}).startswith("full: asked for")


def test_make_pipeline_asks_the_transform_dag_for_a_full_build(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = runpy.run_path(str(PROJECT_ROOT / "scripts" / "run_dags.py"))["_conf"]
    monkeypatch.delenv("DIALOOG_FULL_REFRESH", raising=False)
    assert conf("dialoog_transform") == {}
    monkeypatch.setenv("DIALOOG_FULL_REFRESH", "1")
    assert conf("dialoog_transform") == {"full_refresh": True}
    assert conf("dialoog_load_social") == {}
