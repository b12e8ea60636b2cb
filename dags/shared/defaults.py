"""Default task arguments and the one DuckDB writer pool shared by all Dialoog DAGs."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any

#: DuckDB allows one read-write process per file: every task that writes the build warehouse uses this pool.
WRITER_POOL = "duckdb_writer"

log = logging.getLogger("dialoog")


def log_failure(context: dict[str, Any]) -> None:
    """Failure callback: one clear line naming the task, the try and the error."""
    ti = context.get("ti") or context.get("task_instance")
    log.error(
        "Dialoog task failed: dag=%s task=%s try=%s run=%s error=%s",
        getattr(ti, "dag_id", "?"), getattr(ti, "task_id", "?"), getattr(ti, "try_number", "?"),
        context.get("run_id"), context.get("exception"),
    )


#: The longest a task may run before Airflow stops it and frees the writer slot: a file that makes a loader hang
#: (a hostile or broken export) must not hold the one writer for hours. A national year at bench scale 10
#: loads in about a minute and builds in under four (docs/benchmarks.md); ``DIALOOG_TASK_TIMEOUT_MINUTES``
#: overrides it for big backfills.
TASK_TIMEOUT = timedelta(minutes=float(os.environ.get("DIALOOG_TASK_TIMEOUT_MINUTES") or 60))

def switched_on(variable: str) -> bool:
    """Whether an optional task is switched on by its environment variable (``true``, ``1`` or ``yes``); off
    when unset. Read when the task runs, not when the DAG is parsed."""
    return os.environ.get(variable, "").strip().lower() in ("true", "1", "yes")


DEFAULT_ARGS: dict[str, Any] = {
    "execution_timeout": TASK_TIMEOUT,
    "owner": "dialoog",
    "retries": 2,
    "retry_delay": timedelta(seconds=20),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=5),
    "on_failure_callback": log_failure,
}
