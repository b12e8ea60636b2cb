"""SQL Lab reads the served warehouse and nothing else, whoever asks (docs/security.md, "SQL Lab").

Two layers, each tested on its own: Superset refuses every statement that is not one read query
(``SQL_QUERY_MUTATOR`` and ``DISALLOWED_SQL_FUNCTIONS`` in superset_config.py, plus Superset's own DML and
table checks) before DuckDB sees it; and the DuckDB connection of the bundle runs with external access off
and its configuration locked, so DuckDB refuses the same statements if they ever reached it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests
import yaml

from core.settings import PROJECT_ROOT
from tests.superset.test_superset import BI_PYTHON, PROVISION, RUN_SH, _add_user, _free_port, _session

pytestmark = pytest.mark.superset

ADMIN = {"username": "admin", "password": "admin-sqllab-password"}
# One test user per role (superset/provision.py makes the roles); _add_user gives them "<name>-password".
ROLE_USERS = {"Analyst": "sqllab_analist", "Auditor": "sqllab_auditor"}
DATABASE_YAML = PROJECT_ROOT / "superset" / "bundle" / "databases" / "dialoog_warehouse.yaml"
# What DuckDB says when its external access is off: a refusal in Superset must come before this.
DUCKDB_REFUSAL = ("Permission Error", "file system operations are disabled", "disabled through configuration")
# A table per role, in a schema the role may query (provision.ROLE_SCHEMAS), for the plain reads.
READ_TABLES = {"Analyst": ("marts", "marts.dim_municipality"), "Auditor": ("dq", "dq.quarantined_files")}


def attacks(target: Path, build_warehouse: Path) -> dict[str, str]:
    """Statements that write or read outside the served warehouse; files would land under ``target``."""
    out = target / "copy.csv"
    return {
        "copy": f"COPY (SELECT * FROM marts.dim_municipality) TO '{out}' (HEADER)",
        "copy, odd case and comments": f"/* export */ CoPy (select 1 AS a) -- to file\n  tO '{target / 'copy2.csv'}'",
        "copy after a select": f"SELECT 1; COPY (SELECT 2) TO '{target / 'copy3.csv'}'",
        "attach the build warehouse": f"ATTACH '{build_warehouse}' AS build (READ_ONLY)",
        "attach, lower case": f"attach '{build_warehouse}' as b2",
        "detach": "DETACH warehouse",
        "install": "INSTALL httpfs",
        "load": "LOAD json",
        "set": "SET enable_external_access = true",
        "set threads": "set threads = 1",
        "reset": "RESET threads",
        "pragma": "PRAGMA database_list",
        "export database": f"EXPORT DATABASE '{target / 'export'}'",
        "import database": f"IMPORT DATABASE '{target / 'export'}'",
        "create": "CREATE TEMP TABLE t AS SELECT 1 AS a",
        "create macro": "CREATE MACRO m(a) AS a",
        "drop": "DROP TABLE marts.dim_municipality",
        "insert": "INSERT INTO marts.dim_municipality SELECT * FROM marts.dim_municipality",
        "call": "CALL duckdb_settings()",
        "read_csv": "SELECT * FROM read_csv('/etc/passwd')",
        "read_csv_auto, odd case": "select * from ReAd_CsV_AuTo('/etc/passwd')",
        "read_json": "SELECT * FROM read_json('/etc/passwd')",
        "read_json_auto": "SELECT * FROM read_json_auto('/etc/passwd')",
        "read_text": "SELECT * FROM read_text('/etc/hostname')",
        "read_blob": "SELECT * FROM read_blob('/etc/hostname')",
        "read_parquet": f"SELECT * FROM read_parquet('{build_warehouse}')",
        "parquet_scan": f"SELECT * FROM parquet_scan('{build_warehouse}')",
        "glob": "SELECT * FROM glob('/etc/*')",
        "sniff_csv": "SELECT * FROM sniff_csv('/etc/passwd')",
        "file as a table": "SELECT * FROM '/etc/passwd.csv'",
        "file as a quoted table": 'SELECT * FROM "/etc/hosts.csv"',
        "in a cte": "WITH f AS (SELECT * FROM read_text('/etc/hostname')) SELECT * FROM f",
        "in a sub-query": "SELECT (SELECT count(*) FROM glob('/tmp/*')) AS n",
        "in exists, with a comment": "SELECT 1 WHERE EXISTS (SELECT 1 FROM /* x */ read_blob('/etc/hostname'))",
        "in a lateral join": "SELECT * FROM marts.dim_municipality, LATERAL (SELECT * FROM read_csv('/etc/passwd'))",
        "sql as text": "SELECT * FROM query('SELECT * FROM read_text(''/etc/hostname'')')",
    }


def _written(target: Path) -> list[str]:
    return sorted(str(p.relative_to(target)) for p in target.rglob("*"))


@pytest.fixture(scope="module")
def home(published_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DIALOOG_HOME of its own serving a copy of the published warehouse (test_superset.py provisions
    published_home from scratch and must stay first there)."""
    home = tmp_path_factory.mktemp("sqllab_home")
    (home / "serving").mkdir()
    shutil.copy2(published_home / "serving" / "warehouse.duckdb", home / "serving" / "warehouse.duckdb")
    return home


@pytest.fixture(scope="module")
def server(home: Path) -> Iterator[str]:
    """That home's Superset, provisioned and serving; stopped (whole process group) afterwards."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DIALOOG_", "SUPERSET_"))},
        "DIALOOG_HOME": str(home),
        "SUPERSET_PORT": str(_free_port()),
        "DIALOOG_ADMIN_USER": ADMIN["username"],
        "DIALOOG_ADMIN_PASSWORD": ADMIN["password"],
    }
    done = subprocess.run(
        [str(BI_PYTHON), str(PROVISION)], env=env, capture_output=True, text=True, timeout=600, cwd=PROJECT_ROOT
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    try:
        started = subprocess.run([str(RUN_SH), "start"], env=env, capture_output=True, text=True, timeout=300)
        assert started.returncode == 0, started.stdout + started.stderr
        yield f"http://127.0.0.1:{env['SUPERSET_PORT']}"
    finally:
        subprocess.run([str(RUN_SH), "stop"], env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def sessions(server: str) -> dict[str, requests.Session]:
    """A logged-in API session per role, and the admin's."""
    admin = _session(server, **ADMIN)
    for role, username in ROLE_USERS.items():
        _add_user(admin, server, username, role)
    return {"Admin": admin} | {
        role: _session(server, username, f"{username}-password") for role, username in ROLE_USERS.items()
    }


@pytest.fixture(scope="module")
def database_id(sessions: dict[str, requests.Session], server: str) -> int:
    answer = sessions["Admin"].get(f"{server}/api/v1/database/", timeout=30)
    assert answer.status_code == 200, answer.text
    (database,) = [d for d in answer.json()["result"] if d["database_name"] == "Dialoog warehouse"]
    return database["id"]


def _execute(session: requests.Session, base: str, database_id: int, sql: str, schema: str | None = None) -> Any:
    """Run ``sql`` through SQL Lab's API, as the SQL Lab page does; return (HTTP status, body)."""
    answer = session.post(
        f"{base}/api/v1/sqllab/execute/",
        timeout=60,
        json={"database_id": database_id, "sql": sql, "schema": schema, "runAsync": False, "queryLimit": 100},
    )
    return answer.status_code, answer.json()


@pytest.mark.parametrize("role", ["Analyst", "Auditor", "Admin"])
def test_sqllab_refuses_writes_and_reads_outside_the_warehouse(
    role: str,
    server: str,
    sessions: dict[str, requests.Session],
    database_id: int,
    published_home: Path,
    tmp_path: Path,
) -> None:
    """Every statement is refused by Superset before DuckDB runs it, and leaves no file behind. The Admin
    is included because the Admin may query every table: there, only the statement checks stand."""
    build_warehouse = published_home / "warehouse" / "warehouse.duckdb"
    assert build_warehouse.exists()
    for name, sql in attacks(tmp_path, build_warehouse).items():
        status, body = _execute(sessions[role], server, database_id, sql)
        assert status != 200 and body.get("status") != "success", (role, name, status, body)
        errors = json.dumps(body.get("errors") or body)
        assert body.get("errors"), (role, name, body)
        # Refused by Superset, not merely failed in DuckDB: the DuckDB layer is a second line, tested below.
        assert not any(text in errors for text in DUCKDB_REFUSAL), (role, name, errors)
    assert _written(tmp_path) == []


@pytest.mark.parametrize("role", ["Analyst", "Auditor"])
def test_sqllab_connection_has_external_access_off(
    role: str, server: str, sessions: dict[str, requests.Session], database_id: int
) -> None:
    """The connection SQL Lab queries through is DuckDB's locked-down one, for every role."""
    sql = (
        "SELECT current_setting('enable_external_access') AS external, "
        "current_setting('lock_configuration') AS locked, current_setting('access_mode') AS mode"
    )
    status, body = _execute(sessions[role], server, database_id, sql)
    assert status == 200 and body["status"] == "success", body
    assert body["data"] == [{"external": False, "locked": True, "mode": "read_only"}]


@pytest.mark.parametrize("role", ["Analyst", "Auditor"])
def test_sqllab_runs_plain_reads(
    role: str, server: str, sessions: dict[str, requests.Session], database_id: int, home: Path
) -> None:
    schema, table = READ_TABLES[role]
    with duckdb.connect(str(home / "serving" / "warehouse.duckdb"), read_only=True) as con:
        (expected,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert expected > 0
    reads = [
        f"SELECT count(*) AS n FROM {table}",
        # With a CTE, a sub-query, odd case and comments.
        f"/* rows */ WiTh t AS (SELECT * FROM {table}) select count(*) AS n FROM t WHERE 1 = (SELECT 1) -- end\n",
    ]
    for sql in reads:
        status, body = _execute(sessions[role], server, database_id, sql, schema=schema)
        assert status == 200 and body["status"] == "success", (sql, body)
        assert body["data"] == [{"n": expected}], sql


def test_duckdb_refuses_the_attacks_on_the_bundles_connection(published_home: Path, tmp_path: Path) -> None:
    """The second line on its own: a connection opened as the bundle tells Superset to open it refuses every
    statement above that DuckDB can parse, even with no Superset in front of it."""
    extra = yaml.safe_load(DATABASE_YAML.read_text())["extra"]
    connect_args = extra["engine_params"]["connect_args"]
    assert connect_args["config"] == {"enable_external_access": False, "lock_configuration": True}
    served = tmp_path / "served.duckdb"
    shutil.copy2(published_home / "serving" / "warehouse.duckdb", served)
    target = tmp_path / "out"
    target.mkdir()
    build_warehouse = published_home / "warehouse" / "warehouse.duckdb"
    # Statements DuckDB refuses only because the file is read-only, or that touch nothing outside it.
    harmless = {"create", "create macro", "drop", "insert", "call", "detach", "pragma", "load"}
    with duckdb.connect(str(served), **connect_args) as con:
        for name, sql in attacks(target, build_warehouse).items():
            if name in harmless or name == "copy after a select":
                continue
            with pytest.raises(duckdb.Error) as refused:
                con.execute(sql).fetchall()
            assert any(text in str(refused.value) for text in (*DUCKDB_REFUSAL, "configuration has been locked")), (
                name,
                str(refused.value),
            )
    assert _written(target) == []


def test_auditors_trace_a_figure_to_its_files_but_not_to_citizens(
    server: str, sessions: dict[str, requests.Session], database_id: int, home: Path
) -> None:
    """The Auditor runs docs/lineage.md's query in SQL Lab, as the docs say, and gets what the served file gives;
    the facts with a citizen key stay closed to the role."""
    from tests.dbt.test_lineage import BUSSUM, YEAR, docs_query

    with duckdb.connect(str(home / "serving" / "warehouse.duckdb"), read_only=True) as con:
        gm_code, year = con.execute("SELECT gm_code, year FROM marts.rpt_municipality_year WHERE questions > 0 "
                                    "ORDER BY questions DESC, gm_code, year LIMIT 1").fetchone()
        query = docs_query().replace(f"where gm_code = '{BUSSUM}' and year = {YEAR}",
                                     f"where gm_code = '{gm_code}' and year = {year}").strip().rstrip(";")
        counted = f"select count(*) as n, count(distinct source_sha256) as files from ({query}) as traced"
        expected = con.execute(counted).fetchone()
    assert expected[0] > 0 and expected[1] > 0
    status, body = _execute(sessions["Auditor"], server, database_id, counted, schema="marts")
    assert status == 200 and body["status"] == "success", body
    assert body["data"] == [{"n": expected[0], "files": expected[1]}]
    status, body = _execute(sessions["Auditor"], server, database_id,
                            "SELECT count(*) AS n FROM marts.fct_questions", schema="marts")
    assert status != 200 and body.get("status") != "success", body
