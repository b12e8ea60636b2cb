"""Superset configuration of Dialoog: a local, read-only BI on the published DuckDB warehouse.

Loaded by Superset through ``SUPERSET_CONFIG_PATH`` (``superset/run.sh`` and ``superset/provision.py`` set
it). Everything lives under ``DIALOOG_HOME`` (default ``./var`` of the project); nothing here needs the
pipeline environment, so the file only uses the standard library.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

_PROJECT_ROOT = Path(__file__).resolve().parent.parent
DIALOOG_HOME = Path(os.environ.get("DIALOOG_HOME", _PROJECT_ROOT / "var")).expanduser().resolve()
_STATE = DIALOOG_HOME / "superset"


def kept_secret_key(path: Path) -> str:
    """The secret kept at ``path``, generated on first use (mode 600) so restarts keep sessions valid."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it between the check and the open
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(42))
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY") or kept_secret_key(DIALOOG_HOME / "secrets" / "superset_secret_key")

_STATE.mkdir(parents=True, exist_ok=True)
SQLALCHEMY_DATABASE_URI = os.environ.get(
    "SUPERSET_DATABASE_URI", f"sqlite:///{_STATE / 'superset.db'}?check_same_thread=false"
)
DATA_DIR = str(_STATE)
APP_NAME = "Dialoog"

# A small local installation; example data is never loaded (provisioning does not call load-examples).
ROW_LIMIT = 50_000
WTF_CSRF_ENABLED = True
SESSION_COOKIE_SAMESITE = "Lax"

# Dutch UI where Superset has translations, Dutch number and date formatting in charts.
BABEL_DEFAULT_LOCALE = "nl"
LANGUAGES = {"nl": {"flag": "nl", "name": "Nederlands"}, "en": {"flag": "us", "name": "English"}}
D3_FORMAT = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["€ ", ""]}
D3_TIME_FORMAT = {
    "dateTime": "%a %e %B %Y %X",
    "date": "%d-%m-%Y",
    "time": "%H:%M:%S",
    "periods": ["AM", "PM"],
    "days": ["zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"],
    "shortDays": ["zo", "ma", "di", "wo", "do", "vr", "za"],
    "months": [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "shortMonths": ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
}
CURRENCIES = ["EUR"]

FEATURE_FLAGS = {
    # Dashboards are granted to roles (Auditor, Analyst) instead of through every dataset they show.
    "DASHBOARD_RBAC": True,
    # Render every chart at once: the dashboards are small, and screenshots and printouts need them all.
    "DASHBOARD_VIRTUALIZATION": False,
    "DRILL_TO_DETAIL": True,
    "ALLOW_FULL_CSV_EXPORT": True,
}

# Files on disk so every gunicorn worker shares them. The published warehouse only changes on a
# publish, so chart data may be cached briefly; publishing may empty the data folder to refresh at once.
_CACHE_DIR = _STATE / "cache"
CACHE_CONFIG = {
    "CACHE_TYPE": "FileSystemCache",
    "CACHE_DIR": str(_CACHE_DIR / "metadata"),
    "CACHE_DEFAULT_TIMEOUT": int(timedelta(days=1).total_seconds()),
    "CACHE_KEY_PREFIX": "dialoog_",
}
DATA_CACHE_CONFIG = {
    "CACHE_TYPE": "FileSystemCache",
    "CACHE_DIR": str(_CACHE_DIR / "data"),
    "CACHE_DEFAULT_TIMEOUT": int(os.environ.get("SUPERSET_DATA_CACHE_TIMEOUT", "300")),
    "CACHE_KEY_PREFIX": "dialoog_data_",
}

# The Data Docs (Great Expectations' HTML reports, written by the pipeline) served at /datadocs/ to logged-in
# auditors and admins, so the Datakwaliteit dashboard can link to them: browsers do not open file:// links
# from an http page, and the server's files are not the reader's.
DATA_DOCS_DIR = DIALOOG_HOME / "reports" / "data_docs"
DATA_DOCS_ROLES = {"Admin", "Auditor"}
# The Data Docs pages are the pipeline's own static HTML with their CSS and scripts beside them
# (expectations/data_docs.py: nothing from a CDN); they run inline scripts and Vega's eval, which Superset's
# Content-Security-Policy would block on these pages only. Nothing outside this server may load.
DATA_DOCS_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-inline'", "'unsafe-eval'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
}


def serve_data_docs(app: Any) -> None:
    """Register /datadocs/<path> on Superset's Flask app (Superset calls this as FLASK_APP_MUTATOR)."""
    from flask import Blueprint, abort, redirect, request, send_from_directory
    from flask_login import current_user
    from superset.extensions import talisman

    blueprint = Blueprint("dialoog_data_docs", __name__)

    @blueprint.route("/datadocs/", defaults={"path": "index.html"})
    @blueprint.route("/datadocs/<path:path>")
    @talisman(content_security_policy=DATA_DOCS_CSP, content_security_policy_nonce_in=[])
    def data_docs(path: str) -> Any:
        if not current_user.is_authenticated:
            return redirect(f"/login/?next={request.path}")
        if not {role.name for role in current_user.roles} & DATA_DOCS_ROLES:
            abort(403)
        # send_from_directory refuses paths that leave the folder.
        return send_from_directory(DATA_DOCS_DIR, path)

    app.register_blueprint(blueprint)


FLASK_APP_MUTATOR = serve_data_docs


# SQL Lab (and every chart query) may only read the served warehouse (docs/security.md, "SQL Lab").
# Two independent layers: the DuckDB connection itself runs with enable_external_access=false and
# lock_configuration=true (superset/bundle/databases/), so DuckDB refuses every file, network, ATTACH and
# extension access and every SET; and the guard below lets through only statements that are one read query
# (SELECT, WITH ... SELECT, UNION ...) without file-reading functions, into-clauses or path-like table names,
# so such SQL never reaches DuckDB at all. Superset's own DML check does not see COPY, ATTACH, INSTALL, SET,
# PRAGMA or CALL as writes.

# DuckDB functions that read files, URLs, other databases, secrets or SQL given as text. Superset refuses
# them itself in SQL Lab (DISALLOWED_SQL_FUNCTIONS, which here replaces Superset's lists for the engines
# Dialoog does not connect to); the guard also refuses whatever matches the pattern.
_DUCKDB_FILE_FUNCTIONS = {
    "read_csv",
    "read_csv_auto",
    "read_json",
    "read_json_auto",
    "read_json_objects",
    "read_json_objects_auto",
    "read_ndjson",
    "read_ndjson_auto",
    "read_ndjson_objects",
    "read_text",
    "read_blob",
    "read_parquet",
    "read_xlsx",
    "parquet_scan",
    "parquet_metadata",
    "parquet_schema",
    "parquet_file_metadata",
    "parquet_kv_metadata",
    "glob",
    "sniff_csv",
    "query",
    "query_table",
    "json_execute_serialized_sql",
    "iceberg_scan",
    "delta_scan",
    "sqlite_scan",
    "postgres_scan",
    "mysql_scan",
    "st_read",
    "duckdb_secrets",
    "duckdb_extensions",
    "which_secret",
    "load_aws_credentials",
    "getenv",
}
DISALLOWED_SQL_FUNCTIONS = {"duckdb": _DUCKDB_FILE_FUNCTIONS}
_FILE_FUNCTION_PATTERN = (
    r"^(read_|parquet_|sniff_|iceberg_|delta_|sqlite_|postgres_|mysql_|st_read|json_execute|ducklake_)"
    r"|_scan$|_attach$"
)
# Table functions a read may use in FROM: series, unnesting and the catalog's own description.
_ALLOWED_TABLE_FUNCTIONS = {
    "generate_series",
    "range",
    "unnest",
    "generate_subscripts",
    "duckdb_tables",
    "duckdb_views",
    "duckdb_columns",
    "duckdb_schemas",
    "duckdb_types",
    "duckdb_functions",
    "duckdb_constraints",
    "duckdb_indexes",
    "duckdb_keywords",
}
# Statement kinds that never belong in a read, wherever they appear in the tree.
_FORBIDDEN_NODES = (
    "Into Copy Attach Detach Install Set Pragma Command Create Drop Insert Update Delete Merge Alter "
    "TruncateTable Use Transaction Commit Rollback Describe Summarize Show Export Kill Cache Refresh Analyze "
    "LoadData"
).split()
# A table name with one of these is a file path, URL or glob to DuckDB (its replacement scans), not a table.
_PATH_CHARACTERS = set("/\\.:*?~$%")


def sql_refusal(sql: str) -> str | None:
    """Why ``sql`` is not a plain read of the warehouse in DuckDB's dialect, or None when it is one."""
    import re

    import sqlglot
    from sqlglot import exp

    try:
        statements = [s for s in sqlglot.parse(sql, dialect="duckdb") if s is not None]
    except sqlglot.errors.SqlglotError as error:
        return f"the statement could not be parsed ({str(error).splitlines()[0]})"
    if not statements:
        return "there is no statement"
    forbidden = tuple(getattr(exp, name) for name in _FORBIDDEN_NODES if hasattr(exp, name))
    for statement in statements:
        if not isinstance(statement, exp.Query):
            return f"only SELECT queries may run here, not {type(statement).__name__.upper()}"
        if node := statement.find(*forbidden):
            return f"a query may not contain {type(node).__name__.upper()}"
        for function in statement.find_all(exp.Func):
            names = {function.sql_name().lower(), type(function).__name__.lower()}
            if isinstance(function, exp.Anonymous):
                names = {function.name.lower()}
            for name in names:
                if name in _DUCKDB_FILE_FUNCTIONS or re.search(_FILE_FUNCTION_PATTERN, name):
                    return f"function {name} reads outside the warehouse"
        for table in statement.find_all(exp.Table):
            if isinstance(table.this, exp.Func):
                name = table.this.name if isinstance(table.this, exp.Anonymous) else table.this.sql_name()
                if name.lower() not in _ALLOWED_TABLE_FUNCTIONS:
                    return f"table function {name.lower()} is not allowed"
            elif not isinstance(table.this, exp.Identifier):
                return f"{table.sql(dialect='duckdb')} is not a table of the warehouse"
            for part in table.parts:
                if set(part.name) & _PATH_CHARACTERS:
                    return f"{part.name!r} is a path, not a table of the warehouse"
    return None


def refuse_all_but_reads(sql: str, **kwargs: Any) -> str:
    """SQL_QUERY_MUTATOR: pass reads of a DuckDB database through unchanged, refuse everything else."""
    database = kwargs.get("database")
    if database is None or database.db_engine_spec.engine != "duckdb":
        return sql
    reason = sql_refusal(sql)
    if reason is None:
        return sql
    from superset.errors import ErrorLevel, SupersetError, SupersetErrorType
    from superset.exceptions import SupersetSecurityException

    raise SupersetSecurityException(
        SupersetError(
            message=f"Refused by Dialoog: {reason}. Only read queries on the warehouse may run.",
            error_type=SupersetErrorType.QUERY_SECURITY_ACCESS_ERROR,
            level=ErrorLevel.ERROR,
        )
    )


SQL_QUERY_MUTATOR = refuse_all_but_reads
# False: SQL Lab then calls the mutator once per statement and charts once per query (True would skip SQL Lab).
MUTATE_AFTER_SPLIT = False
