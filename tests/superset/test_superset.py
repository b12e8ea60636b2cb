"""Superset end to end: provision from scratch, serve, check every chart's data, render in Chromium.

Needs the bi environment (``.venv/bi``) and Debian's ``chromium`` (``/usr/bin/chromium``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests
import yaml

from core.settings import PROJECT_ROOT
from dashboards.dashboards import (
    DASHBOARDS,
    DEFAULT_MUNICIPALITY,
    EIGEN_GEMETEN,
    GEMEENTE_JAREN,
    GROOTTEKLASSEN,
    H_GEMEENTEN,
    H_JAAR,
    H_ZONDER_X,
    HEADLINES,
    KANALEN,
    KCC,
    KERNCIJFERS,
    LAADRUNS,
    MISLUKTE_REGELS,
    N_BESTANDEN,
    N_RIJEN,
    NORMEN,
    PLATFORMS,
    Q_BESTANDEN,
    Q_RIJEN,
    RANGLIJST,
    RANGLIJST_GEMEENTEN,
    REACTIE_KLASSEN,
    REACTIETIJD,
    REGELS_ERNST,
    STEUN,
    STEUN_VERDELING,
    THEMAS,
    VERANDERING,
    VERGELIJK_ANTWOORD,
    VERGELIJK_REACTIE,
    VRAGEN_LIJST,
    VRAGEN_PER_JAAR,
    VRAGEN_ROW_LIMIT,
    ZELFBEELD_KRUIS,
    ZELFBEELD_PUNTEN,
)
from dashboards.datasets import DATASETS, PERCENT_MEASURES, VRAGEN
from factsheets.pdf import CHROMIUM, CHROMIUM_FLAGS  # the flags that work here
from tests.superset.test_bundle import provision_module

pytestmark = pytest.mark.superset

BI_PYTHON = PROJECT_ROOT / ".venv" / "bi" / "bin" / "python"
PROVISION = PROJECT_ROOT / "superset" / "provision.py"
RUN_SH = PROJECT_ROOT / "superset" / "run.sh"
BUNDLE = PROJECT_ROOT / "superset" / "bundle"
SCREENSHOTS = PROJECT_ROOT / "test-output" / "screenshots"
ADMIN = {"username": "admin", "password": "admin-test-password"}
CHART_ERRORS = ".dashboard-component-chart-holder :is(.alert-danger, .ant-alert-error, [data-test='error-message'])"
CHART_UUIDS = [chart.uuid for dashboard in DASHBOARDS for chart in dashboard.charts]
RETIRED_UUIDS = provision_module().RETIRED_CHART_UUIDS
# Charts of rules that failed: the demo data passes every rule, so these may rightly be empty.
MAY_BE_EMPTY = {REGELS_ERNST.uuid, MISLUKTE_REGELS.uuid}
RESEARCH_YEAR = 2014  # the year of the research: its figures are known (docs/demo-data.md)
# Columns that lead to a citizen; none may be in a dataset analysts open, nor in its data.
CITIZEN_COLUMNS = {
    "citizen_key",
    "author_key",
    "author_id",
    "author_handle",
    "handle",
    "text",
    "message_text",
    "question_id",
    "first_reply_id",
}
# Headline metric -> its rpt_national_year column.
HEADLINE_COLUMNS = {
    "gemeenten": "municipalities",
    "zonder_x": "without_x",
    "aandeel_facebook": "pct_with_facebook",
    "antwoordpercentage": "answer_rate",
    "gem_reactietijd": "avg_response_hours",
    "aandeel_structureel": "pct_structural",
    "aandeel_communicatie": "pct_comms_responsible",
    "rapportcijfer_communicatie": "avg_self_rating_comms",
    "binnen_24_uur": "pct_answered_within_24h",
    "binnen_werkdag": "pct_answered_within_working_day",
    "mediaan_reactietijd": "median_response_hours",
    "mediaan_kantooruren": "median_business_response_hours",
    "aandeel_kcc": "pct_kcc_involved",
    "steun_management": "avg_management_support",
}
# The size classes as the league table and its filter Grootteklasse show them.
SIZE_CLASS_LABELS = {"S": "S (< 50.000)", "M": "M (50.000–99.999)", "L": "L (≥ 100.000)", None: "onbekend"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _bundle_dashboards() -> list[dict[str, Any]]:
    return [yaml.safe_load(p.read_text()) for p in sorted((BUNDLE / "dashboards").glob("*.yaml"))]


def _chart_count(dashboard: dict[str, Any]) -> int:
    return sum(1 for el in dashboard["position"].values() if isinstance(el, dict) and el["type"] == "CHART")


@pytest.fixture(scope="module")
def env(published_home: Path) -> dict[str, str]:
    """The environment of the Superset under test: its own home, port and admin."""
    return {
        **os.environ,
        "DIALOOG_HOME": str(published_home),
        "SUPERSET_PORT": str(_free_port()),
        "DIALOOG_ADMIN_USER": ADMIN["username"],
        "DIALOOG_ADMIN_PASSWORD": ADMIN["password"],
    }


def _provision(env: dict[str, str]) -> str:
    """Run the provisioning script; return its summary line."""
    done = subprocess.run(
        [str(BI_PYTHON), str(PROVISION)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=PROJECT_ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stderr.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def server(env: dict[str, str]) -> Iterator[str]:
    """A Superset provisioned from scratch and serving; stopped (whole process group) afterwards."""
    first = _provision(env)
    assert '"upgrade+init ran": 1.0' in first, first
    try:
        started = subprocess.run([str(RUN_SH), "start"], env=env, capture_output=True, text=True, timeout=300)
        assert started.returncode == 0, started.stdout + started.stderr
        yield f"http://127.0.0.1:{env['SUPERSET_PORT']}"
    finally:
        subprocess.run([str(RUN_SH), "stop"], env=env, capture_output=True, text=True, timeout=60)


def _session(base: str, username: str, password: str) -> requests.Session:
    """An API session logged in with a JWT."""
    session = requests.Session()
    answer = session.post(
        f"{base}/api/v1/security/login",
        timeout=30,
        json={"username": username, "password": password, "provider": "db", "refresh": False},
    )
    assert answer.status_code == 200, answer.text
    session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    # Writes need a CSRF token (tied to the session cookie), or they fail with 400 whatever the role.
    token = session.get(f"{base}/api/v1/security/csrf_token/", timeout=30)
    assert token.status_code == 200, token.text
    session.headers.update({"X-CSRFToken": token.json()["result"], "Referer": base})
    return session


@pytest.fixture(scope="module")
def api(server: str) -> requests.Session:
    return _session(server, **ADMIN)


def _list(api: requests.Session, base: str, resource: str, columns: list[str]) -> list[dict[str, Any]]:
    query = json.dumps({"page_size": 100, "columns": columns})
    answer = api.get(f"{base}/api/v1/{resource}/", params={"q": query}, timeout=30)
    assert answer.status_code == 200, answer.text
    return sorted(answer.json()["result"], key=lambda row: row["id"])


def _chart_data(api: requests.Session, base: str, chart_id: int) -> requests.Response:
    """POST the chart's saved query to the chart data API, as reports and the Explore view do."""
    saved = api.get(f"{base}/api/v1/chart/{chart_id}", timeout=30).json()["result"]["query_context"]
    return api.post(f"{base}/api/v1/chart/data", json=json.loads(saved), timeout=60)


def _warehouse(home: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(home / "serving" / "warehouse.duckdb"), read_only=True)


def _charts_by_uuid(api: requests.Session, base: str) -> dict[str, dict[str, Any]]:
    return {c["uuid"]: c for c in _list(api, base, "chart", ["id", "uuid", "slice_name"])}


def _data(
    api: requests.Session, base: str, chart: dict[str, Any], filters: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The chart's rows; ``filters`` are added to its saved query as a dashboard's native filters add them."""
    saved = json.loads(api.get(f"{base}/api/v1/chart/{chart['id']}", timeout=30).json()["result"]["query_context"])
    for query in saved["queries"]:
        query["filters"] += filters or []
    answer = api.post(f"{base}/api/v1/chart/data", json=saved, timeout=60)
    assert answer.status_code == 200, (chart["slice_name"], answer.text[:500])
    (result,) = answer.json()["result"]
    return result["data"]


def _year_is(year: int) -> list[dict[str, Any]]:
    """The filter the dashboards' year filters send for one year."""
    return [{"col": "jaar", "op": "IN", "val": [str(year)]}]


def _latest_year(home: Path) -> int:
    with _warehouse(home) as con:
        return con.execute("SELECT max(year) FROM marts.rpt_national_year").fetchone()[0]


def test_every_chart_returns_data(api: requests.Session, server: str) -> None:
    charts = _list(api, server, "chart", ["id", "slice_name", "uuid"])
    assert {c["uuid"] for c in charts} >= set(CHART_UUIDS)
    assert not {c["uuid"] for c in charts} & set(RETIRED_UUIDS)
    for chart in charts:
        answer = _chart_data(api, server, chart["id"])
        assert answer.status_code == 200, (chart["slice_name"], answer.text[:500])
        (result,) = answer.json()["result"]
        assert result["status"] == "success" and not result.get("error"), chart["slice_name"]
        if chart["uuid"] not in MAY_BE_EMPTY:
            assert result["rowcount"] > 0, chart["slice_name"]


def _headline(api: requests.Session, base: str, filters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    charts = _charts_by_uuid(api, base)
    shown = {}
    for chart in HEADLINES:
        (data,) = _data(api, base, charts[chart.uuid], filters)
        shown[chart.params["metric"]] = data[chart.params["metric"]]
    return shown


def test_headline_numbers_equal_the_marts(api: requests.Session, server: str, published_home: Path) -> None:
    """Without a year chosen the headline row is the latest year's of rpt_national_year, unrounded; with a year
    chosen (as the filter Jaar van de kerncijfers sends it) that year's, the research's for 2014."""
    with _warehouse(published_home) as con:
        mart = con.execute("SELECT * FROM marts.rpt_national_year ORDER BY year").fetchdf().set_index("year")
    latest = int(mart.index.max())
    assert latest > RESEARCH_YEAR  # so "latest" and "2014" are different figures
    for year, shown in ((latest, _headline(api, server)), (RESEARCH_YEAR, _headline(api, server, _year_is(2014)))):
        row = mart.loc[year]
        assert shown["jaar_getal"] == year
        for metric, column in HEADLINE_COLUMNS.items():
            assert shown[metric] == pytest.approx(row[column], abs=1e-12, nan_ok=True), (year, metric)
    research = _headline(api, server, _year_is(RESEARCH_YEAR))
    assert research["gemeenten"] == 403  # CBS, 1 January 2014
    assert research["zonder_x"] == 13  # the research: 13 municipalities without X
    assert round(research["antwoordpercentage"], 2) == 0.20 and round(research["aandeel_facebook"], 2) == 0.75


def test_league_table_equals_the_marts(api: requests.Session, server: str, published_home: Path) -> None:
    """Every municipality of the chosen year, ranked nationally by answer rate and then median response time,
    with its figures from rpt_municipality_year; a province filter keeps the national rank."""
    year = _latest_year(published_home)
    with _warehouse(published_home) as con:
        rows = con.execute(
            """SELECT m.name, m.province_name, r.channels, r.questions, r.answered, r.answer_rate,
                      r.median_response_hours, r.avg_response_hours
               FROM marts.rpt_municipality_year r JOIN marts.dim_municipality m USING (gm_code)
               WHERE r.year = ?""",
            [year],
        ).fetchall()
        sizes = {
            r[0]: r[1:]
            for r in con.execute(
                """SELECT m.name, r.inhabitants, r.size_class, r.questions_per_10k, r.pct_answered_within_24h
                   FROM marts.rpt_municipality_year r JOIN marts.dim_municipality m USING (gm_code)
                   WHERE r.year = ?""",
                [year],
            ).fetchall()
        }

    def key(row: tuple[Any, ...]) -> tuple[Any, ...]:
        rate, median = row[5], row[6]
        return (rate is None, -(rate or 0), median is None, median or 0)

    ranked = sorted(rows, key=key)
    rank = {}
    for position, row in enumerate(ranked, start=1):
        previous = ranked[position - 2] if position > 1 else None
        rank[row[0]] = rank[previous[0]] if previous and key(previous) == key(row) else position
    charts = _charts_by_uuid(api, server)
    table = _data(api, server, charts[RANGLIJST.uuid], _year_is(year))
    assert len(table) == len(rows) > 300  # every municipality of the year, not a page of them
    assert [r["rang"] for r in table] == sorted(r["rang"] for r in table)
    expected = {r[0]: (rank[r[0]], *r[1:]) for r in rows}
    for shown in table:
        values = tuple(shown[c] for c in ("rang", "provincie", "channels", "questions", "answered"))
        assert values == expected[shown["gemeente"]][:5], shown
        for column, wanted in zip(
            ("answer_rate", "median_response_hours", "avg_response_hours"), expected[shown["gemeente"]][5:], strict=True
        ):
            assert shown[column] is None if wanted is None else shown[column] == pytest.approx(wanted, abs=1e-12)
        inhabitants, size_class, per_10k, within_24h = sizes[shown["gemeente"]]
        assert (shown["inhabitants"], shown["grootteklasse"]) == (inhabitants, SIZE_CLASS_LABELS[size_class])
        for column, wanted in (("questions_per_10k", per_10k), ("pct_answered_within_24h", within_24h)):
            assert shown[column] is None if wanted is None else shown[column] == pytest.approx(wanted, abs=1e-12)
    assert {r["grootteklasse"] for r in table} >= {"S (< 50.000)", "M (50.000–99.999)", "L (≥ 100.000)"}
    (count,) = _data(api, server, charts[RANGLIJST_GEMEENTEN.uuid], _year_is(year))
    assert count["gemeenten"] == len(rows)
    province = "Utrecht"
    in_province = _data(
        api, server, charts[RANGLIJST.uuid], [*_year_is(year), {"col": "provincie", "op": "IN", "val": [province]}]
    )
    assert {r["gemeente"] for r in in_province} == {r[0] for r in rows if r[1] == province}
    assert all(r["rang"] == rank[r["gemeente"]] for r in in_province)
    large = _data(
        api,
        server,
        charts[RANGLIJST.uuid],
        [*_year_is(year), {"col": "grootteklasse", "op": "IN", "val": ["L (≥ 100.000)"]}],
    )
    assert {r["gemeente"] for r in large} == {name for name, v in sizes.items() if v[1] == "L"} != set()
    assert all(r["rang"] == rank[r["gemeente"]] for r in large)


def test_questions_behind_a_figure(api: requests.Session, server: str, published_home: Path) -> None:
    """The questions of a municipality add up to its figures in rpt_municipality_year; the list holds at most its
    row limit, newest first, and nothing that leads to a citizen (no column, and no citizen_key as a value)."""
    assert not {c.name for c in VRAGEN.columns} & CITIZEN_COLUMNS
    assert "citizen_key" not in (VRAGEN.sql or "") and "handle AS kanaal" in (VRAGEN.sql or "")
    with _warehouse(published_home) as con:
        figures = {
            str(r[0]): (r[1], r[2])
            for r in con.execute(
                """SELECT r.year, r.questions, r.answered FROM marts.rpt_municipality_year r
                   JOIN marts.dim_municipality m USING (gm_code) WHERE m.name = ? AND r.questions > 0""",
                [DEFAULT_MUNICIPALITY],
            ).fetchall()
        }
        asked = [
            r[0]
            for r in con.execute(
                """SELECT q.asked_at FROM marts.fct_questions q JOIN marts.dim_municipality m USING (gm_code)
                   WHERE m.name = ? ORDER BY q.asked_at DESC""",
                [DEFAULT_MUNICIPALITY],
            ).fetchall()
        ]
        everyone = {r[0] for r in con.execute("SELECT citizen_key FROM marts.fct_questions").fetchall()}
        reasons = {
            (r[0].timestamp() * 1000, r[1])
            for r in con.execute(
                """SELECT q.asked_at, q.classifier_reason FROM marts.fct_questions q
                   JOIN marts.dim_municipality m USING (gm_code) WHERE m.name = ?""",
                [DEFAULT_MUNICIPALITY],
            ).fetchall()
        }
        total = con.execute("SELECT count(*) FROM marts.fct_questions").fetchone()[0]
    assert figures and total > VRAGEN_ROW_LIMIT
    charts = _charts_by_uuid(api, server)
    chosen = [{"col": "gemeente", "op": "IN", "val": [DEFAULT_MUNICIPALITY]}]
    counted: dict[str, list[int]] = {}
    for row in _data(api, server, charts[VRAGEN_PER_JAAR.uuid], chosen):
        counted.setdefault(row["jaar"], [0, 0])
        counted[row["jaar"]][0] += row["vragen"]
        counted[row["jaar"]][1] += row["beantwoord"]
    assert {year: tuple(pair) for year, pair in counted.items()} == figures
    listed = _data(api, server, charts[VRAGEN_LIJST.uuid], chosen)
    assert len(listed) == min(len(asked), VRAGEN_ROW_LIMIT)
    assert [r["asked_at"] for r in listed] == [t.timestamp() * 1000 for t in asked[: len(listed)]]
    unfiltered = _data(api, server, charts[VRAGEN_LIJST.uuid])
    assert len(unfiltered) == VRAGEN_ROW_LIMIT  # never the whole fact table
    for rows in (listed, unfiltered):
        assert not set(rows[0]) & CITIZEN_COLUMNS
        assert not {v for r in rows for v in r.values() if isinstance(v, str)} & everyone
    # Why each question counts: the classifier's reason from fct_questions, rule ids and weights, no handle.
    assert all((r["asked_at"], r["classifier_reason"]) in reasons for r in listed), listed[:3]
    assert all(r["classifier_reason"].startswith("question: ") and "@" not in r["classifier_reason"] for r in listed)


def test_survey_charts_equal_the_marts(api: requests.Session, server: str, published_home: Path) -> None:
    """The article's survey figures: KCC involved, management support (mean and distribution) per year, the own
    view of structural use against the measured one, and per municipality its grade against its answer rate."""
    with _warehouse(published_home) as con:

        def rows(sql: str, *args: Any) -> set[tuple[Any, ...]]:
            return {tuple(r) for r in con.execute(sql, list(args)).fetchall()}

        kcc = rows("SELECT survey_year::VARCHAR, kcc_involved, count(*) FROM marts.fct_survey_responses GROUP BY ALL")
        mean = dict(
            rows("SELECT survey_year::VARCHAR, avg(management_support) FROM marts.fct_survey_responses GROUP BY 1")
        )
        national = {
            r[0]: r[1:]
            for r in rows(
                """SELECT year::VARCHAR, pct_kcc_involved, avg_management_support FROM marts.rpt_national_year
                   WHERE survey_responses > 0"""
            )
        }
        support = rows("SELECT year::VARCHAR, management_support, responses FROM marts.rpt_management_support_year")
        spread = rows(
            """SELECT survey_year::VARCHAR, coalesce(management_support::VARCHAR, 'geen antwoord'), count(*)
               FROM marts.fct_survey_responses GROUP BY ALL"""
        )
        own = {
            r[0]: r[1:]
            for r in rows(
                """SELECT s.survey_year::VARCHAR, avg(s.uses_structurally::INT), avg(r.is_structural::INT)
                   FROM marts.fct_survey_responses s LEFT JOIN marts.rpt_municipality_year r
                   ON r.gm_code = s.gm_code AND r.year = s.survey_year GROUP BY 1"""
            )
        }
        per_municipality = {
            r[0]: r[1:]
            for r in rows(
                """SELECT m.name, s.self_rating, r.answer_rate, coalesce(r.questions, 0), s.uses_structurally,
                          r.is_structural
                   FROM marts.fct_survey_responses s JOIN marts.dim_municipality m USING (gm_code)
                   LEFT JOIN marts.rpt_municipality_year r ON r.gm_code = s.gm_code AND r.year = s.survey_year
                   WHERE s.survey_year = ?""",
                RESEARCH_YEAR,
            )
        }
    charts = _charts_by_uuid(api, server)
    shown = _data(api, server, charts[KCC.uuid])
    assert {(r["jaar"], {"ja": True, "nee": False}.get(r["kcc"]), r["antwoorden"]) for r in shown} == kcc
    for row in _data(api, server, charts[STEUN.uuid]):
        assert row["gem_steun"] == pytest.approx(mean[row["jaar"]], abs=1e-12)
        assert row["gem_steun"] == pytest.approx(national[row["jaar"]][1], abs=1e-12)  # rpt_national_year agrees
    for year, share in national.items():  # the KCC share of the survey facts is rpt_national_year's
        involved = sum(r[2] for r in kcc if r[0] == year and r[1]) / sum(r[2] for r in kcc if r[0] == year)
        assert involved == pytest.approx(share[0], abs=1e-12)
    # The distribution from rpt_management_support_year: every level every year (0 when nobody gave it), and
    # the same counts as the survey facts.
    levels = {(r["jaar"], r["steun"]): r["antwoorden"] for r in _data(api, server, charts[STEUN_VERDELING.uuid])}
    assert levels == {(y, str(level)): n for y, level, n in support}
    assert set(levels) == {(y, str(level)) for y in national for level in range(1, 6)}
    assert {k: v for k, v in levels.items() if v} == {(y, s): n for y, s, n in spread if s != "geen antwoord"}
    for row in _data(api, server, charts[EIGEN_GEMETEN.uuid]):
        assert (row["aandeel_eigen"], row["aandeel_gemeten"]) == pytest.approx(own[row["jaar"]], abs=1e-12)
    points = _data(api, server, charts[ZELFBEELD_PUNTEN.uuid], _year_is(RESEARCH_YEAR))
    assert len(points) == len(per_municipality) > 100
    for point in points:
        rating, rate, questions = per_municipality[point["gemeente"]][:3]
        assert (point["rapportcijfer"], point["vragen"]) == (rating, questions)
        assert (
            point["antwoordpercentage"] is None if rate is None else point["antwoordpercentage"] == pytest.approx(rate)
        )
    crossed = {
        (r["eigen_oordeel"], r["gemeten"]): r["gemeenten"]
        for r in _data(api, server, charts[ZELFBEELD_KRUIS.uuid], _year_is(RESEARCH_YEAR))
    }
    yes_no = {True: "ja", False: "nee", None: None}
    expected: dict[tuple[Any, Any], int] = {}
    for *_, said, measured in per_municipality.values():
        key = (yes_no[said], yes_no[measured])
        expected[key] = expected.get(key, 0) + 1
    assert crossed == expected


def test_tables_per_year_equal_the_marts(api: requests.Session, server: str, published_home: Path) -> None:
    with _warehouse(published_home) as con:
        national = {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT CAST(year AS VARCHAR), municipalities, without_x, answer_rate FROM marts.rpt_national_year"
            ).fetchall()
        }
        quarantined = con.execute(
            "SELECT (SELECT count(*) FROM dq.quarantined_rows), (SELECT count(*) FROM dq.quarantined_files)"
        ).fetchone()
        per_platform = {
            (str(year), name): n
            for year, name, n in con.execute(
                """SELECT r.year, p.display_name, r.present + r.parked + r."left"
                   FROM marts.rpt_platform_year r JOIN marts.dim_platform p USING (platform)"""
            ).fetchall()
        }
    charts = _charts_by_uuid(api, server)
    table = {
        r["jaar"]: (r["gemeenten"], r["zonder_x"], r["antwoordpercentage"])
        for r in _data(api, server, charts[KERNCIJFERS.uuid])
    }
    assert table == national and set(table) == {"2013", "2014", "2024", "2025"}
    # The platforms chart: every registry platform in every year, 0 where no municipality has a channel.
    shown = {(str(r["jaar"]), r["platform_naam"]): r["gemeenten"] for r in _data(api, server, charts[PLATFORMS.uuid])}
    assert shown == per_platform
    (rows,) = _data(api, server, charts[N_RIJEN.uuid])
    (files,) = _data(api, server, charts[N_BESTANDEN.uuid])
    # the demo's bad day: the impossible webcare date and the unknown survey municipality; the truncated page
    assert (rows["aantal_rijen"], files["aantal_bestanden"]) == quarantined == (2, 1)


def _approx(shown: Any, wanted: Any) -> bool:
    return shown is None if wanted is None else shown == pytest.approx(wanted, abs=1e-12)


def test_municipality_against_its_size_class(api: requests.Session, server: str, published_home: Path) -> None:
    """Gemeente: per year the municipality's answer rate and response time beside the median of its size class
    (over rpt_municipality_year, computed here in Python) and the national figure; the per-year table's norms and
    business hours; its questions per year, platform and response-time bucket (rpt_response_buckets)."""
    with _warehouse(published_home) as con:
        every = con.execute(
            """SELECT r.gm_code, r.year::VARCHAR, r.size_class, r.answer_rate, r.avg_response_hours, m.name
               FROM marts.rpt_municipality_year r JOIN marts.dim_municipality m USING (gm_code)"""
        ).fetchall()
        national = {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT year::VARCHAR, answer_rate, avg_response_hours FROM marts.rpt_national_year"
            ).fetchall()
        }
        per_year = {
            r[0]: r[1:]
            for r in con.execute(
                """SELECT r.year::VARCHAR, r.size_class, r.answered_within_24h, r.pct_answered_within_24h,
                          r.answered_within_working_day, r.avg_business_response_hours,
                          r.median_business_response_hours
                   FROM marts.rpt_municipality_year r JOIN marts.dim_municipality m USING (gm_code)
                   WHERE m.name = ?""",
                [DEFAULT_MUNICIPALITY],
            ).fetchall()
        }
        buckets = {
            (r[0], r[1], r[2]): r[3]
            for r in con.execute(
                """SELECT b.year::VARCHAR, b.platform, b.bucket_order, b.questions FROM marts.rpt_response_buckets b
                   JOIN marts.dim_municipality m USING (gm_code) WHERE m.name = ?""",
                [DEFAULT_MUNICIPALITY],
            ).fetchall()
        }

    def median(values: list[float]) -> float | None:
        values = sorted(v for v in values if v is not None)
        middle = len(values) // 2
        if not values:
            return None
        return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2

    own = {r[1]: r for r in every if r[5] == DEFAULT_MUNICIPALITY}
    assert own and all(r[2] for r in own.values())  # Utrecht has a size class every year
    charts = _charts_by_uuid(api, server)
    chosen = [{"col": "gemeente", "op": "IN", "val": [DEFAULT_MUNICIPALITY]}]
    rates = _data(api, server, charts[VERGELIJK_ANTWOORD.uuid], chosen)
    times = {r["jaar"]: r for r in _data(api, server, charts[VERGELIJK_REACTIE.uuid], chosen)}
    assert {r["jaar"] for r in rates} == set(times) == set(own)
    for row in rates:
        _, year, size_class, rate, hours, _ = own[row["jaar"]]
        peers = [r for r in every if r[1] == year and r[2] == size_class]
        assert len(peers) > 1
        assert _approx(row["antwoord_gemeente"], rate) and _approx(row["antwoord_landelijk"], national[year][0])
        assert _approx(row["antwoord_klasse"], median([r[3] for r in peers]))
        shown = times[year]
        assert _approx(shown["reactietijd_gemeente"], hours) and _approx(
            shown["reactietijd_landelijk"], national[year][1]
        )
        assert _approx(shown["reactietijd_klasse"], median([r[4] for r in peers]))
    columns = (
        "size_class",
        "answered_within_24h",
        "pct_answered_within_24h",
        "answered_within_working_day",
        "avg_business_response_hours",
        "median_business_response_hours",
    )
    table = _data(api, server, charts[GEMEENTE_JAREN.uuid], chosen)
    assert {r["jaar"] for r in table} == set(per_year)
    for row in table:
        for column, wanted in zip(columns, per_year[row["jaar"]], strict=True):
            assert row[column] == wanted if isinstance(wanted, str | int) else _approx(row[column], wanted), column
    shown_buckets = _data(api, server, charts[REACTIE_KLASSEN.uuid], chosen)
    assert {(r["jaar"], r["platform"], int(r["reactietijd"][0])): r["vragen"] for r in shown_buckets} == buckets
    assert buckets and {r["reactietijd"] for r in shown_buckets} == {
        "1 binnen 1 uur",
        "2 1–4 uur",
        "3 4–8 uur",
        "4 8–24 uur",
        "5 na 24 uur",
        "6 onbeantwoord",
    }


def test_norms_themes_size_classes_and_change(api: requests.Session, server: str, published_home: Path) -> None:
    """Landelijk: the norms and the business-hours median per year (rpt_national_year), the themes
    (rpt_theme_year), the size classes (rpt_size_class_year), and the change since the previous report year
    (rpt_national_year_change) for the chosen year, shares in percent and percentage points."""
    with _warehouse(published_home) as con:
        national = {
            r[0]: r[1:]
            for r in con.execute(
                """SELECT year::VARCHAR, pct_answered_within_24h, pct_answered_within_working_day,
                          median_business_response_hours FROM marts.rpt_national_year"""
            ).fetchall()
        }
        themes = {
            (r[0], r[1]): r[2:]
            for r in con.execute(
                """SELECT theme, year::VARCHAR, municipalities, channels, questions, answer_rate
                   FROM marts.rpt_theme_year"""
            ).fetchall()
        }
        sizes = {
            (SIZE_CLASS_LABELS[r[0]], r[1]): r[2:]
            for r in con.execute(
                """SELECT size_class, year::VARCHAR, municipalities, questions, answer_rate, median_response_hours,
                          pct_answered_within_24h, pct_structural FROM marts.rpt_size_class_year"""
            ).fetchall()
        }
        changes = con.execute(
            """SELECT year, measure, value, previous_year, previous_value, change FROM marts.rpt_national_year_change
               ORDER BY year, measure_order"""
        ).fetchall()
    charts = _charts_by_uuid(api, server)
    norms = {r["jaar"]: r for r in _data(api, server, charts[NORMEN.uuid])}
    assert set(norms) == set(national)
    for year, (within_24h, working_day, _) in national.items():
        assert _approx(norms[year]["binnen_24_uur"], within_24h) and _approx(norms[year]["binnen_werkdag"], working_day)
    for row in _data(api, server, charts[REACTIETIJD.uuid]):
        assert _approx(row["mediaan_kantooruren"], national[row["jaar"]][2])
    shown = _data(api, server, charts[THEMAS.uuid])
    assert len(shown) == len(themes)
    for row in shown:
        municipalities, channels, questions, rate = themes[(row["theme"], row["jaar"])]
        assert (row["gemeenten"], row["kanalen"], row["vragen"]) == (municipalities, channels, questions)
        assert _approx(row["antwoordpercentage"], rate)
    shown = _data(api, server, charts[GROOTTEKLASSEN.uuid])
    assert len(shown) == len(sizes) == 3 * len(national)
    metrics = (
        "gemeenten",
        "vragen",
        "antwoordpercentage",
        "mediaan_reactietijd",
        "binnen_24_uur",
        "aandeel_structureel",
    )
    for row in shown:
        for metric, wanted in zip(metrics, sizes[(row["grootteklasse"], row["jaar"])], strict=True):
            assert _approx(row[metric], wanted), (row, metric)
    # The change table: every measure of the chosen year in measure order, shares in percent.
    for year in (_latest_year(published_home), RESEARCH_YEAR):
        table = _data(api, server, charts[VERANDERING.uuid], _year_is(year))
        wanted = [r for r in changes if r[0] == year]
        assert len(table) == len(wanted) == 13
        for row, (_, measure, value, previous_year, previous_value, change) in zip(table, wanted, strict=True):
            factor = 100 if measure in PERCENT_MEASURES else 1
            assert (row["eenheid"] == "%") == (factor == 100), row
            assert row["vorig_jaar"] == (None if previous_year is None else str(previous_year))
            for column, raw in (("waarde", value), ("vorige_waarde", previous_value), ("verandering", change)):
                assert _approx(row[column], None if raw is None else raw * factor), (year, measure, column)
    research = {r["kengetal"]: r for r in _data(api, server, charts[VERANDERING.uuid], _year_is(RESEARCH_YEAR))}
    assert research["Zonder X"]["waarde"] == 13 and research["Gemeenten"]["waarde"] == 403


def test_dataset_columns_exist_in_the_warehouse(published_home: Path) -> None:
    """Every physical column a dataset names is in the published table (calculated ones run in the charts)."""
    with _warehouse(published_home) as con:
        present = set(
            con.execute("SELECT table_schema, table_name, column_name FROM information_schema.columns").fetchall()
        )
    for dataset in DATASETS:
        if dataset.sql is None:
            for column in dataset.columns:
                if column.expression is None:
                    assert (dataset.schema, dataset.table, column.name) in present, (dataset.table, column.name)


def _log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login/")
    page.locator("input[type=text]").first.fill(ADMIN["username"])
    page.locator("input[type=password]").fill(ADMIN["password"])
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url, timeout=30_000)


def _open_dashboard(page: Any, base: str, dashboard: dict[str, Any], query: str = "") -> float:
    """Open a dashboard, wait until every chart on it has rendered; return the seconds that took."""
    started = time.monotonic()
    page.goto(f"{base}/superset/dashboard/{dashboard['slug']}/{query}")
    page.wait_for_function(
        """n => document.querySelectorAll('.dashboard-component-chart-holder .chart-container').length >= n
               && !document.querySelector('.dashboard-component-chart-holder .loading')""",
        arg=_chart_count(dashboard),
        timeout=90_000,
    )
    page.wait_for_load_state("networkidle")
    seconds = time.monotonic() - started
    page.wait_for_timeout(1500)  # let the bar charts finish their grow animation before the screenshot
    return seconds


def _chart(page: Any, title: str) -> Any:
    """The holder of the chart with exactly this title."""
    holders = page.locator(".dashboard-component-chart-holder")
    return holders.filter(has=page.locator(".header-title").get_by_text(title, exact=True)).first


def _chart_text(page: Any, title: str) -> str:
    return _chart(page, title).inner_text()


def _years_asked(requests_made: list[dict[str, Any]]) -> dict[int, list[Any]]:
    """Per chart id, the years its chart data requests were filtered on (empty: no year filter)."""
    years: dict[int, list[Any]] = {}
    for body in requests_made:
        form = body.get("form_data") or {}
        if form.get("slice_id") is None:
            continue  # a native filter's own options
        filters = [f for q in body["queries"] for f in q.get("filters", []) if f.get("col") == "jaar"]
        years.setdefault(form["slice_id"], []).extend(v for f in filters for v in f["val"])
    return years


def _check_content(page: Any, slug: str, home: Path, asked: dict[int, list[Any]], ids: dict[str, int]) -> None:
    """What each dashboard must show: the latest year's headline, the chosen municipality, the quarantine."""
    latest = _latest_year(home)
    with _warehouse(home) as con:
        handles = {
            r[0]
            for r in con.execute(
                "SELECT c.handle FROM marts.dim_channel c JOIN marts.dim_municipality m ON m.gm_code = c.gm_code "
                "WHERE m.name = ?",
                [DEFAULT_MUNICIPALITY],
            ).fetchall()
        }
        national = con.execute(
            "SELECT municipalities, without_x FROM marts.rpt_national_year WHERE year = ?", [latest]
        ).fetchone()
        first = con.execute(
            """SELECT m.name FROM marts.rpt_municipality_year r JOIN marts.dim_municipality m USING (gm_code)
               WHERE r.year = ? ORDER BY r.answer_rate DESC NULLS LAST, r.median_response_hours NULLS LAST LIMIT 1""",
            [latest],
        ).fetchone()[0]
    if slug == "landelijk-overzicht":
        # The filter Jaar van de kerncijfers chose the latest year by itself, and the headline row asked for it.
        assert str(latest) in _chart_text(page, H_JAAR.name)
        assert str(national[0]) in _chart_text(page, H_GEMEENTEN.name)
        assert str(national[1]) in _chart_text(page, H_ZONDER_X.name)
        for chart in HEADLINES:
            assert set(asked[ids[chart.uuid]]) == {str(latest)}, chart.name
        assert asked[ids[KERNCIJFERS.uuid]] == []  # the charts per year show every year
        assert set(asked[ids[VERANDERING.uuid]]) == {str(latest)}  # the change table follows the filter Jaar
        assert _chart(page, VERANDERING.name).locator("tbody tr").count() == 13
    elif slug == "ranglijst":
        assert set(asked[ids[RANGLIJST.uuid]]) == {str(latest)}
        top = _chart(page, RANGLIJST.name).locator("tbody tr").first
        top.wait_for(state="visible", timeout=30_000)
        assert first in top.inner_text()
    elif slug == "vragen":
        rows = _chart(page, VRAGEN_LIJST.name).locator("tbody tr")
        rows.first.wait_for(state="visible", timeout=30_000)  # it waits for its required filter Gemeente first
        assert rows.count() > 5
        listed = rows.all_inner_texts()
        assert all(any(handle in row for handle in handles) for row in listed), listed[:3]  # its channels only
        assert all("question: " in row for row in listed), listed[:3]  # why each question counts
    elif slug == "gemeente":
        listed = _chart_text(page, KANALEN.name)
        assert handles and all(handle in listed for handle in handles), (handles, listed)
        assert _chart(page, KANALEN.name).locator("tbody tr").count() == len(
            handles
        )  # that municipality's channels only
    else:
        assert "mentions-9999.json" in _chart_text(page, Q_BESTANDEN.name)
        assert "31-02-2024 25:61" in _chart_text(page, Q_RIJEN.name)


# The research year chosen in the filter, as a shared link carries it.
RESEARCH_YEAR_LINK = (
    "?native_filters=(NATIVE_FILTER-kernjaar:(extraFormData:(filters:!((col:jaar,op:IN,val:!('2014')))),"
    "filterState:(label:'2014',value:!('2014')),id:NATIVE_FILTER-kernjaar,ownState:()))"
)


def test_dashboards_render_in_chromium(api: requests.Session, server: str, published_home: Path) -> None:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing: apt-get update && apt-get install -y chromium")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    ids = {uuid: chart["id"] for uuid, chart in _charts_by_uuid(api, server).items()}
    timings: dict[str, float] = {}
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        browser = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            args=CHROMIUM_FLAGS,
            headless=True,
            viewport={"width": 1400, "height": 1000},
            locale="nl-NL",
        )
        try:
            page = browser.new_page()
            statuses: list[int] = []  # of the chart data requests the dashboards make
            bodies: list[dict[str, Any]] = []  # and what they asked
            page.on("response", lambda r: statuses.append(r.status) if "/api/v1/chart/data" in r.url else None)
            page.on(
                "request",
                lambda r: (
                    bodies.append(json.loads(r.post_data))
                    if "/api/v1/chart/data" in r.url and r.method == "POST"
                    else None
                ),
            )
            _log_in(page, server)
            for dashboard in _bundle_dashboards():
                statuses.clear()
                bodies.clear()
                timings[dashboard["slug"]] = round(_open_dashboard(page, server, dashboard), 1)
                assert statuses and set(statuses) == {200}, (dashboard["dashboard_title"], statuses)
                assert page.locator(CHART_ERRORS).count() == 0, dashboard["dashboard_title"]
                page.screenshot(path=str(SCREENSHOTS / f"{dashboard['slug']}.png"), full_page=True)
                _check_content(page, dashboard["slug"], published_home, _years_asked(bodies), ids)
            # A link with the research year chosen shows the research's headline figures.
            (national,) = [d for d in _bundle_dashboards() if d["slug"] == "landelijk-overzicht"]
            bodies.clear()
            _open_dashboard(page, server, national, RESEARCH_YEAR_LINK)
            page.screenshot(path=str(SCREENSHOTS / "landelijk-overzicht-2014.png"), full_page=True)
            assert set(_years_asked(bodies)[ids[H_GEMEENTEN.uuid]]) == {"2014"}
            assert "403" in _chart_text(page, H_GEMEENTEN.name) and "13" in _chart_text(page, H_ZONDER_X.name)
            assert "2014" in _chart_text(page, H_JAAR.name)
            # The Data Docs link of the Datakwaliteit dashboard opens the pipeline's report, whole, with every
            # request that would leave this server blocked (CSP 'self', assets beside the pages).
            outside: list[str] = []

            def offline(route: Any) -> None:
                if route.request.url.startswith((server, "data:")):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort("internetdisconnected")

            page.route("**/*", offline)
            answer = page.goto(f"{server}/datadocs/")
            assert "https:" not in answer.headers.get("content-security-policy", "https:")
            rows = page.locator("table.ge-index-page-validation-results-table tbody tr")
            rows.first.wait_for(state="visible", timeout=15_000)
            assert rows.count() > 5 and outside == []
        finally:
            browser.close()
    # Measured, not asserted (no timing assertions): the report and README quote these.
    (SCREENSHOTS / "dashboard-load-seconds.json").write_text(json.dumps(timings, indent=2) + "\n")


def test_data_docs_need_a_login(server: str) -> None:
    answer = requests.get(f"{server}/datadocs/", timeout=30, allow_redirects=False)
    assert answer.status_code == 302 and "/login/" in answer.headers["Location"]


def _add_user(api: requests.Session, base: str, username: str, role: str) -> None:
    roles = api.get(f"{base}/api/v1/security/roles/", params={"q": json.dumps({"page_size": 100})}, timeout=30)
    (role_id,) = [r["id"] for r in roles.json()["result"] if r["name"] == role]
    answer = api.post(
        f"{base}/api/v1/security/users/",
        timeout=30,
        json={
            "username": username,
            "first_name": role,
            "last_name": "Test",
            "email": f"{username}@example.org",
            "active": True,
            "password": f"{username}-password",
            "roles": [role_id],
        },
    )
    assert answer.status_code == 201, answer.text


def test_roles_limit_what_analysts_and_auditors_query(api: requests.Session, server: str) -> None:
    charts = {c["slice_name"]: c["id"] for c in _list(api, server, "chart", ["id", "slice_name"])}
    queries = {
        name: json.loads(api.get(f"{server}/api/v1/chart/{cid}", timeout=30).json()["result"]["query_context"])
        for name, cid in charts.items()
    }
    _add_user(api, server, "analist", "Analyst")
    _add_user(api, server, "auditor", "Auditor")
    analyst = _session(server, "analist", "analist-password")
    auditor = _session(server, "auditor", "auditor-password")

    def status(session: requests.Session, chart: str) -> int:
        return session.post(f"{server}/api/v1/chart/data", json=queries[chart], timeout=60).status_code

    marts_chart, dq_chart = H_GEMEENTEN.name, LAADRUNS.name
    assert status(analyst, marts_chart) == 200  # marts
    assert status(analyst, dq_chart) == 403  # dq is for auditors
    assert status(auditor, dq_chart) == 200
    assert status(auditor, marts_chart) == 403  # outside a dashboard, marts are the analysts'
    # ... but the dashboards granted to auditors show them (DASHBOARD_RBAC), as the browser asks for them.
    dashboards = {d["slug"]: d["id"] for d in _list(api, server, "dashboard", ["id", "slug"])}
    on_dashboard = queries[marts_chart]
    on_dashboard["form_data"].update(dashboardId=dashboards["landelijk-overzicht"], slice_id=charts[marts_chart])
    assert status(auditor, marts_chart) == 200
    # The questions behind the figures: analysts open their dataset and chart, which hold no citizen's column;
    # auditors do not, not even through a dashboard (the Vragen dashboard is not theirs).
    questions = queries[VRAGEN_LIJST.name]
    opened = analyst.get(f"{server}/api/v1/dataset/{questions['datasource']['id']}", timeout=30)
    assert opened.status_code == 200, opened.text
    assert {c["column_name"] for c in opened.json()["result"]["columns"]} == {c.name for c in VRAGEN.columns}
    assert not {c.name for c in VRAGEN.columns} & CITIZEN_COLUMNS
    assert status(analyst, VRAGEN_LIJST.name) == 200
    assert status(auditor, VRAGEN_LIJST.name) == 403
    questions["form_data"].update(dashboardId=dashboards["vragen"], slice_id=charts[VRAGEN_LIJST.name])
    assert status(auditor, VRAGEN_LIJST.name) == 403
    assert status(analyst, VRAGEN_LIJST.name) == 200

    def new_chart(session: requests.Session, dataset_of: str) -> requests.Response:
        dataset_id = queries[dataset_of]["datasource"]["id"]
        chart = {
            "slice_name": "Probeersel",
            "viz_type": "table",
            "datasource_id": dataset_id,
            "datasource_type": "table",
            "params": "{}",
        }
        return session.post(f"{server}/api/v1/chart/", json=chart, timeout=30)

    assert new_chart(auditor, dq_chart).status_code == 403  # auditors read only
    created = new_chart(analyst, marts_chart)  # analysts build charts on the marts
    assert created.status_code == 201, created.text
    assert analyst.delete(f"{server}/api/v1/chart/{created.json()['id']}", timeout=30).status_code == 200


def _state(api: requests.Session, base: str) -> dict[str, Any]:
    """What provisioning controls: objects with their ids, the dashboards' charts and roles."""
    dashboards = _list(api, base, "dashboard", ["id", "uuid", "dashboard_title", "slug", "roles.name"])
    return {
        "databases": _list(api, base, "database", ["id", "uuid", "database_name", "sqlalchemy_uri"]),
        "datasets": _list(api, base, "dataset", ["id", "uuid", "table_name", "schema"]),
        "charts": _list(api, base, "chart", ["id", "uuid", "slice_name", "params"]),
        "dashboards": dashboards,
        "dashboard_charts": {
            d["slug"]: sorted(
                c["id"] for c in api.get(f"{base}/api/v1/dashboard/{d['id']}/charts", timeout=30).json()["result"]
            )
            for d in dashboards
        },
    }


def test_second_provisioning_changes_nothing(api: requests.Session, server: str, env: dict[str, str]) -> None:
    before = _state(api, server)
    assert len(before["dashboards"]) == len(_bundle_dashboards())
    summary = _provision(env)
    assert '"upgrade+init ran": 0.0' in summary, summary  # the metadata was current
    assert _state(api, server) == before
