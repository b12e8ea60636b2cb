"""Run the benchmark at one scale: generate demo exports, measure each format three ways, run the pipeline."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import requests

from bench.dashboards import measure_dashboards
from bench.formats import FORMATS
from bench.increment import write_hourly_increment
from core.settings import PROJECT_ROOT

METHODS = ("ours", "floor", "peer")
#: Airflow tasks whose durations the results file reports, by what they stand for.
PIPELINE_TASKS = {"dbt build": "dbt_build", "validation (mart suites)": "validate_marts", "publish": "publish"}
#: The tasks an hourly increment's table reports: the social load (the only loader with new files) and the transform.
INCREMENT_TASKS = {"load social": "load_social", **PIPELINE_TASKS}
#: The hourly increments measured after a scale's full run, one after the other, each by `make pipeline` alone
#: (Airflow started for it, DAGs run with ``dag.test()``, as without services).
INCREMENT_HOURS = (0, 1)
#: Then the next hours through a running Airflow, as `make demo` and the compose services run them every hour: its
#: scheduler runs the tasks, `scripts/pipeline.sh` triggers the DAGs through the REST API and waits for them.
SCHEDULER_HOURS = (2, 3)
#: How each increment went through Airflow, as the results table says it.
THROUGH_DAG_TEST = "make pipeline"
THROUGH_SCHEDULER = "running scheduler"


@dataclass
class ScaleResult:
    """Everything measured at one scale."""

    scale: float
    generate_seconds: float = 0.0
    files: dict[str, int] = field(default_factory=dict)
    megabytes: dict[str, float] = field(default_factory=dict)
    #: format → method → {"seconds", "rows", "peak_rss_mb"}
    loads: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    #: DAG id → seconds, and "end to end" (the whole scripts/pipeline.sh)
    dags: dict[str, float] = field(default_factory=dict)
    tasks: dict[str, float] = field(default_factory=dict)
    pipeline_ok: bool = True
    #: Peak RSS of the biggest process the pipeline ran (Airflow's, a task's, dbt's), MB.
    pipeline_peak_rss_mb: float = 0.0
    #: The dashboards' chart queries through Superset: {"charts": {name: s}, "max": s, "median": s}.
    dashboards: dict = field(default_factory=dict)
    #: Hourly increments after the full run (:func:`measure_increment`), in the order run.
    increments: list[dict] = field(default_factory=list)


def run_scale(scale: float, workdir: Path, formats: tuple[str, ...] = FORMATS, methods: tuple[str, ...] = METHODS,
              pipeline: bool = True, dashboards: bool = True, landing: Path | None = None,
              increment: bool = True) -> ScaleResult:
    """Measure one scale in a fresh DIALOOG_HOME under ``workdir``; the home is deleted afterwards.

    ``landing``: an existing landing zone of that scale to use (hard-linked) instead of generating one.
    ``increment``: after the full pipeline run, time the hourly increments (:data:`INCREMENT_HOURS`)."""
    home = workdir / f"scale-{scale:g}"
    shutil.rmtree(home, ignore_errors=True)
    result = ScaleResult(scale)
    try:
        if landing is None:
            result.generate_seconds = _generate(home, scale)
        else:
            shutil.copytree(landing, home / "landing", copy_function=os.link)
        measure_loads(home, result, formats, methods)
        if pipeline:
            _pipeline(home, result)
            if dashboards and result.pipeline_ok:
                try:
                    result.dashboards = measure_dashboards(home)
                    _log(f"scale {scale:g}: slowest chart query {result.dashboards['max']:.2f} s")
                except (OSError, subprocess.SubprocessError, requests.RequestException) as exc:
                    # A failed measurement is reported, and must not lose the hour of measuring before it.
                    result.dashboards = {"error": _failure(exc)}
                    _log(f"scale {scale:g}: dashboards not measured: {result.dashboards['error']}")
            if increment and result.pipeline_ok:
                measure_increments(home, result)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return result


def measure_loads(home: Path, result: ScaleResult, formats: tuple[str, ...] = FORMATS,
                  methods: tuple[str, ...] = METHODS) -> None:
    """Measure every format of the landing zone under ``home`` with every method, into ``result``."""
    for fmt in formats:
        files = [p for p in (home / "landing" / fmt).rglob("*") if p.is_file()]
        result.files[fmt] = len(files)
        result.megabytes[fmt] = sum(p.stat().st_size for p in files) / 1e6
        result.loads[fmt] = {m: _child(m, fmt, home) for m in methods}
        _log(f"scale {result.scale:g} {fmt}: " + ", ".join(
            f"{m} {r['rows']:.0f} rows in {r['seconds']:.1f} s" for m, r in result.loads[fmt].items()))


def _failure(exc: BaseException) -> str:
    """What went wrong, with the end of a failed command's output."""
    output = getattr(exc, "stderr", None) or getattr(exc, "output", None) or b""
    text = output.decode("utf-8", "replace") if isinstance(output, bytes) else str(output)
    return f"{type(exc).__name__}: {exc}" + (f" — {text.strip()[-1500:]}" if text.strip() else "")


def _log(line: str) -> None:
    print(f"bench: {line}", file=sys.stderr, flush=True)


#: Set by ``scripts/env.sh`` from the caller's DIALOOG_HOME (``make bench`` sources it). Inherited, they sent the
#: bench's pipeline to the caller's Airflow metadata DB: ``env.sh`` derives them again from the bench's home.
HOME_DERIVED = ("AIRFLOW_HOME", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE")


def _env(home: Path, airflow_port: int | None = None) -> dict[str, str]:
    """The environment of the bench's commands on ``home``; with ``airflow_port``, of a running Airflow there (the
    execution API's URL then follows from the port again, as ``env.sh`` derives it)."""
    derived = HOME_DERIVED + (("AIRFLOW__CORE__EXECUTION_API_SERVER_URL",) if airflow_port else ())
    inherited = {name: value for name, value in os.environ.items() if name not in derived}
    port = {"AIRFLOW_PORT": str(airflow_port)} if airflow_port else {}
    return {**inherited, "DIALOOG_HOME": str(home), "PYTHONPATH": str(PROJECT_ROOT), **port}


def _generate(home: Path, scale: float) -> float:
    started = time.monotonic()
    # Valid exports only: DuckDB's own reader (the floor) stops at the bad day's truncated page.
    subprocess.run([sys.executable, "-m", "demo", "--home", str(home), "--scale", str(scale), "--no-bad-day"],
                   env=_env(home), check=True, stdout=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    _log(f"scale {scale:g}: demo exports generated in {seconds:.0f} s")
    return seconds


def _child(method: str, fmt: str, home: Path) -> dict[str, float]:
    """One measurement in a child process (its own peak RSS)."""
    args = json.dumps({"method": method, "format": fmt, "home": str(home)})
    done = subprocess.run([sys.executable, "-m", "bench.child", args], env=_env(home), check=False,
                          capture_output=True, text=True)
    if done.returncode != 0:  # say why: the child's output is captured, and lost with a bare CalledProcessError
        raise RuntimeError(f"bench.child {method} {fmt} failed ({done.returncode}):\n{done.stderr.strip()[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _pipeline(home: Path, result: ScaleResult) -> None:
    """The whole ``scripts/pipeline.sh`` (Airflow, loaders, dbt, suites, publish) on the landing zone."""
    result.dags["end to end"], result.pipeline_ok, result.pipeline_peak_rss_mb = _run_pipeline(home)
    result.dags.update(_dag_seconds(home / "airflow" / "airflow.db"))
    result.tasks = _task_seconds(home / "airflow" / "airflow.db")
    _log(f"scale {result.scale:g}: pipeline {'ok' if result.pipeline_ok else 'FAILED'} "
         f"in {result.dags['end to end']:.0f} s")


def _run_pipeline(home: Path, airflow_port: int | None = None) -> tuple[float, bool, float]:
    """Run ``scripts/pipeline.sh`` once: (wall seconds, succeeded, peak RSS in MB of its biggest process). With
    ``airflow_port`` the home's Airflow runs there and does the work in its own processes: the peak is then that of
    the biggest of those (a task, its dbt), sampled while the script runs."""
    started = time.monotonic()
    # Run through a small parent that reports the peak RSS of its descendants (Airflow, tasks, dbt).
    with _PeakOfSession(int((home / "run" / "airflow.pid").read_text()) if airflow_port else None) as airflow:
        done = subprocess.run([sys.executable, "-c", _PEAK_OF_CHILD, "bash",
                               str(PROJECT_ROOT / "scripts" / "pipeline.sh")],
                              env=_env(home, airflow_port), capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    peak = [line for line in done.stderr.splitlines() if line.startswith("peak_rss_kb=")]
    if done.returncode != 0:
        _log(f"pipeline failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    if airflow_port:
        return seconds, done.returncode == 0, airflow.peak_mb
    return seconds, done.returncode == 0, int(peak[-1].split("=")[1]) / 1024 if peak else 0.0


class _PeakOfSession:
    """The largest RSS of any one process of session ``session`` (a running Airflow started with ``setsid``: its
    scheduler, the tasks forked from it, their dbt), sampled every :attr:`EVERY_S` seconds inside the ``with``
    block; None samples nothing. A spike shorter than the interval can be missed."""

    EVERY_S = 0.2

    def __init__(self, session: int | None) -> None:
        self.session = session
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> _PeakOfSession:
        if self.session is not None:
            self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _sample(self) -> None:
        page_mb = os.sysconf("SC_PAGE_SIZE") / 2**20
        while not self._stop.wait(self.EVERY_S):
            for proc in Path("/proc").glob("[0-9]*"):
                try:
                    if int((proc / "stat").read_text().rsplit(")", 1)[1].split()[3]) != self.session:
                        continue
                    resident = int((proc / "statm").read_text().split()[1])
                except (OSError, IndexError, ValueError):
                    continue  # gone meanwhile
                self.peak_mb = max(self.peak_mb, resident * page_mb)


def measure_increments(home: Path, result: ScaleResult) -> None:
    """The hourly increments on the warehouse the full run published, into ``result``: :data:`INCREMENT_HOURS` by
    `make pipeline` alone, then :data:`SCHEDULER_HOURS` through the home's Airflow running. After one that fails,
    the next is not run (its warehouse is not the published one it should start from)."""
    for hour in INCREMENT_HOURS:
        if not _measure_hour(home, result, hour):
            return
    try:
        with running_airflow(home) as port:
            for hour in SCHEDULER_HOURS:
                if not _measure_hour(home, result, hour, port):
                    return
    except (OSError, RuntimeError, subprocess.SubprocessError, requests.RequestException) as exc:
        result.increments.append({"hour": SCHEDULER_HOURS[0], "through": THROUGH_SCHEDULER, "ok": False,
                                  "error": f"Airflow did not start or stop: {_failure(exc)}"})


def _measure_hour(home: Path, result: ScaleResult, hour: int, airflow_port: int | None = None) -> bool:
    """Measure one hour into ``result``; whether it went well."""
    through = THROUGH_SCHEDULER if airflow_port else THROUGH_DAG_TEST
    try:
        measured = {"through": through, **measure_increment(home, hour, airflow_port)}
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        measured = {"hour": hour, "through": through, "ok": False, "error": _failure(exc)}
    result.increments.append(measured)
    if "error" in measured:
        _log(f"scale {result.scale:g}: hourly increment {hour} not measured: {measured['error']}")
    else:
        _log(f"scale {result.scale:g}: hourly increment {hour} ({measured['messages']:,} messages, {through}) "
             f"{'ok' if measured['ok'] else 'FAILED'} in {measured['seconds']:.1f} s, "
             f"transform {measured['plan_mode'] or 'not recorded'}")
    return measured["ok"]


def measure_increment(home: Path, hour: int, airflow_port: int | None = None) -> dict:
    """Write one hour of new exports (:func:`bench.increment.write_hourly_increment`) into the home's landing zone
    and run the whole pipeline through Airflow again (``airflow_port``: the home's Airflow running there): what was
    written, the wall seconds end to end, the DAGs' and the tasks' seconds of this run only (from Airflow's metadata
    DB), the peak RSS, and the plan of the transform (the newest row of ``dq.transform_runs``)."""
    airflow_db = home / "airflow" / "airflow.db"
    runs_before = _last_dag_run(airflow_db)
    written = write_hourly_increment(home / "landing", hour)
    seconds, ok, peak_mb = _run_pipeline(home, airflow_port)
    return {"hour": hour, "messages": written["messages"], "late_replies": written["late_replies"],
            "copies": written["copies"], "files": written["files"], "redelivered": written["redelivered"],
            "seconds": seconds, "ok": ok, "peak_rss_mb": peak_mb,
            "dags": _dag_seconds(airflow_db, after=runs_before),
            "tasks": _task_seconds(airflow_db, INCREMENT_TASKS, after=runs_before), **_transform_plan(home)}


@contextmanager
def running_airflow(home: Path) -> Iterator[int]:
    """The home's Airflow (``scripts/services.sh airflow``: api-server, scheduler, dag-processor) on a free port,
    once the runs its scheduler starts by itself (each loader's run of the hour that passed) have ended; stopped
    afterwards."""
    port = _free_port()
    env = _env(home, port)
    services = str(PROJECT_ROOT / "scripts" / "services.sh")
    subprocess.run(["bash", services, "airflow"], env=env, check=True, capture_output=True, timeout=600)
    try:
        wait_until_nothing_is_due(f"http://localhost:{port}", env)
        yield port
    finally:
        subprocess.run(["bash", services, "stop"], env=env, check=False, capture_output=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_nothing_is_due(base: str, env: dict[str, str], timeout_s: float = 600) -> None:
    """Until the Airflow at ``base`` has no DAG run queued or running and none due: every scheduled DAG's next
    run is after now (a scheduler that just started first creates the runs of the hour that has passed). Logs in
    with ``env``'s admin login. Also what ``tests/e2e/test_services.py`` waits with."""
    token = requests.post(f"{base}/auth/token", json={"username": env.get("DIALOOG_ADMIN_USER", "admin"),
                          "password": env.get("DIALOOG_ADMIN_PASSWORD", "admin")}, timeout=30).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        active = requests.get(f"{base}/api/v2/dags/~/dagRuns", params={"state": ["queued", "running"]},
                              headers=headers, timeout=30)
        dags = requests.get(f"{base}/api/v2/dags", params={"paused": "false"}, headers=headers, timeout=30)
        active.raise_for_status()
        dags.raise_for_status()
        now = datetime.now(UTC)
        due = [dag["dag_id"] for dag in dags.json()["dags"]
               if dag["next_dagrun_run_after"] and datetime.fromisoformat(dag["next_dagrun_run_after"]) <= now]
        if active.json()["total_entries"] == 0 and not due:
            return
        time.sleep(1)
    raise RuntimeError(f"Airflow's own DAG runs did not end within {timeout_s:.0f} s")


def _transform_plan(home: Path) -> dict[str, str | None]:
    """Mode (``full`` / ``incremental``) and reason of the newest transform run, None where not recorded (a
    warehouse from before ``dq.transform_runs``)."""
    try:
        con = duckdb.connect(str(home / "warehouse" / "warehouse.duckdb"), read_only=True)
    except duckdb.Error:
        return {"plan_mode": None, "plan_reason": None}
    try:
        row = con.execute("SELECT mode, reason FROM dq.transform_runs ORDER BY started_at DESC LIMIT 1").fetchone()
    except duckdb.Error:  # no such table yet
        row = None
    finally:
        con.close()
    return {"plan_mode": row[0] if row else None, "plan_reason": row[1] if row else None}


_PEAK_OF_CHILD = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:]).returncode
print(f"peak_rss_kb={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}", file=sys.stderr)
sys.exit(code)
"""


def _query(db: Path, sql: str) -> list[tuple]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as con:
        return con.execute(sql).fetchall()


def _last_dag_run(db: Path) -> int:
    """The id of the newest DAG run so far (0 before any): the runs after it are the next pipeline's."""
    rows = _query(db, "SELECT coalesce(max(id), 0) FROM dag_run")
    return int(rows[0][0]) if rows else 0


def _dag_seconds(db: Path, after: int = 0) -> dict[str, float]:
    """Seconds of each DAG's run, of the runs after DAG run id ``after`` (the newest run of a DAG counts)."""
    rows = _query(db, "SELECT dag_id, (julianday(end_date) - julianday(start_date)) * 86400 FROM dag_run "
                      f"WHERE end_date IS NOT NULL AND id > {int(after)} ORDER BY id")
    return {dag: float(seconds) for dag, seconds in rows}


def _task_seconds(db: Path, tasks: dict[str, str] = PIPELINE_TASKS, after: int = 0) -> dict[str, float]:
    """Seconds of the ``tasks`` (label → task id) in the DAG runs after DAG run id ``after``."""
    rows = dict(_query(db, "SELECT ti.task_id, ti.duration FROM task_instance ti JOIN dag_run r "
                           "ON r.dag_id = ti.dag_id AND r.run_id = ti.run_id "
                           f"WHERE ti.duration IS NOT NULL AND r.id > {int(after)} ORDER BY r.id"))
    return {label: float(rows[task]) for label, task in tasks.items() if task in rows}
