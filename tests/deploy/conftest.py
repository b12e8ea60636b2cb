"""Fixtures of the deployment tests: the compose file as written and as Debian's docker-compose resolves it.

No Docker engine runs here: everything is read from the files (and `docker-compose config`, which only
parses). Install the parser with `apt-get install -y docker-compose`.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = PROJECT / "docker-compose.yml"
ENV_EXAMPLE = PROJECT / ".env.example"
DOCKER = PROJECT / "docker"
NO_COMPOSE = "Debian's docker-compose is not installed (apt-get install -y docker-compose)"


def load_env_secrets() -> ModuleType:
    """docker/env-secrets.py as a module (its file name is not an identifier)."""
    spec = importlib.util.spec_from_file_location("env_secrets", DOCKER / "env-secrets.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def docker_compose(*args: str, env_file: Path) -> subprocess.CompletedProcess[str]:
    """Run Debian's docker-compose on the repository's compose file (parsing only, no engine)."""
    # Debian's package, not a docker-compose that some Python environment put earlier on PATH.
    binary = shutil.which("docker-compose", path="/usr/bin")
    if binary is None:
        pytest.skip(NO_COMPOSE)
    command = [binary, "--project-directory", str(PROJECT), "-f", str(COMPOSE_FILE),
               "--env-file", str(env_file), *args]
    # A clean environment: only the env file may feed the interpolation.
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120,
                          env={"PATH": "/usr/bin:/bin"})


def env_lines(path: Path) -> dict[str, str]:
    """NAME=value lines of an env file."""
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            pairs[match.group(1)] = match.group(2)
    return pairs


@pytest.fixture(scope="session")
def filled_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What a user has after `cp .env.example .env && python3 docker/env-secrets.py .env`."""
    path = tmp_path_factory.mktemp("compose") / ".env"
    text, _ = load_env_secrets().fill_secrets(ENV_EXAMPLE.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    return path


def resolved_config(env_file: Path, *extra: str) -> dict[str, Any]:
    """`docker-compose config` of the repository's file, parsed."""
    result = docker_compose(*extra, "config", env_file=env_file)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


@pytest.fixture(scope="session")
def config(filled_env: Path) -> dict[str, Any]:
    """The default deployment, as docker-compose 1.29 resolves it."""
    return resolved_config(filled_env)


@pytest.fixture(scope="session")
def celery_config(filled_env: Path) -> dict[str, Any]:
    """The `celery` profile with the Celery executor and three workers, as docker-compose resolves it."""
    path = filled_env.with_name("celery.env")
    text = filled_env.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^AIRFLOW_EXECUTOR=.*$", "AIRFLOW_EXECUTOR=CeleryExecutor", text)
    text = re.sub(r"(?m)^AIRFLOW_CELERY_WORKERS=.*$", "AIRFLOW_CELERY_WORKERS=3", text)
    path.write_text(text, encoding="utf-8")
    return resolved_config(path, "--profile", "celery")


@pytest.fixture(scope="session")
def raw_compose() -> dict[str, Any]:
    """The compose file as written (YAML anchors and merges resolved, variables not interpolated)."""
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
