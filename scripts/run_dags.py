"""Run every Dialoog DAG once, in dependency order, as real Airflow DAG runs.

Without services, with ``dag.test()`` in one interpreter (Airflow and the DAG folder parsed once). When
this home's Airflow is running (``make demo``), through its REST API instead, so its scheduler runs the
tasks (in the writer pool) and the two never handle the same run. There a loader that loaded something
updates its raw Asset, and the scheduler starts the transform DAG for it: that run is waited for, not a
second one triggered (which would only find nothing new, after waiting for the writer pool). Either way each
run is recorded in the metadata DB (visible in the UI and the REST API). Writes one line per DAG and exits 1
at the first run that does not succeed, so nothing after it (and no publish) runs.

With ``DIALOOG_FULL_REFRESH=1`` (``make pipeline FULL_REFRESH=1``) the transform DAG runs with the conf
``{"full_refresh": true}``: its build is a full one, even when nothing is new. The conf, not only the environment,
because the scheduler's tasks do not see this process's environment.
"""

from __future__ import annotations

import inspect
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

RUN_TIMEOUT_S = 2 * 3600  # a run the scheduler never finishes must not hang `make pipeline`
POLL_S = 0.5  # how often a run's state is asked for: a whole run of an hour takes seconds
#: How long the scheduler may take to start the transform run a loader's Asset event asks for (it does so within a
#: loop or two, about a second) before the transform is triggered by hand instead.
ASSET_RUN_WAIT_S = 30
ORDER = ("dialoog_load_cbs", "dialoog_load_channels", "dialoog_load_social", "dialoog_load_survey",
         "dialoog_transform")
TRANSFORM = "dialoog_transform"


def _conf(dag_id: str) -> dict[str, bool]:
    """The conf of a DAG's run: the transform DAG's asks for a full build when ``DIALOOG_FULL_REFRESH`` does."""
    from steps.plan import full_refresh_asked

    return {"full_refresh": True} if dag_id == TRANSFORM and full_refresh_asked() else {}


def _dagbag(folder: str):
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 3.0/3.1
        from airflow.models.dagbag import DagBag
    kwargs = {"include_examples": False} if "include_examples" in inspect.signature(DagBag).parameters else {}
    return DagBag(dag_folder=folder, **kwargs)


class _ApiRunner:
    """Runs DAGs through the REST API v2 of a running Airflow: trigger, then wait for the run to end."""

    def __init__(self, base: str) -> None:
        import requests

        token = requests.post(f"{base}/auth/token", json={"username": os.environ["DIALOOG_ADMIN_USER"],
                              "password": os.environ["DIALOOG_ADMIN_PASSWORD"]}, timeout=30).json()["access_token"]
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        #: When the last loader run of this pipeline that loaded something (its task succeeded, not skipped) was
        #: triggered: the transform run that its Asset event asks for runs after this. None: nothing loaded.
        self.last_load: str | None = None

    def _now(self) -> str:
        return datetime.now(UTC).isoformat()

    def _get(self, path: str, **params: str):
        answer = self.session.get(f"{self.base}/api/v2/{path}", params=params, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def __call__(self, dag_id: str) -> tuple[str, str]:
        if dag_id == TRANSFORM and self.last_load and not _conf(dag_id):
            queued = self._asset_triggered_transform()
            if queued:
                return self._wait(dag_id, queued)
        self.session.patch(f"{self.base}/api/v2/dags/{dag_id}", json={"is_paused": False},
                           timeout=30).raise_for_status()
        triggered = self._now()
        created = self.session.post(f"{self.base}/api/v2/dags/{dag_id}/dagRuns",
                                    json={"logical_date": None, "conf": _conf(dag_id)}, timeout=30)
        created.raise_for_status()
        state, run_id = self._wait(dag_id, created.json()["dag_run_id"])
        if dag_id != TRANSFORM and state == "success":
            tasks = self._get(f"dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]
            if any(task["state"] == "success" for task in tasks):  # skipped: nothing new
                self.last_load = triggered
        return state, run_id

    def _asset_triggered_transform(self) -> str | None:
        """The transform run the scheduler started for the Asset event of this pipeline's last loader run that
        loaded something (an Asset-triggered run is due after its newest event), once it exists."""
        deadline = time.monotonic() + ASSET_RUN_WAIT_S
        while time.monotonic() < deadline:
            runs = self._get(f"dags/{TRANSFORM}/dagRuns", run_type="asset_triggered", run_after_gte=self.last_load,
                             order_by="-run_after", limit="1")["dag_runs"]
            if runs:
                return runs[0]["dag_run_id"]
            time.sleep(POLL_S)
        return None

    def _wait(self, dag_id: str, run_id: str) -> tuple[str, str]:
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while time.monotonic() < deadline:
            state = self._get(f"dags/{dag_id}/dagRuns/{run_id}")["state"]
            if state in ("success", "failed"):
                return state, run_id
            time.sleep(POLL_S)
        return f"not finished after {RUN_TIMEOUT_S} s", run_id


def _test_runner() -> Callable[[str], tuple[str, str]]:
    """Run a DAG with ``dag.test()`` in this interpreter; returns (state, run id)."""
    folder = os.environ["AIRFLOW__CORE__DAGS_FOLDER"]
    sys.path.insert(0, folder)
    bag = _dagbag(folder)
    if bag.import_errors:
        raise SystemExit(f"DAG import errors: {bag.import_errors}")

    def run(dag_id: str) -> tuple[str, str]:
        dag_run = bag.get_dag(dag_id).test(run_conf=_conf(dag_id))
        return str(dag_run.state), dag_run.run_id

    return run


def main(summary_path: str, api: str | None = None) -> int:
    run = _ApiRunner(api) if api else _test_runner()
    with open(summary_path, "w", encoding="utf-8") as summary:
        for dag_id in ORDER:
            started = time.monotonic()
            state, run_id = run(dag_id)
            line = f"{dag_id}: {state} in {time.monotonic() - started:.0f} s (run {run_id})"
            summary.write(line + "\n")
            summary.flush()
            if state != "success":
                if not api:  # with Airflow running its tasks may hold the warehouse: no writer from here
                    _report_stopped_run(summary)
                return 1
    return 0


def _report_stopped_run(summary) -> None:
    """A failed run stops before the transform DAG writes its audit report: write it here instead."""
    from core.settings import get_settings
    from steps.audit import write_audit_report

    summary.write(f"audit report: {write_audit_report(get_settings())}\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
