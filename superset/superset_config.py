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
# The Data Docs pages are the pipeline's own static HTML; they load Bootstrap, jQuery and Vega from public
# CDNs and run inline scripts, which Superset's Content-Security-Policy would block on these pages only.
_DATA_DOCS_CDNS = [
    "https://cdn.jsdelivr.net",
    "https://code.jquery.com",
    "https://cdnjs.cloudflare.com",
    "https://stackpath.bootstrapcdn.com",
    "https://maxcdn.bootstrapcdn.com",
    "https://unpkg.com",
]
DATA_DOCS_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-inline'", "'unsafe-eval'", *_DATA_DOCS_CDNS],
    "style-src": ["'self'", "'unsafe-inline'", *_DATA_DOCS_CDNS],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:", *_DATA_DOCS_CDNS],
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
