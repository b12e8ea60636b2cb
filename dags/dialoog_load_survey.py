"""
### Load survey answers

Loads the municipalities' survey answers (`landing/survey/`, CSV or XLSX). Typed municipality names are
matched to the CBS code valid in the survey year (exact, known variants, historic names, at most two typing
errors of exactly one municipality); unknown or ambiguous names are quarantined with the candidates.
A file loads once (by its SHA-256) and all or nothing; the task is skipped when nothing new was found.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task
from shared.assets import RAW_SURVEY
from shared.defaults import DEFAULT_ARGS, WRITER_POOL


@dag(
    schedule="@hourly",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["dialoog", "load", "survey"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def dialoog_load_survey() -> None:
    # Writes the build warehouse: DuckDB allows one writer, hence the one-slot pool.
    @task(pool=WRITER_POOL, outlets=[RAW_SURVEY])
    def load_survey() -> dict[str, object]:
        from shared.loading import load_and_report

        return load_and_report("survey")

    load_survey()


dialoog_load_survey()
