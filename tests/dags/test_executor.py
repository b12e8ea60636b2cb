"""The running Airflow's executor (dags/shared/executor.py) imports the steps, Great Expectations and dbt before it
starts its workers, from which every task is forked (the build task then runs dbt in a fork of its own:
tests/steps/test_dbt_fork.py). A real LocalExecutor started and ended in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import PROJECT

START_AND_END = """
import sys
from dags.shared.executor import PRELOADED, PreloadingLocalExecutor

executor = PreloadingLocalExecutor(parallelism=1)
before = [module for module in PRELOADED if module in sys.modules]
executor.start()
try:
    workers = len(executor.workers)
    after = [module for module in PRELOADED if module not in sys.modules]
    from steps import build
    dbt = build._dbt_preloaded and "dbt.cli.main" in sys.modules
finally:
    executor.end()
print(before, after, workers, dbt)
"""


def test_the_executor_imports_the_steps_before_it_starts_its_workers() -> None:
    done = subprocess.run([sys.executable, "-c", START_AND_END], cwd=PROJECT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(PROJECT)}, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    # nothing imported before start, everything after it (dbt too), and a worker was started (to fork the tasks from)
    assert done.stdout.strip().splitlines()[-1] == "[] [] 1 True"


def test_make_demo_runs_it() -> None:
    """``scripts/env.sh`` makes it the default (compose's default is checked in tests/deploy/test_compose.py)."""
    env_sh = (PROJECT / "scripts" / "env.sh").read_text(encoding="utf-8")
    path = "dags.shared.executor.PreloadingLocalExecutor"
    assert f'AIRFLOW__CORE__EXECUTOR="${{AIRFLOW__CORE__EXECUTOR:-{path}}}"' in env_sh
