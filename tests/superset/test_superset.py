"""Superset end to end: provision from scratch, serve, check every chart's data, render in Chromium.

Needs the bi environment (``.venv/bi``) and Debian's ``chromium`` (``/usr/bin/chromium``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests
import yaml

from ingestion.settings import PROJECT_ROOT

pytestmark = pytest.mark.superset

BI_PYTHON = PROJECT_ROOT / ".venv" / "bi" / "bin" / "python"
PROVISION = PROJECT_ROOT / "superset" / "provision.py"
RUN_SH = PROJECT_ROOT / "superset" / "run.sh"
BUNDLE = PROJECT_ROOT / "superset" / "bundle"
SCREENSHOTS = PROJECT_ROOT / "test-output" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN = {"username": "admin", "password": "admin-test-password"}
BIG_NUMBER_UUID = "1e715fdb-c13c-4541-b90e-1927dae61850"  # "Aantal gemeenten" in the bundle


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


def _published_current_count(home: Path) -> int:
    with duckdb.connect(str(home / "serving" / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("SELECT count(*) FROM marts.dim_municipality WHERE is_current").fetchone()[0]


def test_every_chart_returns_data(api: requests.Session, server: str) -> None:
    charts = _list(api, server, "chart", ["id", "slice_name", "uuid"])
    assert len(charts) == len(list((BUNDLE / "charts").glob("*.yaml")))
    for chart in charts:
        answer = _chart_data(api, server, chart["id"])
        assert answer.status_code == 200, (chart["slice_name"], answer.text[:500])
        (result,) = answer.json()["result"]
        assert result["status"] == "success" and not result.get("error"), chart["slice_name"]
        assert result["rowcount"] > 0, chart["slice_name"]


def test_big_number_equals_the_published_count(
    api: requests.Session, server: str, published_home: Path
) -> None:
    (chart,) = [c for c in _list(api, server, "chart", ["id", "uuid"]) if c["uuid"] == BIG_NUMBER_UUID]
    (result,) = _chart_data(api, server, chart["id"]).json()["result"]
    assert result["data"] == [{"aantal_gemeenten": _published_current_count(published_home)}]
    assert result["data"][0]["aantal_gemeenten"] == 342  # the shipped CBS list of 2025


def _log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login/")
    page.locator("input[type=text]").first.fill(ADMIN["username"])
    page.locator("input[type=password]").fill(ADMIN["password"])
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url, timeout=30_000)


def _open_dashboard(page: Any, base: str, dashboard: dict[str, Any]) -> None:
    """Open a dashboard and wait until every chart on it has rendered."""
    page.goto(f"{base}/superset/dashboard/{dashboard['slug']}/")
    charts = _chart_count(dashboard)
    page.wait_for_function(
        """n => document.querySelectorAll('.dashboard-component-chart-holder .chart-container').length >= n
               && !document.querySelector('.dashboard-component-chart-holder .loading')""",
        arg=charts,
        timeout=60_000,
    )
    page.wait_for_load_state("networkidle")


def test_dashboards_render_in_chromium(server: str, published_home: Path) -> None:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing: apt-get update && apt-get install -y chromium")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    expected = str(_published_current_count(published_home))
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
            page.on(
                "response", lambda r: statuses.append(r.status) if "/api/v1/chart/data" in r.url else None
            )
            _log_in(page, server)
            for dashboard in _bundle_dashboards():
                statuses.clear()
                _open_dashboard(page, server, dashboard)
                assert statuses and set(statuses) == {200}, (dashboard["dashboard_title"], statuses)
                assert page.locator(".dashboard-component-chart-holder .alert-danger").count() == 0
                page.screenshot(path=str(SCREENSHOTS / f"{dashboard['slug']}.png"), full_page=True)
                if dashboard["slug"] == "landelijk-overzicht":
                    number = page.locator(".dashboard-component-chart-holder").filter(
                        has_text="Aantal gemeenten"
                    )
                    assert number.get_by_text(expected, exact=True).is_visible()
        finally:
            browser.close()


def _add_user(api: requests.Session, base: str, username: str, role: str) -> None:
    roles = api.get(
        f"{base}/api/v1/security/roles/", params={"q": json.dumps({"page_size": 100})}, timeout=30
    )
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
        name: json.loads(
            api.get(f"{server}/api/v1/chart/{cid}", timeout=30).json()["result"]["query_context"]
        )
        for name, cid in charts.items()
    }
    _add_user(api, server, "analist", "Analyst")
    _add_user(api, server, "auditor", "Auditor")
    analyst = _session(server, "analist", "analist-password")
    auditor = _session(server, "auditor", "auditor-password")

    def status(session: requests.Session, chart: str) -> int:
        return session.post(f"{server}/api/v1/chart/data", json=queries[chart], timeout=60).status_code

    assert status(analyst, "Aantal gemeenten") == 200  # marts
    assert status(analyst, "Laadruns") == 403  # dq is for auditors
    assert status(auditor, "Laadruns") == 200
    assert status(auditor, "Aantal gemeenten") == 403  # outside a dashboard, marts are the analysts'
    # ... but the dashboards granted to auditors show them (DASHBOARD_RBAC), as the browser asks for them.
    dashboards = {d["slug"]: d["id"] for d in _list(api, server, "dashboard", ["id", "slug"])}
    on_dashboard = queries["Aantal gemeenten"]
    on_dashboard["form_data"].update(
        dashboardId=dashboards["landelijk-overzicht"], slice_id=charts["Aantal gemeenten"]
    )
    assert status(auditor, "Aantal gemeenten") == 200

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

    assert new_chart(auditor, "Laadruns").status_code == 403  # auditors read only
    created = new_chart(analyst, "Aantal gemeenten")  # analysts build charts on the marts
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
                c["id"]
                for c in api.get(f"{base}/api/v1/dashboard/{d['id']}/charts", timeout=30).json()["result"]
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
