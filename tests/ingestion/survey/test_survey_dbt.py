"""The survey models end to end: fixture exports loaded, then dbt builds staging and the mart (slow)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from core.settings import PROJECT_ROOT, Settings
from tests.ingestion.survey.support import land, load

pytestmark = pytest.mark.e2e

DBT_PROJECT = PROJECT_ROOT / "dbt_project"


def dbt_build_survey(settings: Settings) -> subprocess.CompletedProcess[str]:
    """``dbt build`` of the survey folders only, against the test's warehouse, in its own target dir."""
    env = {**os.environ, "DIALOOG_WAREHOUSE": str(settings.warehouse_path),
           "DBT_TARGET_PATH": str(settings.home / "dbt" / "target"),
           "DBT_LOG_PATH": str(settings.home / "dbt" / "logs")}
    command = [str(Path(sys.executable).with_name("dbt")), "build",
               "--select", "path:models/staging/survey", "path:models/intermediate/survey", "path:models/marts/survey",
               "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT)]
    return subprocess.run(command, env=env, cwd=DBT_PROJECT, capture_output=True, text=True, check=False)


def test_the_mart_holds_the_later_submission_once_per_municipality_and_year(
        con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    land(settings, "enquete-2014-puntkomma-cp1252.csv", "enquete-2015-namen.csv")
    load(con, settings)
    con.close()  # dbt is the only writer while it builds
    build = dbt_build_survey(settings)
    assert build.returncode == 0, build.stdout[-3000:]
    assert "WARN 1 survey_superseded_submissions" in build.stdout  # the replaced answer is reported
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as result:
        # 8 answers of 2014, 7 matched of 2015, one of which a later one replaced
        assert result.execute("SELECT count(*) FROM marts.fct_survey_responses").fetchone() == (14,)
        utrecht = result.execute(
            "SELECT responsible_department, self_rating, management_support FROM marts.fct_survey_responses "
            "WHERE gm_code = 'GM0344' AND survey_year = 2015").fetchall()
        assert utrecht == [("gedeeld", 7.0, 4)]  # line 11 replaced line 6
        superseded = result.execute(
            "SELECT source_position FROM intermediate.int_survey_responses_ranked WHERE is_superseded").fetchall()
        assert superseded == [("line 6",)]
