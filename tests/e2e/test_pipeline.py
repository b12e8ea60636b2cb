"""`make pipeline` end to end: real Airflow DAG runs (`airflow dags test`), real dbt build, real GX, publish."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import duckdb
import pytest

from core.settings import Settings
from tests.conftest import FIXTURES, PROJECT, drop

pytestmark = pytest.mark.e2e


def run_pipeline(settings: Settings, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """Run scripts/pipeline.sh (what `make pipeline` runs) against one DIALOOG_HOME."""
    env = {**os.environ, "DIALOOG_HOME": str(settings.home), **extra_env}
    return subprocess.run(["bash", str(PROJECT / "scripts" / "pipeline.sh")], env=env, capture_output=True,
                          text=True, timeout=900, check=False)


def published(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.serving_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_fresh_home_loads_shipped_cbs_and_publishes(home: Settings) -> None:
    first = run_pipeline(home)
    assert first.returncode == 0, first.stdout + first.stderr
    assert published(home, "SELECT count(*) FROM marts.dim_municipality WHERE is_current") == [(342,)]
    assert published(home, "SELECT successor_gm_code FROM marts.dim_municipality WHERE gm_code = 'GM1921'") == [
        ("GM1940",)
    ]
    con = duckdb.connect(str(home.warehouse_path), read_only=True)
    try:
        unresolved = con.execute("""
            select y.gm_code, y.year from intermediate.int_municipality_years_selected as y
            left join intermediate.int_municipality_years_selected as n on n.gm_code = y.gm_code
                and n.year = y.year + 1
            join marts.dim_municipality as d on d.gm_code = y.gm_code
            left join marts.dim_municipality as s on s.gm_code = d.successor_gm_code
            where n.gm_code is null and y.year < 2025 and not coalesce(s.is_current, false)""").fetchall()
        gone = con.execute("""
            select count(distinct y.gm_code) from intermediate.int_municipality_years_selected as y
            where y.year < 2025 and y.gm_code not in (select gm_code from
            intermediate.int_municipality_years_selected where year = y.year + 1)""").fetchone()[0]
    finally:
        con.close()
    assert unresolved == [] and gone == 99  # every code that disappears resolves to a current code

    audit = (home.reports / "audit" / "latest.md").read_text()
    assert "| cbs_gemeenten | 14 | 5210 |" in audit and "marts.dim_municipality" in audit
    sources = {row[0] for row in published(home, "SELECT DISTINCT source FROM dq.loads")}
    assert {"cbs_gemeenten", "cbs_herindelingen", "cbs_bevolking"} <= sources
    assert not published(home, "SELECT * FROM duckdb_tables() WHERE schema_name = 'raw'")

    # A second run finds nothing new: nothing is rebuilt or republished.
    inode = home.serving_path.stat().st_ino
    second = run_pipeline(home)
    assert second.returncode == 0, second.stdout + second.stderr
    assert home.serving_path.stat().st_ino == inode

    # A broken file is quarantined, reported, and the published warehouse stays as it was.
    drop(home, "cbs_gemeenten", FIXTURES / "cbs_gemeenten" / "gemeenten-2017-missing-columns.csv")
    third = run_pipeline(home)
    assert third.returncode == 0, third.stdout + third.stderr
    assert "quarantined" in third.stdout
    assert (home.quarantine / "cbs_gemeenten" / "gemeenten-2017-missing-columns.csv.reason").exists()
    assert home.serving_path.stat().st_ino == inode
    audit = (home.reports / "audit" / "latest.md").read_text()
    assert "missing column(s) provinciecode, provincienaam" in audit and "Nothing was published" in audit

    # A fatal rule (a message id twice in one file) fails the run and publishes nothing.
    drop(home, "x_api", FIXTURES / "dq" / "x_api_dubbele_ids.json")
    fourth = run_pipeline(home)
    assert fourth.returncode == 1
    assert "message_id_unique_in_file" in fourth.stderr
    assert home.serving_path.stat().st_ino == inode
    assert (home.quarantine / "x_api" / "x_api_dubbele_ids.json").exists()
    audit = (home.reports / "audit" / "latest.md").read_text()
    assert "| x_api | message_id_unique_in_file | fatal | 2 |" in audit and "Nothing was published" in audit

    # A failed dbt build (here: DuckDB out of memory) fails the run, though its audit report still succeeds.
    drop(home, "cbs_gemeenten", FIXTURES / "cbs_gemeenten" / "gemeenten-alfabetisch-2014-cp1252.csv")
    fifth = run_pipeline(home, DIALOOG_DBT_MEMORY="1MB")
    assert fifth.returncode == 1, fifth.stdout + fifth.stderr
    assert "dialoog_transform: failed" in fifth.stdout + fifth.stderr
    assert home.serving_path.stat().st_ino == inode


def test_republish_under_readers_then_roll_back(home: Settings) -> None:
    """Superset-style read-only queries in a loop while a full run rebuilds and republishes (a landed 2014
    list replacing the shipped one); then `make rollback` puts the first publish back."""
    assert run_pipeline(home).returncode == 0
    before = home.serving_path.stat().st_ino
    drop(home, "cbs_gemeenten", FIXTURES / "cbs_gemeenten" / "gemeenten-alfabetisch-2014-cp1252.csv")
    errors: list[str] = []
    answers: list[int] = []
    done = threading.Event()

    def read_in_a_loop() -> None:
        while not done.is_set():
            try:
                con = duckdb.connect(str(home.serving_path), read_only=True)
                answers.append(con.execute("SELECT count(*) FROM marts.dim_municipality").fetchone()[0])
                con.close()
            except duckdb.Error as exc:
                errors.append(str(exc))
            time.sleep(0.05)

    reader = threading.Thread(target=read_in_a_loop)
    reader.start()
    try:
        result = run_pipeline(home)
    finally:
        done.set()
        reader.join()
    assert result.returncode == 0, result.stdout + result.stderr
    assert home.serving_path.stat().st_ino != before  # it did republish while we read
    assert errors == []
    assert len(answers) > 50 and set(answers) <= {441}

    con = duckdb.connect(str(home.warehouse_path), read_only=True)
    try:
        counts = dict(con.execute(
            "SELECT year, count(*) FROM intermediate.int_municipality_years_selected GROUP BY 1"
        ).fetchall())
    finally:
        con.close()
    assert counts[2014] == 3 and counts[2013] == 408  # the landed list replaced the shipped one

    assert home.previous_serving_path.exists()
    env = {**os.environ, "DIALOOG_HOME": str(home.home)}
    subprocess.run([sys.executable, "-m", "steps", "rollback"], env=env, check=True, cwd=PROJECT)
    assert home.serving_path.stat().st_ino == before  # the first publish again, kept by a hard link
