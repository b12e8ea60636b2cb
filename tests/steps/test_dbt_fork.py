"""dbt in a fork of a process that preloaded it (steps/build.py, ``preload_dbt``: the tasks of a running Airflow):
the real dbt runs, its output reaches the log, a failure raises with dbt's exit code, and no process is left behind.
In a fresh interpreter each, so the test session itself is never forked."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from core.settings import Settings
from tests.conftest import PROJECT

RUN_IN_A_FORK = """
import logging, os, sys
logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.__stdout__)
from steps import build
build.preload_dbt()
if os.environ.get("STREAMS_OWN_FDS"):
    # as an Airflow task finds them (dbt preloaded before, by the executor): stream objects that own fds 1 and 2,
    # referenced only by sys
    sys.stdout, sys.stderr = open(1, "w", closefd=True), open(2, "w", closefd=True)
build.run_dbt(*sys.argv[1:])
try:
    os.waitpid(-1, os.WNOHANG)
    print("a child is left")
except ChildProcessError:
    print("no child left")
"""


def _run(home: Settings, *arguments: str, streams_own_fds: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT), **({"STREAMS_OWN_FDS": "1"} if streams_own_fds else {})}
    return subprocess.run([sys.executable, "-c", RUN_IN_A_FORK, *arguments], cwd=PROJECT, capture_output=True,
                          text=True, env=env, timeout=300, check=False)


@pytest.mark.parametrize("streams_own_fds", [False, True], ids=["standard streams", "streams as a task's"])
def test_dbt_runs_in_a_fork_and_its_output_is_logged(home: Settings, streams_own_fds: bool) -> None:
    """Also when the process's streams own its fds 1 and 2, as an Airflow task's do: replacing them in the fork
    must not close the pipe its output goes through (it went into dbt's log file instead of the task log)."""
    done = _run(home, "ls", "--select", "dim_platform", "--resource-type", "model", streams_own_fds=streams_own_fds)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert any(line.startswith("running ") and line.endswith("(in a fork of this process, dbt preloaded)")
               for line in lines), lines
    assert "dbt: dialoog.marts.platforms.dim_platform" in lines
    assert lines[-1] == "no child left"
    # os._exit skips the interpreter's exit: multiprocessing's semaphores are still released (no tracker warning)
    assert "leaked semaphore" not in done.stdout + done.stderr


def test_a_failing_dbt_in_a_fork_raises_with_its_exit_code(home: Settings) -> None:
    done = _run(home, "run-operation", "no_such_macro")
    assert done.returncode != 0
    assert "RuntimeError: dbt run-operation no_such_macro failed (exit 2)" in done.stderr, done.stderr[-3000:]
    assert "dbt: dbt stopped: UndefinedMacroError" in done.stdout, done.stdout[-3000:]


def test_a_dbt_in_a_fork_leaves_no_write_ahead_log(home: Settings) -> None:
    """The fork ends with ``os._exit``, which skips the interpreter's exit: the DuckDB database dbt wrote to is
    closed before it (its write-ahead log written into the file), as the ``dbt`` command's exit would, so the next
    connection does not replay the build."""
    home.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    done = _run(home, "seed", "--select", "channel_themes")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "dbt: " in done.stdout and home.warehouse_path.is_file()
    assert not home.warehouse_path.with_name(home.warehouse_path.name + ".wal").exists()
