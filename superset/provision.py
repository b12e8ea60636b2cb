"""Provision Superset for Dialoog: metadata database, admin user, roles and the dashboard bundle.

Run with the bi environment: ``.venv/bi/bin/python superset/provision.py`` (``DIALOOG_HOME`` as for the
pipeline). Safe to run again: the metadata is upgraded and the permissions synced only when Superset's
schema or version changed since the last run, and the bundle import overwrites every object by UUID, so
ids stay stable and the dashboards return to what the committed YAML says.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import os
import sys
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

SUPERSET_DIR = Path(__file__).resolve().parent
BUNDLE_DIR = SUPERSET_DIR / "bundle"
BUNDLE_ROOT = "dialoog_dashboards"  # top folder inside the zip, as Superset's own exports have one
HOME_PLACEHOLDER = "${DIALOOG_HOME}"
DATABASE_NAME = "Dialoog warehouse"  # must equal database_name in bundle/databases/

# Dashboards are granted to roles (DASHBOARD_RBAC), keyed by the slug in the bundle.
DASHBOARD_ROLES = {
    "landelijk-overzicht": ("Analyst", "Auditor"),
    "gemeente": ("Analyst", "Auditor"),
    "ranglijst": ("Analyst", "Auditor"),
    # The questions behind the figures (pseudonymised, from the facts): for analysts, who may read the marts.
    "vragen": ("Analyst",),
    "datakwaliteit": ("Auditor",),
}
# Charts that earlier versions of the bundle installed and the current one dropped. Only these are removed:
# charts that analysts built themselves are never touched.
RETIRED_CHART_UUIDS = (
    "1e715fdb-c13c-4541-b90e-1927dae61850",  # Aantal gemeenten (current count, replaced by the 2014 figures)
    "db1aeb1e-e291-4667-b698-fd495743ab84",  # Gemeenten per provincie (replaced by Per provincie)
    "cb6502c1-2f6c-4fe9-b027-6b222900fede",  # Huidige gemeenten
)
# Which warehouse schemas each role may query (explore, chart data, SQL Lab).
ROLE_SCHEMAS = {"Analyst": ("marts",), "Auditor": ("dq",)}
# Marts tables a role may query besides its schemas, by the UUID of their dataset in the bundle: the tables of
# docs/lineage.md's query from a figure to its files, none with citizen data (tests/superset/test_bundle.py).
ROLE_DATASETS = {
    "Auditor": (
        "5b0c8a43-7d0e-4c5f-9d3a-0f6f2b7c1a02",  # rpt_municipality_year
        "82dcda32-ee80-5c89-a29b-3f5ca2e1dcef",  # fct_replies
        "75c4e0b3-a20a-574b-a7df-a088bbbda15c",  # fct_message_sources
        "bf05ae74-02e5-576b-97e4-b2ab2d4c8dc9",  # dim_source_file
    ),
}
# Permissions that change objects; the Auditor reads only.
_WRITE_PERMISSIONS = {"can_write", "can_add", "can_edit", "can_delete", "can_import", "can_save"}

log = logging.getLogger("dialoog.superset")


def dialoog_home() -> Path:
    """The installation's home folder, as the pipeline resolves it."""
    default = SUPERSET_DIR.parent / "var"
    return Path(os.environ.get("DIALOOG_HOME", default)).expanduser().resolve()


def build_bundle(home: Path, target: Path) -> dict[str, str]:
    """Zip the committed bundle to ``target`` with the warehouse path filled in; return its contents."""
    contents: dict[str, str] = {}
    for path in sorted(BUNDLE_DIR.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8").replace(HOME_PLACEHOLDER, str(home))
        contents[path.relative_to(BUNDLE_DIR).as_posix()] = text
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, text in contents.items():
            # A fixed date keeps the zip byte-identical between runs.
            info = zipfile.ZipInfo(f"{BUNDLE_ROOT}/{name}", date_time=(2025, 1, 1, 0, 0, 0))
            bundle.writestr(info, text)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(buffer.getvalue())
    return contents


@contextmanager
def step(name: str, timings: dict[str, float]) -> Iterator[None]:
    """Time one provisioning step for the summary line."""
    started = time.monotonic()
    yield
    timings[name] = round(time.monotonic() - started, 2)


def create_superset_app() -> Any:
    """Superset's Flask app with Dialoog's configuration."""
    os.environ.setdefault("SUPERSET_CONFIG_PATH", str(SUPERSET_DIR / "superset_config.py"))
    from superset.app import create_app

    return create_app()


def schema_revisions() -> tuple[str | None, str]:
    """The metadata database's Alembic revision and the head revision of the installed Superset."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask import current_app
    from superset.extensions import db

    directory = current_app.extensions["migrate"].directory
    head = ScriptDirectory(directory).get_current_head()
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current, head


def upgrade_and_init(marker: Path, force: bool) -> bool:
    """``superset db upgrade`` and ``superset init``, unless the metadata is already current."""
    import flask_migrate
    from flask import current_app
    from superset.extensions import appbuilder, db, security_manager

    current, head = schema_revisions()
    # The metadata URI may hold a password: keep only its hash.
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"].encode("utf-8")
    state = {
        "superset": current_app.config["VERSION_STRING"],
        "revision": head,
        "metadata_sha256": hashlib.sha256(uri).hexdigest(),
    }
    if not force and current == head and marker.exists() and json.loads(marker.read_text()) == state:
        return False
    if current != head:
        flask_migrate.upgrade()
    appbuilder.add_permissions(update_perms=True)
    security_manager.sync_role_definitions()
    db.session.commit()
    marker.write_text(json.dumps(state, indent=2) + "\n")
    return True


def ensure_admin(username: str, password: str) -> Any:
    """The admin user, created or given the configured password and the Admin role."""
    from superset.extensions import db, security_manager
    from werkzeug.security import check_password_hash, generate_password_hash

    admin_role = security_manager.find_role("Admin")
    user = security_manager.find_user(username=username)
    if user is None:
        user = security_manager.add_user(
            username, "Dialoog", "Beheerder", f"{username}@dialoog.local", admin_role, password=password
        )
        if not user:
            raise RuntimeError(f"could not create Superset user {username!r}")
    elif not check_password_hash(user.password, password):
        user.password = generate_password_hash(password)
    if admin_role not in user.roles:
        user.roles.append(admin_role)
    db.session.commit()
    return user


def import_bundle(zip_path: Path, admin: Any) -> None:
    """Import the zipped bundle, overwriting databases, datasets, charts and dashboards by UUID.

    ``superset import-dashboards`` would leave existing databases, datasets and charts untouched
    (Superset 6.1 imports them with ``overwrite=False``), so an edited bundle or a moved DIALOOG_HOME
    would not reach an installed Superset; the assets import overwrites all of them.
    """
    from superset.commands.importers.v1.assets import ImportAssetsCommand
    from superset.commands.importers.v1.utils import get_contents_from_bundle
    from superset.utils.core import override_user

    with zipfile.ZipFile(zip_path) as bundle:
        contents = get_contents_from_bundle(bundle)
    with override_user(admin):
        ImportAssetsCommand(contents).run()


def remove_retired_charts() -> int:
    """Delete the charts the bundle no longer ships; return how many there were."""
    from superset.extensions import db
    from superset.models.slice import Slice

    retired = db.session.query(Slice).filter(Slice.uuid.in_([UUID(u) for u in RETIRED_CHART_UUIDS])).all()
    for chart in retired:
        db.session.delete(chart)
    db.session.commit()
    return len(retired)


def _role_permissions(role: str, pvms: list[Any]) -> list[Any]:
    """Superset's Gamma and SQL Lab permissions, read-only for the Auditor, plus the role's schemas and tables."""
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db
    from superset.extensions import security_manager as sm

    chosen = [p for p in pvms if sm._is_gamma_pvm(p) or sm._is_sql_lab_pvm(p)]
    if role == "Auditor":
        chosen = [p for p in chosen if p.permission.name not in _WRITE_PERMISSIONS]
    for schema in ROLE_SCHEMAS[role]:
        perm = sm.get_schema_perm(DATABASE_NAME, None, schema)
        sm.add_permission_view_menu("schema_access", perm)
        chosen.append(sm.find_permission_view_menu("schema_access", perm))
    for uuid in ROLE_DATASETS.get(role, ()):
        perm = db.session.query(SqlaTable).filter_by(uuid=UUID(uuid)).one().get_perm()
        sm.add_permission_view_menu("datasource_access", perm)
        chosen.append(sm.find_permission_view_menu("datasource_access", perm))
    return chosen


def ensure_roles() -> None:
    """Roles Analyst (explore the marts, build charts) and Auditor (read dashboards, ``dq`` and the lineage)."""
    from superset.extensions import db, security_manager

    pvms = security_manager._get_all_pvms()
    for role_name in ROLE_SCHEMAS:
        role = security_manager.add_role(role_name)
        wanted = _role_permissions(role_name, pvms)
        if set(role.permissions) != set(wanted):
            role.permissions = wanted
    db.session.commit()


def grant_dashboards() -> None:
    """Give each bundled dashboard its roles, so readers need no access to every dataset it shows."""
    from superset.extensions import db, security_manager
    from superset.models.dashboard import Dashboard

    for slug, role_names in DASHBOARD_ROLES.items():
        dashboard = db.session.query(Dashboard).filter_by(slug=slug).one()
        roles = [security_manager.find_role(name) for name in role_names]
        if set(dashboard.roles) != set(roles):
            dashboard.roles = roles
    db.session.commit()


def provision(home: Path, force: bool = False) -> dict[str, float]:
    """Bring the Superset of ``home`` in line with the committed bundle; return seconds per step."""
    warehouse = home / "serving" / "warehouse.duckdb"
    if not warehouse.exists():
        raise SystemExit(f"No published warehouse at {warehouse}: run the pipeline (make pipeline) first.")
    timings: dict[str, float] = {}
    with step("app", timings):
        app = create_superset_app()
    state = home / "superset"
    with app.app_context():
        with step("upgrade+init", timings):
            ran = upgrade_and_init(state / "provisioned.json", force)
        timings["upgrade+init ran"] = float(ran)
        with step("admin", timings):
            admin = ensure_admin(
                os.environ.get("DIALOOG_ADMIN_USER", "admin"),
                os.environ.get("DIALOOG_ADMIN_PASSWORD", "admin"),
            )
        with step("import", timings):
            build_bundle(home, state / "dialoog_dashboards.zip")
            import_bundle(state / "dialoog_dashboards.zip", admin)
            timings["retired charts"] = float(remove_retired_charts())
        with step("roles", timings):
            ensure_roles()
            grant_dashboards()
    return timings


def main(argv: list[str] | None = None) -> int:
    """Command line: provision the Superset of DIALOOG_HOME and print what it took."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="run db upgrade and init even if current")
    args = parser.parse_args(argv)
    started = time.monotonic()
    timings = provision(dialoog_home(), force=args.force)
    total = time.monotonic() - started
    print(f"Superset provisioned in {total:.1f} s: " + json.dumps(timings), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
