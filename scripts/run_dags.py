"""Run every Dialoog DAG once, in dependency order, as real Airflow DAG runs.

Without services, with ``dag.test()`` in one interpreter (Airflow and the DAG folder parsed once), one DAG after
the other; it exits 1 at the first run that does not succeed, so nothing after it (and no publish) runs.

When this home's Airflow is running (``make demo``), through its REST API instead, so its scheduler runs the
tasks (in the writer pool) and the two never handle the same run. The loader DAGs are triggered together, as their
hourly schedule starts them; a loader that loaded something updates its raw Asset, and the scheduler starts the
transform DAG for it: that run is waited for, not a second one triggered (which would only wait for the writer
pool and find nothing new). The transform is triggered here only when no loader loaded anything (or a full build
is asked for), and not at all when a loader's run failed.

Either way each run is recorded in the metadata DB (visible in the UI and the REST API), and one line per DAG is
written to the summary.

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
from datetime import datetime
from typing import TextIO

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
    from core.settings import full_refresh_asked  # not steps.plan: DuckDB's import for one variable

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
        #: When the last loader task of this pipeline that loaded something (it succeeded; skipped: nothing new)
        #: ended: its Asset event came after, and the transform run that event starts is due after it.
        self.last_load: datetime | None = None

    def _get(self, path: str, **params: str):
        answer = self.session.get(f"{self.base}/api/v2/{path}", params=params, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def trigger(self, dag_id: str) -> str:
        """Start a run of ``dag_id`` (unpaused first); its run id."""
        self.session.patch(f"{self.base}/api/v2/dags/{dag_id}", json={"is_paused": False},
                           timeout=30).raise_for_status()
        created = self.session.post(f"{self.base}/api/v2/dags/{dag_id}/dagRuns",
                                    json={"logical_date": None, "conf": _conf(dag_id)}, timeout=30)
        created.raise_for_status()
        return created.json()["dag_run_id"]

    def wait(self, dag_id: str, run_id: str) -> str:
        """The end state of a run, once it has one; a loader's run that loaded something is noted."""
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while time.monotonic() < deadline:
            state = self._get(f"dags/{dag_id}/dagRuns/{run_id}")["state"]
            if state in ("success", "failed"):
                if dag_id != TRANSFORM and state == "success":
                    self._note_load(dag_id, run_id)
                return state
            time.sleep(POLL_S)
        return f"not finished after {RUN_TIMEOUT_S} s"

    def _note_load(self, dag_id: str, run_id: str) -> None:
        tasks = self._get(f"dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]
        for task in tasks:
            if task["state"] == "success":
                ended = datetime.fromisoformat(task["end_date"])
                self.last_load = max(self.last_load or ended, ended)

    def transform(self) -> tuple[str, str]:
        """The transform run for what the loaders loaded: the one the scheduler started for the last loader's
        Asset event, or, when nothing was loaded (or a full build is asked for), one triggered here."""
        run_id = self._asset_triggered_transform() if self.last_load and not _conf(TRANSFORM) else None
        run_id = run_id or self.trigger(TRANSFORM)
        return self.wait(TRANSFORM, run_id), run_id

    def _asset_triggered_transform(self) -> str | None:
        """The transform run the scheduler started for the Asset event of this pipeline's last load (an
        Asset-triggered run is due after the newest event it consumed), once it exists."""
        deadline = time.monotonic() + ASSET_RUN_WAIT_S
        while time.monotonic() < deadline:
            runs = self._get(f"dags/{TRANSFORM}/dagRuns", run_type="asset_triggered",
                             run_after_gte=self.last_load.isoformat(), order_by="-run_after", limit="1")["dag_runs"]
            if runs:
                return runs[0]["dag_run_id"]
            time.sleep(POLL_S)
        return None


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
    with open(summary_path, "w", encoding="utf-8") as summary:
        return _through_api(_ApiRunner(api), summary) if api else _through_dag_test(_test_runner(), summary)


def _through_dag_test(run: Callable[[str], tuple[str, str]], summary: TextIO) -> int:
    """Every DAG in :data:`ORDER`, one after the other, stopping at the first run that does not succeed."""
    for dag_id in ORDER:
        started = time.monotonic()
        state, run_id = run(dag_id)
        _report(summary, dag_id, state, started, run_id)
        if state != "success":
            _report_stopped_run(summary)
            return 1
    return 0


def _through_api(runner: _ApiRunner, summary: TextIO) -> int:
    """The loader DAGs all at once, as their hourly schedule starts them (the writer pool runs their tasks one at a
    time), then the transform run for what they loaded. No writer from here: the scheduler's tasks may hold the
    warehouse, so a failed run's audit report is the transform DAG's own."""
    started = time.monotonic()
    loaders = [(dag_id, runner.trigger(dag_id)) for dag_id in ORDER if dag_id != TRANSFORM]
    states = []
    for dag_id, run_id in loaders:
        states.append(runner.wait(dag_id, run_id))
        _report(summary, dag_id, states[-1], started, run_id)
    if any(state != "success" for state in states):
        return 1
    started = time.monotonic()
    state, run_id = runner.transform()
    _report(summary, TRANSFORM, state, started, run_id)
    return 0 if state == "success" else 1


def _report(summary: TextIO, dag_id: str, state: str, started: float, run_id: str) -> None:
    summary.write(f"{dag_id}: {state} in {time.monotonic() - started:.0f} s (run {run_id})\n")
    summary.flush()


def _report_stopped_run(summary) -> None:
    """A failed run stops before the transform DAG writes its audit report: write it here instead."""
    from core.settings import get_settings
    from steps.audit import write_audit_report

    summary.write(f"audit report: {write_audit_report(get_settings())}\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
