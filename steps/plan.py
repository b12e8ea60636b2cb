"""What a run must do (:func:`plan_build`): nothing, a full build or an incremental one.

An incremental dbt build recomputes only what the social message files loaded after the previous build touch. The
dbt project guarantees that it equals a full build only when, since the previous build, nothing but social message
files arrived, the code the marts are built with (:func:`code_version`) did not change, and that previous build
finished and was published (``dq.transform_runs``). Anything else, or a missing scratch file (the incremental
tables of the message-grain intermediates live there), makes the build a full one; so does asking for it
(``DIALOOG_FULL_REFRESH=1``, ``make pipeline FULL_REFRESH=1``). When nothing at all was loaded since a build that
was published and is still served, and nothing else calls for a full build, there is nothing to build
(:func:`nothing_to_build`): the transform DAG skips its build and publish.

:func:`code_version` lives here, not in :mod:`steps.build` (which re-exports it), because the build step plans
its build: the build imports the plan, so the plan may not import the build.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core import warehouse
from core.bookkeeping import ensure_bookkeeping, loaded_until
from core.settings import FULL_REFRESH_VARIABLE, PROJECT_ROOT, Settings, get_settings
from ingestion.social import SOURCES as SOCIAL_SOURCES

#: What the marts are built with besides the data: a change here rebuilds them even when no file is new.
#: ``ingestion/cbs.py`` holds the rule of which CBS list and merger statement is in force (views dbt reads).
BUILD_CODE = ("dbt_project/dbt_project.yml", "dbt_project/profiles.yml", "dbt_project/models", "dbt_project/seeds",
              "dbt_project/macros", "dbt_project/python", "ingestion/cbs.py")

#: The sources whose new files an incremental build can take in: the social message copies (the loaders' list;
#: the dbt project's is its var ``social_message_models``). A new file of any other source (CBS lists, mergers,
#: population, channels, survey) changes reference data every mart reads, so it needs a full build.
SOCIAL_MESSAGE_SOURCES: frozenset[str] = frozenset(source.name for source in SOCIAL_SOURCES)

#: The reason of a full build that was asked for: the plan cannot tell which of the two ways asked.
ASKED_REASON = f"full: asked for ({FULL_REFRESH_VARIABLE}=1 or the DAG run's conf full_refresh)"


def code_version() -> str:
    """SHA-256 over the dbt project and the classifier it runs (paths and contents)."""
    digest = hashlib.sha256()
    for root in BUILD_CODE:
        path = PROJECT_ROOT / root
        for file in sorted([path] if path.is_file() else path.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(str(file.relative_to(PROJECT_ROOT)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def scratch_path(settings: Settings) -> Path:
    """The scratch database file next to the build warehouse (dbt_project/profiles.yml attaches it)."""
    return settings.warehouse_path.with_name(settings.warehouse_path.name + ".scratch")


@dataclass(frozen=True)
class BuildPlan:
    """What one dbt build will do and why; :mod:`steps.build` records it in ``dq.transform_runs``."""

    #: ``full`` (every table rebuilt from all raw data) or ``incremental`` (only what new social files touch).
    mode: str
    #: One sentence for the data engineer reading the log and the audit report.
    reason: str
    #: Up to which load time the previous published build was made (None before the first one): an incremental
    #: build takes in the files loaded after it; for a full build it is where ``new_files`` are counted from.
    increment_after: datetime | None
    #: The newest load time in the raw layer now: what this build covers.
    loaded_until: datetime | None
    #: :func:`code_version` of this build.
    code_version: str
    #: Files loaded after ``increment_after``, per source.
    new_files: dict[str, int] = field(default_factory=dict)

    @property
    def new_file_count(self) -> int:
        return sum(self.new_files.values())


@dataclass(frozen=True)
class TransformRun:
    """The newest row of ``dq.transform_runs``: the current build and how far it got."""

    run_id: str
    outcome: str
    code_version: str
    loaded_until: datetime | None


def newest_transform_run(con: duckdb.DuckDBPyConnection) -> TransformRun | None:
    """The current build (the newest transform run), or None before the first one."""
    row = con.execute("SELECT run_id, outcome, code_version, loaded_until FROM dq.transform_runs "
                      "ORDER BY started_at DESC LIMIT 1").fetchone()
    return TransformRun(*row) if row else None


def plan_build(settings: Settings | None = None, full_refresh: bool = False) -> BuildPlan:
    """Plan the next dbt build of the build warehouse (see the module's docstring for when it is full)."""
    settings = settings or get_settings()
    con = warehouse.connect(settings)
    try:
        ensure_bookkeeping(con)
        return plan_with(con, settings, full_refresh)
    finally:
        con.close()


def plan_with(con: duckdb.DuckDBPyConnection, settings: Settings, full_refresh: bool) -> BuildPlan:
    """:func:`plan_build` on an open connection to the build warehouse (its bookkeeping tables ensured)."""
    version = code_version()
    newest = newest_transform_run(con)
    published = con.execute("SELECT loaded_until FROM dq.transform_runs WHERE outcome = 'published' "
                            "ORDER BY started_at DESC LIMIT 1").fetchone()
    after = published[0] if published else None
    new_files = dict(con.execute(
        "SELECT source, count(*) FROM raw._files WHERE ? IS NULL OR loaded_at > ? GROUP BY source ORDER BY source",
        [after, after]).fetchall())
    reference = {source: n for source, n in new_files.items() if source not in SOCIAL_MESSAGE_SOURCES}

    def plan(mode: str, reason: str) -> BuildPlan:
        return BuildPlan(mode=mode, reason=reason, increment_after=after, loaded_until=loaded_until(con),
                         code_version=version, new_files=new_files)

    if full_refresh:
        return plan("full", ASKED_REASON)
    if newest is None:
        return plan("full", "full: no build yet")
    if newest.outcome != "published":
        return plan("full", f"full: the previous build (run {newest.run_id}) did not finish or was not published "
                            f"(it is {newest.outcome})")
    if newest.code_version != version:
        return plan("full", "full: the dbt project or classifier changed since the last build")
    if not scratch_path(settings).exists():
        return plan("full", f"full: the scratch file with the incremental tables is missing ({scratch_path(settings)})")
    if after is None:
        return plan("full", "full: the previous build covered no loaded file")
    if reference:
        return plan("full", f"full: {sum(reference.values())} new file(s) of {', '.join(sorted(reference))} "
                            "change reference data")
    since = f"{after.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
    if not new_files:
        return plan("incremental", f"incremental: no new file since {since}")
    counts = ", ".join(f"{source} {n}" for source, n in sorted(new_files.items(), key=lambda item: (-item[1], item[0])))
    return plan("incremental", f"incremental: {sum(new_files.values())} new file(s) since {since}: {counts}")


def nothing_to_build(plan: BuildPlan, settings: Settings) -> bool:
    """Whether ``plan`` has nothing to do: an incremental build with no new file, on a build that was published
    (with the same code, or the plan would be full) and is still served. A build asked for, a build that did not end
    published or a changed dbt project or classifier make the plan full, and a missing served file needs a build
    to publish, so each of those builds."""
    return plan.mode == "incremental" and not plan.new_files and settings.serving_path.exists()
