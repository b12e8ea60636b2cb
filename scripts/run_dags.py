"""Run every Dialoog DAG once, in dependency order, as real Airflow DAG runs (``dag.test()``).

One interpreter for all DAGs: Airflow and the DAG folder are imported and parsed once. Each run is
recorded in Airflow's metadata DB like any other (visible in the UI and the REST API). Prints one line per
DAG and exits 1 at the first run that does not succeed, so nothing after it (and no publish) runs.
"""

from __future__ import annotations

import inspect
import os
import sys
import time

ORDER = ("dialoog_load_cbs", "dialoog_load_channels", "dialoog_load_social", "dialoog_load_survey",
         "dialoog_transform")


def _dagbag(folder: str):
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 3.0/3.1
        from airflow.models.dagbag import DagBag
    kwargs = {"include_examples": False} if "include_examples" in inspect.signature(DagBag).parameters else {}
    return DagBag(dag_folder=folder, **kwargs)


def main(summary_path: str) -> int:
    folder = os.environ["AIRFLOW__CORE__DAGS_FOLDER"]
    sys.path.insert(0, folder)
    bag = _dagbag(folder)
    if bag.import_errors:
        print(f"DAG import errors: {bag.import_errors}", file=sys.stderr)
        return 1
    with open(summary_path, "w", encoding="utf-8") as summary:
        for dag_id in ORDER:
            started = time.monotonic()
            run = bag.get_dag(dag_id).test()
            line = f"{dag_id}: {run.state} in {time.monotonic() - started:.0f} s (run {run.run_id})"
            summary.write(line + "\n")
            summary.flush()
            if str(run.state) != "success":
                _report_stopped_run(summary)
                return 1
    return 0


def _report_stopped_run(summary) -> None:
    """A failed run stops before the transform DAG writes its audit report: write it here instead."""
    from ingestion.audit import write_audit_report
    from ingestion.settings import get_settings

    summary.write(f"audit report: {write_audit_report(get_settings())}\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
