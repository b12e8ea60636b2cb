"""
### Load CBS reference data

Loads the CBS municipality lists (one per year), the mergers (herindelingen) and the inhabitants per
municipality: first the lists shipped with the project (2012–2025), then whatever lies in
`$DIALOOG_HOME/landing/cbs_gemeenten/`, `cbs_herindelingen/` and `cbs_bevolking/`. A file loads once (by
its SHA-256) and all or nothing; a malformed file is moved to `$DIALOOG_HOME/quarantine/<source>/` with a
`.reason` file. The task is skipped when nothing new was found, so no rebuild follows.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task
from shared.assets import RAW_CBS
from shared.defaults import DEFAULT_ARGS, WRITER_POOL


@dag(
    schedule="@hourly",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["dialoog", "load", "cbs"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def dialoog_load_cbs() -> None:
    # Writes the build warehouse: DuckDB allows one writer, hence the one-slot pool.
    @task(pool=WRITER_POOL, outlets=[RAW_CBS])
    def load_cbs() -> dict[str, object]:
        from shared.loading import load_and_report

        return load_and_report("cbs")

    load_cbs()


dialoog_load_cbs()
