"""
### Load social-media exports

Loads X API v2 pages (`landing/x_api/`), X account archives as ZIP or folder (`landing/x_archive/`),
Facebook Graph page feeds (`landing/facebook_graph/`) and webcare-tool CSV exports (`landing/webcare_csv/`)
into one raw table per format, streamed, with lineage on every row. Citizen identities are pseudonymised
with a keyed hash (HMAC-SHA256) at load. A malformed file is quarantined whole; a bad row alone.
A file loads once (by its SHA-256) and all or nothing; the task is skipped when nothing new was found.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task
from shared.assets import RAW_SOCIAL
from shared.defaults import DEFAULT_ARGS, WRITER_POOL


@dag(
    schedule="@hourly",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["dialoog", "load", "social"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def dialoog_load_social() -> None:
    # Writes the build warehouse: DuckDB allows one writer, hence the one-slot pool.
    @task(pool=WRITER_POOL, outlets=[RAW_SOCIAL])
    def load_social() -> dict[str, object]:
        from shared.loading import load_and_report

        return load_and_report("social")

    load_social()


dialoog_load_social()
