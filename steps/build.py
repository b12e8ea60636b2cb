"""Step *build*: dbt builds staging, intermediate models and marts (with all dbt tests) in the build warehouse.

dbt runs in its own process; its output goes to the task log. :func:`code_version` fingerprints everything the
marts are built with besides the data, so a change to it triggers a rebuild (see :mod:`steps.plan`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
from pathlib import Path

from core.settings import PROJECT_ROOT, Settings, get_settings
from steps.load import ensure_raw_tables

log = logging.getLogger(__name__)

DBT_PROJECT = PROJECT_ROOT / "dbt_project"

#: What the marts are built with besides the data: a change here rebuilds them even when no file is new.
#: ``ingestion/cbs.py`` holds the rule of which CBS list and merger statement is in force (views dbt reads).
BUILD_CODE = ("dbt_project/dbt_project.yml", "dbt_project/profiles.yml", "dbt_project/models", "dbt_project/seeds",
              "dbt_project/macros", "dbt_project/python", "ingestion/cbs.py")


def code_version() -> str:
    """SHA-256 over the dbt project and the classifier it runs (paths and contents)."""
    digest = hashlib.sha256()
    for root in BUILD_CODE:
        path = PROJECT_ROOT / root
        for file in sorted([path] if path.is_file() else path.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(str(file.relative_to(PROJECT_ROOT)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def dbt_command(*args: str) -> list[str]:
    """A dbt command line for the project (the dbt executable of this interpreter's environment)."""
    dbt = Path(sys.executable).with_name("dbt")
    return [str(dbt), *args, "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT)]


def run_dbt(*args: str, settings: Settings | None = None) -> None:
    """Run dbt in its own process against the build warehouse; its output goes to the task log."""
    settings = settings or get_settings()
    env = {**os.environ, "DIALOOG_WAREHOUSE": str(settings.warehouse_path),
           "DBT_TARGET_PATH": str(settings.home / "dbt" / "target"),
           "DBT_LOG_PATH": str(settings.home / "dbt" / "logs")}
    command = dbt_command(*args)
    log.info("running %s", " ".join(command))
    process = subprocess.run(command, env=env, cwd=DBT_PROJECT, capture_output=True, text=True, check=False)
    for line in process.stdout.splitlines():
        log.info("dbt: %s", line)
    if process.returncode != 0:
        command_text = " ".join(args)
        raise RuntimeError(f"dbt {command_text} failed (exit {process.returncode}); see the dbt lines above")


def build_warehouse(settings: Settings | None = None) -> None:
    """dbt build: seeds, staging, intermediate and marts, with all dbt tests."""
    settings = settings or get_settings()
    ensure_raw_tables(settings)
    run_dbt("build", settings=settings)
