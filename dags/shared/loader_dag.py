"""The shape every loader DAG shares: one load task for a source family, in the writer pool, updating
the family's raw Asset. Each DAG file still states its own schedule, tags and documentation."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, Asset, dag, task

from shared.defaults import DEFAULT_ARGS, WRITER_POOL

START = datetime(2026, 1, 1)
#: A loader task's priority in the writer pool: above any task of the transform DAG (whose weights are its own
#: tasks downstream, about ten).
LOADER_PRIORITY = 1000


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
        # Ahead of the transform's tasks in the writer pool: the loaders of an hour start together, and the first
        # one's Asset event starts the transform, whose build would otherwise go before the loaders still waiting
        # (their files then waiting for a second build, and the hour for both).
        @task(task_id=f"load_{family}", pool=WRITER_POOL, outlets=[asset], priority_weight=LOADER_PRIORITY,
              weight_rule="absolute")
        def load() -> dict[str, dict[str, int]]:
            from shared.load_task import load_and_report

            return load_and_report(family)

        load()

    return loader()
