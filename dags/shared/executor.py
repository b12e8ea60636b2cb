"""The executor of a running Airflow (`make demo`, the compose services): Airflow's LocalExecutor, with the Dialoog
steps and their heavy libraries imported once, before it starts its worker processes.

Each task runs in a process forked from one of the LocalExecutor's workers, which are forked from the scheduler, so
a task starts with every module the scheduler had imported when the executor started. Great Expectations takes
2-3 s to import, and an hour with new files pays it twice (the checks of the social load, the mart suites); the
steps, DuckDB and the loaders take tenths of a second more per task. Imported here once, when the scheduler starts,
they are not paid again each hour (docs/benchmarks.md, *Hours through a running scheduler*).

dbt is imported too (:func:`steps.build.preload_dbt`): the build task then runs dbt in a fork of itself instead of
starting the ``dbt`` command: starting dbt took 1.5–1.7 s instead of 4.2–4.8 s of a scale-1 hourly build
(docs/benchmarks.md, *The hourly run without its waits*).

Only importing happens here: none of these modules starts a thread or opens a file or connection when imported,
so the fork copies nothing but memory. The scheduler and its workers hold the imported code (a fresh
interpreter with all of it imported: 319 MB RSS), shared between the forks until written. The DAG processor
and the DAG files themselves still import none of it
(``tests/dags``: no heavy imports at parse time).

Configured as ``AIRFLOW__CORE__EXECUTOR=dags.shared.executor.PreloadingLocalExecutor`` (``scripts/env.sh``; the
project root is on ``PYTHONPATH``, the DAG folder is not on the scheduler's ``sys.path``).
"""

from __future__ import annotations

import importlib

from airflow.executors.local_executor import LocalExecutor

#: What the tasks of an hourly run import: Great Expectations and DuckDB, and the steps the tasks call (which bring
#: the loaders, the suites' runner and the warehouse's helpers).
PRELOADED = ("great_expectations", "duckdb", "steps.load", "steps.plan", "steps.build", "steps.validate",
             "steps.publish", "steps.audit")


class PreloadingLocalExecutor(LocalExecutor):
    """Airflow's LocalExecutor that imports :data:`PRELOADED` before it starts its workers."""

    def start(self) -> None:
        for module in PRELOADED:
            importlib.import_module(module)
        from steps.build import preload_dbt

        preload_dbt()
        super().start()
