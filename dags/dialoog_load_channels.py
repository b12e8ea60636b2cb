"""
### Load the channel registry

Loads the registry of municipal accounts (`gm_code, platform, account_id, handle, theme, active_from,
active_to`) from `$DIALOOG_HOME/landing/channels/`: which account belongs to which municipality, with its
theme and active period. Rows with an unknown theme, a bad date or a malformed code are quarantined with the reason.
A file loads once (by its SHA-256) and all or nothing; the task is skipped when nothing new was found.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task
from shared.assets import RAW_CHANNELS
from shared.defaults import DEFAULT_ARGS, WRITER_POOL


@dag(
    schedule="@hourly",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["dialoog", "load", "channels"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def dialoog_load_channels() -> None:
    # Writes the build warehouse: DuckDB allows one writer, hence the one-slot pool.
    @task(pool=WRITER_POOL, outlets=[RAW_CHANNELS])
    def load_channels() -> dict[str, object]:
        from shared.loading import load_and_report

        return load_and_report("channels")

    load_channels()


dialoog_load_channels()
