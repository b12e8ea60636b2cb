"""
### Build, check and publish the warehouse

Runs when any loader updated the raw layer (Assets), or by hand. `dbt build` builds staging, intermediate
and marts with all dbt tests in one process; the mart suites of Great Expectations then check the result
(a `fatal` rule fails the task, so nothing is published); finally a fresh serving copy of the marts and
`dq` is swapped in atomically at `$DIALOOG_HOME/serving/warehouse.duckdb`, keeping the previous one for
`make rollback`. When nothing was loaded since the last publish, the build and publish are skipped.
The build is incremental (only what new social message files touch is recomputed) unless a full one is needed:
the first build, after a build that failed, was killed or was not published, after a change of the dbt project or
the classifier, or when other files than social messages (CBS lists, channels, survey) arrived; the task log
and the audit report say which and why (`dq.transform_runs`). Trigger with conf `{"full_refresh": true}` (the
*full_refresh* parameter), or set `DIALOOG_FULL_REFRESH=1` (`make pipeline FULL_REFRESH=1`), to rebuild
everything even when nothing is new.
Every run ends with an audit report (`$DIALOOG_HOME/reports/audit/latest.md`): loads, checks, failed rules,
quarantined files and rows, and what was published. With `DIALOOG_RELEASE_AFTER_PUBLISH=true` (off by default)
each publish is also exported as a citable release under `$DIALOOG_HOME/releases/` (docs/release.md); with
`DIALOOG_FACTSHEETS_AFTER_PUBLISH=true` (off by default) the fact sheets per municipality and year are rendered
under `$DIALOOG_HOME/reports/factsheets/` (docs/factsheets.md).
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import Param, dag, task
from shared.assets import PUBLISHED_WAREHOUSE, RAW_ASSETS
from shared.defaults import DEFAULT_ARGS, WRITER_POOL, switched_on


@dag(
    schedule=RAW_ASSETS[0] | RAW_ASSETS[1] | RAW_ASSETS[2] | RAW_ASSETS[3],
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["dialoog", "transform", "publish"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    params={"full_refresh": Param(False, type="boolean",
                                  description="Rebuild every table from all raw data, even when nothing is new")},
)
def dialoog_transform() -> None:
    # dbt writes the build warehouse: one DuckDB writer at a time, hence the pool. It plans full or incremental. When
    # nothing was loaded since the last publish (and no full build is asked for) it is skipped, and with it the rest
    # of the build chain (their trigger rule); the audit report is always written. Deciding here, not in a task of
    # its own before it, saves a task's start and hand-over every hour under a running scheduler.
    @task(pool=WRITER_POOL, retries=0)
    def dbt_build(params: dict | None = None) -> str:
        from airflow.sdk.exceptions import AirflowSkipException

        from steps.build import build_if_needed

        plan = build_if_needed(full_refresh=full_refresh_asked(params))
        if plan is None:
            raise AirflowSkipException("nothing loaded since the last publish, and no full build asked for")
        return plan.reason

    # Reads marts and writes dq results: a writer too.
    @task(pool=WRITER_POOL, retries=0)
    def validate_marts() -> str:
        from steps.validate import validate_marts

        return validate_marts()

    # Reads the build file to make the serving copy; the swap itself never blocks Superset.
    @task(pool=WRITER_POOL, outlets=[PUBLISHED_WAREHOUSE])
    def publish() -> dict[str, int]:
        from steps.publish import publish_warehouse

        return publish_warehouse()

    # A citable release of what was just published (docs/release.md), only when DIALOOG_RELEASE_AFTER_PUBLISH is
    # true: off by default. Reads the published copy only, so it is no writer and runs outside the pool.
    @task.short_circuit
    def release_enabled() -> bool:
        return switched_on("DIALOOG_RELEASE_AFTER_PUBLISH")

    @task(retries=0)
    def release() -> str:
        from core.settings import get_settings
        from release.build import make_release

        return str(make_release(get_settings().home))

    # Fact sheets per municipality and year of what was just published (docs/factsheets.md), only when
    # DIALOOG_FACTSHEETS_AFTER_PUBLISH is true: off by default. Reads the published copy only: no writer, no pool.
    @task.short_circuit
    def factsheets_enabled() -> bool:
        return switched_on("DIALOOG_FACTSHEETS_AFTER_PUBLISH")

    @task(retries=0)
    def factsheets() -> str:
        from core.settings import get_settings
        from factsheets.render import make_factsheets

        return make_factsheets(get_settings().home).message

    # Reads dq and writes its own bookkeeping row: a writer, after whatever ran before it.
    @task(pool=WRITER_POOL, trigger_rule="all_done")
    def audit_report() -> str:
        from core.settings import get_settings
        from steps.audit import write_audit_report

        return str(write_audit_report(get_settings()))

    # audit_report runs whatever happened before it (all_done), so as the only leaf it would mark a run whose
    # build failed a success. This leaf fails the run as soon as any task failed (and is skipped otherwise).
    @task(trigger_rule="one_failed", retries=0)
    def fail_run_on_failed_task() -> None:
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException("a task of this run failed, so nothing new was published: see its log "
                                   "and the audit report")

    steps = [dbt_build(), validate_marts(), publish(), audit_report()]
    for upstream, downstream in zip(steps, steps[1:], strict=False):
        upstream >> downstream
    releasing = [release_enabled(), release()]
    steps[2] >> releasing[0] >> releasing[1]
    rendering = [factsheets_enabled(), factsheets()]
    steps[2] >> rendering[0] >> rendering[1]
    [*steps, *releasing, *rendering] >> fail_run_on_failed_task()


def full_refresh_asked(params: dict | None) -> bool | None:
    """True when this run's conf asks for a full build (``{"full_refresh": true}``, which a run triggered through
    the REST API needs: the scheduler's tasks do not see the environment of ``make pipeline``); None leaves it to
    ``DIALOOG_FULL_REFRESH`` in the task's environment."""
    return True if params and params.get("full_refresh") else None


dialoog_transform()
