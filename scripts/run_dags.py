"""Run every Dialoog DAG once, in dependency order, as real Airflow DAG runs.

Without services, with ``dag.test()`` in one interpreter (Airflow and the DAG folder parsed once). When
this home's Airflow is running (``make demo``), through its REST API instead, so its scheduler runs the
tasks (in the writer pool) and the two never handle the same run. Either way each run is recorded in the
metadata DB (visible in the UI and the REST API). Writes one line per DAG and exits 1 at the first run
that does not succeed, so nothing after it (and no publish) runs.

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

RUN_TIMEOUT_S = 2 * 3600  # a run the scheduler never finishes must not hang `make pipeline`
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


def _api_runner(base: str) -> Callable[[str], tuple[str, str]]:
    """Trigger a DAG through the REST API v2 and wait for its run to end; returns (state, run id)."""
    import requests

    token = requests.post(f"{base}/auth/token", json={"username": os.environ["DIALOOG_ADMIN_USER"],
                          "password": os.environ["DIALOOG_ADMIN_PASSWORD"]}, timeout=30).json()["access_token"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"

    def run(dag_id: str) -> tuple[str, str]:
        session.patch(f"{base}/api/v2/dags/{dag_id}", json={"is_paused": False}, timeout=30).raise_for_status()
        created = session.post(f"{base}/api/v2/dags/{dag_id}/dagRuns",
                               json={"logical_date": None, "conf": _conf(dag_id)}, timeout=30)
        created.raise_for_status()
        run_id = created.json()["dag_run_id"]
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while time.monotonic() < deadline:
            state = session.get(f"{base}/api/v2/dags/{dag_id}/dagRuns/{run_id}", timeout=30).json()["state"]
            if state in ("success", "failed"):
                return state, run_id
            time.sleep(2)
        return f"not finished after {RUN_TIMEOUT_S} s", run_id

    return run


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
    run = _api_runner(api) if api else _test_runner()
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
