"""make release: the same inputs give the same bytes, a changed input a new version, and bad state writes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from release.build import make_release, verify_release
from release.state import ReleaseError
from tests.release.conftest import SERVING, copy_home, execute

PROJECT = Path(__file__).resolve().parents[2]


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def everything_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*")) if path.exists() else []


def built_at(home: Path) -> datetime:
    con = duckdb.connect(str(home / SERVING), read_only=True)
    try:
        return con.execute("SELECT max(built_at) FROM dq.builds WHERE outcome = 'published'").fetchone()[0]
    finally:
        con.close()


def test_two_releases_of_the_same_inputs_are_byte_identical(published_home: Path, tmp_path: Path) -> None:
    first = make_release(published_home, tmp_path / "a", commit="c" * 40)
    second = make_release(published_home, tmp_path / "b", commit="c" * 40)
    assert first.name == second.name and first.parent != second.parent
    assert first.name.startswith("v") and len(first.name) == 13
    files = tree(first)
    assert files == tree(second)
    assert {"README.md", "datapackage.json", "manifest.json", "data/rpt_municipality_year.csv",
            "data/rpt_municipality_year.parquet", "data/dim_channel.parquet"} <= set(files)
    assert [p.name for p in (tmp_path / "a").iterdir()] == [first.name]  # no staging folder left
    # Releasing again into the same root is a no-op that returns the same folder.
    mtimes = {p: p.stat().st_mtime_ns for p in first.rglob("*")}
    assert make_release(published_home, tmp_path / "a", commit="c" * 40) == first
    assert {p: p.stat().st_mtime_ns for p in first.rglob("*")} == mtimes
    assert verify_release(first) == first.name


def test_the_release_names_the_projects_commit_and_tools(published_home: Path, tmp_path: Path) -> None:
    head = lambda: subprocess.run(["git", "-C", str(PROJECT), "rev-parse", "HEAD"], capture_output=True,  # noqa: E731
                                  text=True, check=True).stdout.strip()
    before = head()
    manifest = json.loads((make_release(published_home, tmp_path / "r") / "manifest.json").read_text("utf-8"))
    assert manifest["commit"] in {before, head()}  # others may commit meanwhile
    assert set(manifest["tools"]) == {"dbt-core", "dbt-duckdb", "great-expectations", "duckdb"}
    assert manifest["tools"]["duckdb"] == duckdb.__version__
    other = make_release(published_home, tmp_path / "s", commit="d" * 40)
    assert other.name != manifest["version"], "the commit is part of the content, so of the version"


def test_a_changed_input_changes_the_version(published_home: Path, tmp_path: Path) -> None:
    unchanged = make_release(published_home, tmp_path / "r", commit="c" * 40)
    home = copy_home(published_home, tmp_path / "home")
    execute(home, "UPDATE marts.rpt_national_year SET questions = questions + 1 "
                  "WHERE year = (SELECT max(year) FROM marts.rpt_national_year)")
    changed = make_release(home, tmp_path / "r", commit="c" * 40)
    assert changed.name != unchanged.name
    assert changed.parent == unchanged.parent
    assert tree(unchanged)["data/dim_channel.csv"] == tree(changed)["data/dim_channel.csv"]
    assert tree(unchanged)["data/rpt_national_year.csv"] != tree(changed)["data/rpt_national_year.csv"]


def test_no_published_warehouse_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    with pytest.raises(ReleaseError, match="no published warehouse at .*make pipeline"):
        make_release(home)
    assert everything_under(home) == []
    done = subprocess.run([sys.executable, "-m", "release", "--home", str(home)], capture_output=True, text=True,
                          cwd=PROJECT, env={**os.environ, "PYTHONPATH": str(PROJECT)})
    assert done.returncode == 1 and done.stdout == ""
    assert "release: no published warehouse at" in done.stderr
    assert everything_under(home) == []


def test_a_file_that_is_not_a_completed_publish_is_refused(copied_home: Path, tmp_path: Path) -> None:
    execute(copied_home, "UPDATE dq.builds SET outcome = 'publishing'")
    with pytest.raises(ReleaseError, match="holds no completed publish"):
        make_release(copied_home, tmp_path / "r")
    (copied_home / SERVING).write_bytes(b"not a database")
    with pytest.raises(ReleaseError, match="not a readable DuckDB file|not a published warehouse"):
        make_release(copied_home, tmp_path / "r")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("signal", ["pipeline-summary", "audit-report"])
def test_a_failed_run_after_the_publish_is_refused_unless_allowed(copied_home: Path, tmp_path: Path,
                                                                  signal: str) -> None:
    if signal == "pipeline-summary":
        path = copied_home / "run" / "pipeline-summary.txt"
        text = ("dialoog_load_cbs: success in 3 s (run manual__x)\n"
                "dialoog_load_social: failed in 9 s (run manual__y)\n")
    else:
        path = copied_home / "reports" / "audit" / "latest.md"
        text = ("# Dialoog audit report\n\n## Failed rules\n\n"
                "| suite | rule | severity | failing rows | first failing keys |\n|---|---|---|---|---|\n"
                "| x_api | valid_created_at | fatal | 3 | source_file=x |\n\n## Quarantined files\n")
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    before = everything_under(copied_home)
    with pytest.raises(ReleaseError, match="a pipeline run failed after the warehouse was published.*--allow-stale"):
        make_release(copied_home)
    assert everything_under(copied_home) == before
    # Written before the publish, the same file says nothing about the published warehouse.
    old = built_at(copied_home).timestamp() - 60
    os.utime(path, (old, old))
    assert make_release(copied_home, tmp_path / "old").is_dir()
    # After it, --allow-stale releases the last good publish and says why in the manifest.
    os.utime(path, None)
    stale = make_release(copied_home, tmp_path / "stale", allow_stale=True)
    reasons = json.loads((stale / "manifest.json").read_text("utf-8"))["released_despite_failed_run"]
    assert len(reasons) == 1 and str(path) in reasons[0]


def test_a_release_folder_with_other_content_is_an_error(published_home: Path, tmp_path: Path) -> None:
    release = make_release(published_home, tmp_path / "r")
    (release / "README.md").write_bytes(b"changed by hand\n")
    before = tree(tmp_path / "r")
    with pytest.raises(ReleaseError, match="exists with other content"):
        make_release(published_home, tmp_path / "r")
    assert tree(tmp_path / "r") == before
    assert everything_under(tmp_path / "r")[0] == release.name  # no staging folder left beside it
    with pytest.raises(ReleaseError, match="does not verify: README.md"):
        verify_release(release)


@pytest.mark.parametrize("change, error", [
    ("ALTER TABLE marts.rpt_municipality_year DROP COLUMN answer_rate", "has no column 'answer_rate'"),
    ("ALTER TABLE marts.dim_municipality ALTER name TYPE INTEGER USING length(name)", "is INTEGER, but"),
    ("DROP TABLE marts.rpt_national_year", "lacks marts rpt_national_year"),
])
def test_a_changed_mart_stops_the_release_and_writes_nothing(copied_home: Path, change: str, error: str) -> None:
    execute(copied_home, change)
    with pytest.raises(ReleaseError, match=error):
        make_release(copied_home)
    assert everything_under(copied_home) == ["serving", "serving/warehouse.duckdb"]
