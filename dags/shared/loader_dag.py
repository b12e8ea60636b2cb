"""The shape every loader DAG shares: one load task for a source family, in the writer pool, updating
the family's raw Asset. Each DAG file still states its own schedule, tags and documentation."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, Asset, dag, task

from shared.defaults import DEFAULT_ARGS, WRITER_POOL

START = datetime(2026, 1, 1)


def loader_dag(family: str, asset: Asset, schedule: str, doc_md: str) -> DAG:
    """The DAG ``dialoog_load_<family>``: load the family's new files, skip when nothing is new."""

    @dag(
        dag_id=f"dialoog_load_{family}",
        schedule=schedule,
        start_date=START,
        catchup=False,
        max_active_runs=1,
        tags=["dialoog", "load", family],
        default_args=DEFAULT_ARGS,
        doc_md=doc_md,
    )
    def loader() -> None:
        # Writes the build warehouse: DuckDB allows one writer, hence the one-slot pool.
        @task(task_id=f"load_{family}", pool=WRITER_POOL, outlets=[asset])
        def load() -> dict[str, dict[str, int]]:
            from shared.load_task import load_and_report

            return load_and_report(family)

        load()

    return loader()
