"""When the transform DAG rebuilds: new loads, changed models or classifier, or nothing published yet."""

from __future__ import annotations

from datetime import UTC, datetime

from core import warehouse
from core.bookkeeping import loaded_until as newest_load
from core.settings import Settings
from steps.build import code_version
from steps.load import load_family
from steps.plan import needs_build


def loaded_until(home: Settings) -> datetime | None:
    con = warehouse.connect(home)
    try:
        return newest_load(con)
    finally:
        con.close()


def _published(home: Settings, version: str, until: datetime | None) -> None:
    home.serving_path.parent.mkdir(parents=True, exist_ok=True)
    home.serving_path.touch()
    con = warehouse.connect(home)
    try:
        con.execute("INSERT INTO dq.builds VALUES (?, ?, 'published', '{}', ?)", [datetime.now(UTC), until, version])
    finally:
        con.close()


def test_rebuild_only_for_new_loads_or_changed_code(home: Settings) -> None:
    load_family("cbs", home)
    assert needs_build(home)  # nothing published yet
    _published(home, code_version(), loaded_until(home))
    assert not needs_build(home)  # same data, same code
    _published(home, "an older dbt project", loaded_until(home))
    assert needs_build(home)  # the models changed since the last publish
    _published(home, code_version(), datetime(2000, 1, 1, tzinfo=UTC))
    assert needs_build(home)  # files loaded after the last publish
