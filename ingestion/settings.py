"""The one place that reads Dialoog's configuration from the environment.

Every path lives under ``DIALOOG_HOME`` (default ``./var`` of the project). Defaults are the embedded
setup of ``make demo``: DuckDB files, SQLite metadata, local processes. See the README for the table.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Landing-zone sources, in load order (CONTRACT.md §2).
SOURCES: tuple[str, ...] = (
    "cbs_gemeenten",
    "cbs_herindelingen",
    "cbs_bevolking",
    "channels",
    "x_api",
    "x_archive",
    "facebook_graph",
    "webcare_csv",
    "survey",
)


@dataclass(frozen=True)
class Settings:
    """Resolved paths and options of one Dialoog installation."""

    home: Path

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def quarantine(self) -> Path:
        return self.home / "quarantine"

    @property
    def warehouse_path(self) -> Path:
        """The read-write build warehouse; only loaders and dbt open it, one at a time."""
        return self.home / "warehouse" / "warehouse.duckdb"

    @property
    def serving_dir(self) -> Path:
        return self.home / "serving"

    @property
    def serving_path(self) -> Path:
        """The published, read-only copy Superset reads (same file stem as the build file)."""
        return self.serving_dir / "warehouse.duckdb"

    @property
    def previous_serving_path(self) -> Path:
        return self.serving_dir / "previous" / "warehouse.duckdb"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def secrets_dir(self) -> Path:
        return self.home / "secrets"

    def citizen_key(self) -> bytes:
        """HMAC key for citizen pseudonyms: ``DIALOOG_CITIZEN_KEY`` or one generated and kept under home."""
        from_env = os.environ.get("DIALOOG_CITIZEN_KEY")
        if from_env:
            return from_env.encode("utf-8")
        return _kept_secret(self.secrets_dir / "citizen_hash.key").encode("utf-8")


def _kept_secret(path: Path) -> str:
    """Read a generated secret, creating it (mode 600) on first use so reruns keep the same value."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def get_settings() -> Settings:
    """Settings from the current environment (read on every call, so tests can change it)."""
    home = Path(os.environ.get("DIALOOG_HOME", PROJECT_ROOT / "var")).expanduser().resolve()
    return Settings(home=home)
