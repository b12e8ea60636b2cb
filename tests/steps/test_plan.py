"""Full or incremental: the plan of each build, decided from raw._files and dq.transform_runs of a tiny hand-made
warehouse (no dbt); and when there is nothing to build at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core import warehouse
from core.bookkeeping import ensure_bookkeeping
from core.settings import Settings, full_refresh_asked
from steps.plan import ASKED_REASON, code_version, nothing_to_build, plan_build, scratch_path

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _files(home: Settings, *files: tuple[str, datetime]) -> None:
    """Rows of raw._files as the loaders write them: one per (source, loaded at)."""
    con = warehouse.connect(home)
    try:
        ensure_bookkeeping(con)
        for number, (source, loaded_at) in enumerate(files):
            con.execute("INSERT INTO raw._files VALUES (?, ?, ?, 'load', ?, 1, 0)",
                        [f"{source}-{loaded_at.isoformat()}-{number}", source, f"{source}/{number}.json", loaded_at])
    finally:
        con.close()


def _run(home: Settings, run_id: str, started_at: datetime, outcome: str, loaded_until: datetime | None,
         version: str | None = None) -> None:
    """A row of dq.transform_runs, as steps.build and steps.publish leave it."""
    con = warehouse.connect(home)
    try:
        ensure_bookkeeping(con)
        con.execute("INSERT INTO dq.transform_runs VALUES (?, ?, ?, 'full', 'a reason', NULL, ?, ?, 0, ?)",
                    [run_id, started_at, started_at + timedelta(minutes=1), loaded_until, version or code_version(),
                     outcome])
    finally:
        con.close()


@pytest.fixture
def published(home: Settings) -> Settings:
    """A warehouse whose build of two X API pages and the channel registry, loaded at T0, was published; its
    scratch file is there."""
    _files(home, ("x_api", T0), ("x_api", T0 - timedelta(minutes=1)), ("channels", T0 - timedelta(minutes=2)))
    _run(home, "run-1", T0 + timedelta(minutes=5), "published", T0)
    scratch_path(home).touch()
    return home


def test_the_first_build_is_full(home: Settings) -> None:
    _files(home, ("x_api", T0), ("channels", T0))
    plan = plan_build(home)
    assert (plan.mode, plan.reason) == ("full", "full: no build yet")
    assert plan.increment_after is None and plan.loaded_until == T0
    assert plan.new_files == {"channels": 1, "x_api": 1} and plan.code_version == code_version()


def test_new_social_files_only_make_an_incremental_build(published: Settings) -> None:
    later = T0 + timedelta(hours=1)
    _files(published, *[("x_api", later + timedelta(seconds=n)) for n in range(3)], ("webcare_csv", later),
           ("bluesky", later))
    plan = plan_build(published)
    assert plan.mode == "incremental"
    assert plan.increment_after == T0 and plan.loaded_until == later + timedelta(seconds=2)
    assert plan.new_files == {"x_api": 3, "webcare_csv": 1, "bluesky": 1}
    assert plan.reason == "incremental: 5 new file(s) since 2026-03-01 09:00:00 UTC: x_api 3, bluesky 1, webcare_csv 1"


def test_nothing_new_is_an_incremental_build_of_nothing(published: Settings) -> None:
    plan = plan_build(published)
    assert (plan.mode, plan.new_files) == ("incremental", {})
    assert plan.reason == "incremental: no new file since 2026-03-01 09:00:00 UTC"


def test_asked_for_is_full(published: Settings) -> None:
    _files(published, ("x_api", T0 + timedelta(hours=1)))
    plan = plan_build(published, full_refresh=True)
    assert (plan.mode, plan.reason) == ("full", ASKED_REASON)
    assert plan.new_files == {"x_api": 1} and plan.increment_after == T0


@pytest.mark.parametrize("outcome", ["running", "failed", "built"])
def test_after_a_build_that_did_not_end_published_the_next_is_full(published: Settings, outcome: str) -> None:
    """A killed build leaves 'running', a dbt error 'failed', a fatal mart check or a failed publish 'built':
    none of them is a base an incremental build may stand on."""
    _files(published, ("x_api", T0 + timedelta(hours=1)))
    _run(published, "run-2", T0 + timedelta(hours=1, minutes=5), outcome, T0 + timedelta(hours=1))
    _files(published, ("x_api", T0 + timedelta(hours=2)))
    plan = plan_build(published)
    assert plan.mode == "full"
    assert plan.reason == f"full: the previous build (run run-2) did not finish or was not published (it is {outcome})"
    assert plan.increment_after == T0 and plan.new_files == {"x_api": 2}  # counted from the last published build


def test_a_code_change_is_full(published: Settings) -> None:
    _run(published, "run-2", T0 + timedelta(hours=1), "published", T0, version="the dbt project of yesterday")
    _files(published, ("x_api", T0 + timedelta(hours=2)))
    plan = plan_build(published)
    assert (plan.mode, plan.reason) == ("full", "full: the dbt project or classifier changed since the last build")


def test_a_missing_scratch_file_is_full(published: Settings) -> None:
    scratch_path(published).unlink()
    _files(published, ("x_api", T0 + timedelta(hours=1)))
    plan = plan_build(published)
    assert plan.mode == "full"
    assert plan.reason.startswith("full: the scratch file with the incremental tables is missing")
    assert str(published.warehouse_path) + ".scratch" in plan.reason


def test_reference_data_is_full(published: Settings) -> None:
    later = T0 + timedelta(hours=1)
    _files(published, ("x_api", later), ("channels", later), ("cbs_gemeenten", later), ("webcare_csv", later))
    plan = plan_build(published)
    assert (plan.mode, plan.reason) == ("full", "full: 2 new file(s) of cbs_gemeenten, channels change reference data")
    assert plan.new_files == {"x_api": 1, "channels": 1, "cbs_gemeenten": 1, "webcare_csv": 1}


@pytest.mark.parametrize("source", ["survey", "cbs_herindelingen", "cbs_bevolking"])
def test_every_source_but_social_messages_is_reference_data(published: Settings, source: str) -> None:
    _files(published, (source, T0 + timedelta(hours=1)))
    assert plan_build(published).mode == "full"


@pytest.mark.parametrize("source", ["x_api", "x_archive", "facebook_graph", "instagram_graph", "mastodon_api",
                                    "mastodon_archive", "bluesky", "webcare_csv"])
def test_every_social_message_source_can_be_taken_in_incrementally(published: Settings, source: str) -> None:
    _files(published, (source, T0 + timedelta(hours=1)))
    assert plan_build(published).mode == "incremental"


def _served(home: Settings) -> None:
    """The published build's copy is served."""
    home.serving_path.parent.mkdir(parents=True, exist_ok=True)
    home.serving_path.touch()


def _nothing_to_build(home: Settings, full_refresh: bool = False) -> bool:
    return nothing_to_build(plan_build(home, full_refresh=full_refresh), home)


def test_nothing_new_on_a_served_build_is_nothing_to_build(published: Settings) -> None:
    assert not _nothing_to_build(published)  # nothing served: a build of nothing new, to publish
    _served(published)
    assert _nothing_to_build(published)
    _files(published, ("x_api", T0 + timedelta(hours=1)))
    assert not _nothing_to_build(published)


def test_a_build_that_did_not_end_published_is_retried_even_when_nothing_is_new(published: Settings) -> None:
    _served(published)
    assert _nothing_to_build(published)
    _run(published, "run-2", T0 + timedelta(hours=1), "failed", T0)
    assert not _nothing_to_build(published)


def test_a_code_change_builds_even_when_nothing_is_new(published: Settings) -> None:
    _served(published)
    _run(published, "run-2", T0 + timedelta(hours=1), "published", T0, version="the dbt project of yesterday")
    assert not _nothing_to_build(published)


def test_a_full_refresh_builds_even_when_nothing_is_new(published: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    _served(published)
    assert _nothing_to_build(published)
    assert not _nothing_to_build(published, full_refresh=True)
    for value, asked in (("1", True), ("true", True), ("0", False), ("", False)):
        monkeypatch.setenv("DIALOOG_FULL_REFRESH", value)
        assert full_refresh_asked() is asked, value
