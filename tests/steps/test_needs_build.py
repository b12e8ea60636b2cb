"""When the transform DAG builds at all: after new loads, changed models or classifier, or before anything was
published; never for nothing (steps.plan.nothing_to_build, on files the real CBS loader loads)."""

from __future__ import annotations

from datetime import UTC, datetime

from core import warehouse
from core.bookkeeping import loaded_until as newest_load
from core.settings import Settings
from steps.build import code_version
from steps.load import load_family
from steps.plan import nothing_to_build, plan_build, scratch_path


def loaded_until(home: Settings) -> datetime | None:
    con = warehouse.connect(home)
    try:
        return newest_load(con)
    finally:
        con.close()


def _published(home: Settings, version: str, until: datetime | None) -> None:
    """A build up to ``until`` with code ``version`` was published (dq.transform_runs) and is served."""
    home.serving_path.parent.mkdir(parents=True, exist_ok=True)
    home.serving_path.touch()
    scratch_path(home).touch()
    con = warehouse.connect(home)
    try:
        con.execute("INSERT INTO dq.transform_runs (run_id, started_at, mode, reason, loaded_until, code_version, "
                    "new_files, outcome) VALUES (?, ?, 'full', 'a reason', ?, ?, 0, 'published')",
                    [f"run-{datetime.now(UTC).isoformat()}", datetime.now(UTC), until, version])
    finally:
        con.close()


def _builds(home: Settings) -> bool:
    return not nothing_to_build(plan_build(home), home)


def test_build_only_for_new_loads_or_changed_code(home: Settings) -> None:
    load_family("cbs", home)
    assert _builds(home)  # nothing published yet
    _published(home, code_version(), loaded_until(home))
    assert not _builds(home)  # same data, same code
    _published(home, "an older dbt project", loaded_until(home))
    assert _builds(home)  # the models changed since the last publish
    _published(home, code_version(), datetime(2000, 1, 1, tzinfo=UTC))
    assert _builds(home)  # files loaded after the last publish
    _published(home, code_version(), loaded_until(home))
    home.serving_path.unlink()
    assert _builds(home)  # nothing new, but nothing served either
