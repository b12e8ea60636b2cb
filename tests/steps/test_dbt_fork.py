"""dbt in a fork of a process that preloaded it (steps/build.py, ``preload_dbt``: the tasks of a running Airflow):
the real dbt runs, its output reaches the log, a failure raises with dbt's exit code, and no process is left behind.
In a fresh interpreter each, so the test session itself is never forked."""

from __future__ import annotations

import os
import subprocess
import sys

from core.settings import Settings
from tests.conftest import PROJECT

RUN_IN_A_FORK = """
import logging, os, sys
logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
from steps import build
build.preload_dbt()
build.run_dbt(*sys.argv[1:])
try:
    os.waitpid(-1, os.WNOHANG)
    print("a child is left")
except ChildProcessError:
    print("no child left")
"""


def _run(home: Settings, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", RUN_IN_A_FORK, *arguments], cwd=PROJECT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(PROJECT)}, timeout=300, check=False)


def test_dbt_runs_in_a_fork_and_its_output_is_logged(home: Settings) -> None:
    done = _run(home, "ls", "--select", "dim_platform", "--resource-type", "model")
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
