"""Step *build*: dbt builds staging, intermediate models and marts (with all dbt tests) in the build warehouse.

dbt runs in its own process; its output goes to the task log. That process is a fresh ``dbt`` command, or, in a
process that imported dbt ahead of time (:func:`preload_dbt`: the tasks of a running Airflow, whose executor imports
it once when the scheduler starts), a fork of this one that runs dbt with what is already imported: the hourly build
then starts dbt in 1.5–1.7 s instead of 4.2–4.8 s at scale 1. :func:`code_version` fingerprints everything the
marts are built with besides the data, so a change to it triggers a rebuild (it is defined in :mod:`steps.plan`,
which decides whether a build is full or incremental).

Every build is a row of ``dq.transform_runs``, written before dbt starts (``running``) and updated when it ends
(``built`` or ``failed``; publishing makes it ``published``). A build killed half-way leaves its row ``running``,
which makes the next plan a full build.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from core import warehouse
from core.settings import PROJECT_ROOT, Settings, full_refresh_asked, get_settings
from steps.load import ensure_raw_tables
from steps.plan import (
    BUILD_CODE,
    SOCIAL_MESSAGE_SOURCES,
    BuildPlan,
    code_version,
    nothing_to_build,
    plan_with,
)

#: ``code_version`` and ``BUILD_CODE`` are defined in steps.plan and keep their names here.
__all__ = ["BUILD_CODE", "DBT_PROJECT", "build_if_needed", "build_warehouse", "code_version", "dbt_command",
           "incremental_selection", "preload_dbt", "run_dbt"]

log = logging.getLogger(__name__)

DBT_PROJECT = PROJECT_ROOT / "dbt_project"


def dbt_command(*args: str) -> list[str]:
    """A dbt command line for the project (the dbt executable of this interpreter's environment)."""
    dbt = Path(sys.executable).with_name("dbt")
    return [str(dbt), *args, "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT)]


#: Whether :func:`preload_dbt` imported dbt into this process (then :func:`run_dbt` forks instead of starting dbt).
_dbt_preloaded = False


def preload_dbt() -> None:
    """Import dbt (its command line and the DuckDB adapter) into this process, so that :func:`run_dbt` here and in
    the processes forked from it runs dbt in a fork that has it already. Importing starts no thread and opens no
    file or connection (``dags/shared/executor.py`` relies on that)."""
    global _dbt_preloaded
    import dbt.adapters.duckdb  # noqa: F401
    import dbt.cli.main  # noqa: F401

    _dbt_preloaded = True


def run_dbt(*args: str, settings: Settings | None = None, environment: Mapping[str, str] | None = None) -> None:
    """Run dbt in its own process against the build warehouse (with ``environment`` added to this process's);
    its output goes to the task log. The process is a fork of this one when dbt is preloaded here
    (:func:`preload_dbt`), else a fresh ``dbt`` command."""
    settings = settings or get_settings()
    env = {**os.environ, "DIALOOG_WAREHOUSE": str(settings.warehouse_path),
           "DBT_TARGET_PATH": str(settings.home / "dbt" / "target"),
           "DBT_LOG_PATH": str(settings.home / "dbt" / "logs"), **(environment or {})}
    command = dbt_command(*args)
    log.info("running %s%s", " ".join(command), " (in a fork of this process, dbt preloaded)" if _dbt_preloaded else "")
    if _dbt_preloaded:
        returncode, output = _dbt_in_fork(command[1:], env)
    else:
        process = subprocess.run(command, env=env, cwd=DBT_PROJECT, capture_output=True, text=True, check=False)
        returncode, output = process.returncode, process.stdout
    for line in output.splitlines():
        log.info("dbt: %s", line)
    if returncode != 0:
        command_text = " ".join(args)
        raise RuntimeError(f"dbt {command_text} failed (exit {returncode}); see the dbt lines above")


def _dbt_in_fork(arguments: list[str], env: Mapping[str, str]) -> tuple[int, str]:
    """dbt's command line ``arguments`` in a forked child with environment ``env``: (its exit code, its output).

    The child is a process of its own, as the ``dbt`` command would be: when it ends, its DuckDB connections and
    file lock end with it, and what it imported (the classifier of the Python models) never reaches this process.
    It dies with this process (Linux: ``PR_SET_PDEATHSIG``); stopped here (the task timed out, Ctrl-C), it is killed
    and waited for before the exception goes on, so no dbt outlives the build that started it."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 2
        try:
            os.close(reader)
            _die_with_parent()
            for number in (signal.SIGTERM, signal.SIGINT):
                signal.signal(number, signal.SIG_DFL)
            os.dup2(writer, 1)
            os.dup2(writer, 2)
            # The streams replaced stay referenced until the child exits: Airflow's task runner gives a task stream
            # objects that own fds 1 and 2, and one collected would close the pipe there (dbt's log file, opened
            # next, became fd 1 and took its output).
            replaced = (sys.stdout, sys.stderr)  # noqa: F841
            sys.stdout = sys.stderr = open(1, "w", encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
            os.environ.clear()
            os.environ.update(env)
            os.chdir(DBT_PROJECT)
            from dbt.cli.main import dbtRunner

            result = dbtRunner().invoke(arguments)
            code = 0 if result.success else 1 if result.exception is None else 2
            if result.exception is not None:
                print(f"dbt stopped: {type(result.exception).__name__}: {result.exception}")
        except BaseException as exc:  # noqa: BLE001 - whatever it was, the parent learns it from the output
            print(f"dbt could not run in the fork: {type(exc).__name__}: {exc}")
        finally:
            try:
                sys.stdout.flush()
                _close_dbt_database()
                _release_multiprocessing_resources()
            finally:
                os._exit(code)
    os.close(writer)
    try:
        with open(reader, encoding="utf-8", errors="replace") as output:
            text = output.read()
        _, status = os.waitpid(pid, 0)
    except BaseException:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ChildProcessError, ProcessLookupError):
            pass
        raise
    return os.waitstatus_to_exitcode(status), text


def _close_dbt_database() -> None:
    """What the ``dbt`` command's exit does and ``os._exit`` skips: close the DuckDB database dbt kept open (dbt-duckdb
    keeps it for the next invocation), which writes its write-ahead log into the warehouse file. Left open, the log
    stayed for the next connection to replay before its own work: between dbt's end and the build task's it took
    0.6–2.7 s after an hourly build at bench scale 10, 0.04–0.07 s once the database was closed here."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    DuckDBConnectionManager.close_all_connections()


def _release_multiprocessing_resources() -> None:
    """What a normal exit of the forked child would run and ``os._exit`` skips: multiprocessing's finalizers, which
    unlink the semaphores dbt made (else its resource tracker warns of them). Only the finalizers: the rest of
    multiprocessing's exit would wait for child processes, and a fork may have inherited its parent's list of them."""
    from multiprocessing import util

    run_finalizers = getattr(util, "_run_finalizers", None)
    if run_finalizers is not None:
        run_finalizers()


def _die_with_parent() -> None:
    """Ask Linux to kill this (forked) process when its parent dies; elsewhere, nothing."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def build_warehouse(settings: Settings | None = None, full_refresh: bool | None = None) -> BuildPlan:
    """dbt build: seeds, staging, intermediate and marts, with all dbt tests; full or incremental as planned
    (:func:`steps.plan.plan_build`), an incremental build of nothing when nothing is new. ``full_refresh`` None: as
    ``DIALOOG_FULL_REFRESH`` says. The build is recorded in ``dq.transform_runs``; a dbt failure marks it
    ``failed`` and is raised."""
    plan = _build(settings, full_refresh, skip_when_nothing_to_build=False)
    assert plan is not None
    return plan


def build_if_needed(settings: Settings | None = None, full_refresh: bool | None = None) -> BuildPlan | None:
    """:func:`build_warehouse`, unless there is nothing to build (:func:`steps.plan.nothing_to_build`): then None,
    and nothing is recorded. The plan is made once, on the connection that books the build."""
    return _build(settings, full_refresh, skip_when_nothing_to_build=True)


def _build(settings: Settings | None, full_refresh: bool | None, skip_when_nothing_to_build: bool
           ) -> BuildPlan | None:
    settings = settings or get_settings()
    if full_refresh is None:
        full_refresh = full_refresh_asked()
    ensure_raw_tables(settings)  # and the bookkeeping tables
    con = warehouse.connect(settings)
    try:
        plan = plan_with(con, settings, full_refresh)
        if skip_when_nothing_to_build and nothing_to_build(plan, settings):
            log.info("no build: %s, and the published build is current", plan.reason.removeprefix("incremental: "))
            return None
        run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
        con.execute("INSERT INTO dq.transform_runs (run_id, started_at, mode, reason, increment_after, loaded_until, "
                    "code_version, new_files, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running')",
                    [run_id, datetime.now(UTC), plan.mode, plan.reason, plan.increment_after, plan.loaded_until,
                     plan.code_version, plan.new_file_count])
    finally:
        con.close()  # commits the 'running' row, and dbt needs the file to itself
    log.info("build %s: %s", run_id, plan.reason)
    arguments, environment = dbt_build_for(plan)
    try:
        run_dbt(*arguments, settings=settings, environment=environment)
    except BaseException:  # a dbt failure, or the task stopped (timeout, Ctrl-C): not a build to publish
        try:
            _finish_run(settings, run_id, "failed")
        except Exception:
            log.exception("build %s failed, and recording that failed too; it stays 'running'", run_id)
        raise
    _finish_run(settings, run_id, "built")
    return plan


#: What an incremental build builds and tests: the models downstream of the social messages and of the loaded
#: files' list (with their data tests), the only inputs that change between a published build and an incremental
#: one. The other models read only reference data and seeds, which are unchanged, or the plan would build in full;
#: the unit tests test the models' code, and a change to it builds in full too (which runs them).
#: Its parts by name, so a narrower selection (:func:`incremental_selection`) is built from them, not sliced out.
SOCIAL_STAGING = "path:models/staging/social+"
LINEAGE_STAGING = "path:models/staging/lineage+"
LEFT_OUT = ("--exclude-resource-type", "unit_test", "--exclude-resource-type", "seed")
INCREMENTAL_SELECTION = ("--select", SOCIAL_STAGING, LINEAGE_STAGING, *LEFT_OUT)


#: The generic tests an incremental build leaves out: the singular test ``assert_increment_column_rules``
#: (dbt_project/tests) checks all of them of the models the build runs in one query per model, on the same rows, and
#: fails the build when it meets one it cannot stand in for. About a hundred tests an hour, each with dbt's fixed
#: cost; a full build runs them one by one (and that singular test reads nothing).
COLUMN_RULE_TESTS = ("not_null", "unique", "accepted_values")


def social_staging_model(source: str) -> str:
    """The dbt staging model of a social message source (``x_api`` → ``stg_x_api__messages``; the dbt var
    ``social_message_models`` lists them all)."""
    return f"stg_{source}__messages"


def incremental_selection(new_files: Mapping[str, int]) -> tuple[str, ...]:
    """The dbt selection of an incremental build that takes in ``new_files`` (per source).

    :data:`INCREMENTAL_SELECTION`, narrowed to the staging models of the social sources that have new files: a
    staging model of a source without one is a view whose definition did not change (or the plan would build in
    full), and its data tests read only the copies of the increment (``get_where_subquery``), of which it has
    none. Leaving them out saves dbt's fixed cost of about forty tests and five views an hour, in which the
    exports of two or three sources arrive. Everything downstream of any social staging model is still selected
    (the increment models read every source's copies). Without new social files, all of them, as before. The
    tests of :data:`COLUMN_RULE_TESTS` are left out: one singular test checks their rules.
    """
    social = sorted(f"{social_staging_model(source)}+" for source in new_files if source in SOCIAL_MESSAGE_SOURCES)
    return ("--select", *(social or [SOCIAL_STAGING]), LINEAGE_STAGING, *LEFT_OUT,
            "--exclude", *(f"test_name:{name}" for name in COLUMN_RULE_TESTS))


def dbt_build_for(plan: BuildPlan) -> tuple[tuple[str, ...], dict[str, str]]:
    """The dbt command line and environment of a planned build. The increment goes in the environment
    (``DIALOOG_INCREMENT_AFTER``, read by the models only as they run): a var that changes every hour would make
    dbt parse the whole project again each time (docs/incremental.md)."""
    if plan.mode == "full":
        return ("build", "--full-refresh"), {}
    increment_after = plan.increment_after.astimezone(UTC).isoformat()
    return ("build", *incremental_selection(plan.new_files)), {"DIALOOG_INCREMENT_AFTER": increment_after}


def _finish_run(settings: Settings, run_id: str, outcome: str) -> None:
    """Record how a transform run ended."""
    con = warehouse.connect(settings)
    try:
        con.execute("UPDATE dq.transform_runs SET outcome = ?, finished_at = ? WHERE run_id = ?",
                    [outcome, datetime.now(UTC), run_id])
    finally:
        con.close()
