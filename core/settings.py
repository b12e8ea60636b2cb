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
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


@dataclass(frozen=True)
class Limits:
    """What one landed file may hold before it is refused (quarantined with the limit as reason), whichever path
    reads it. The defaults are far above the real exports and the demo and benchmark data (README)."""

    #: How deep JSON may nest (the outermost object or array is level 1; a Graph API reply sits at level 10).
    max_json_depth: int = 64
    #: One JSON string, number or CSV field, or XLSX cell, in bytes (a Facebook message: at most ~250 kB).
    max_value_bytes: int = 1 << 20
    #: What one ZIP (an X archive, an XLSX workbook) may unpack to, declared and actually read.
    max_unpacked_bytes: int = 1 << 30
    #: Unpacked bytes per byte of the archive (X archives: ~12), once it unpacks to more than a MiB.
    max_unpack_ratio: float = 100.0
    #: Records (loaded and rejected) of one file.
    max_rows_per_file: int = 10_000_000


#: Environment variable of each limit.
LIMIT_VARIABLES: dict[str, str] = {
    "max_json_depth": "DIALOOG_MAX_JSON_DEPTH",
    "max_value_bytes": "DIALOOG_MAX_VALUE_BYTES",
    "max_unpacked_bytes": "DIALOOG_MAX_UNPACKED_BYTES",
    "max_unpack_ratio": "DIALOOG_MAX_UNPACK_RATIO",
    "max_rows_per_file": "DIALOOG_MAX_ROWS_PER_FILE",
}


def get_limits() -> Limits:
    """The file limits of the current environment (read on every call, so tests can change them); a value that
    is not a positive number is an error, not a silent default."""
    values: dict[str, float] = {}
    for name, variable in LIMIT_VARIABLES.items():
        text = os.environ.get(variable, "").strip().replace("_", "")
        if not text:
            continue
        try:
            value = float(text) if name == "max_unpack_ratio" else int(text)
        except ValueError as exc:
            raise ValueError(f"{variable}={text!r} is not a number") from exc
        if value <= 0:
            raise ValueError(f"{variable} must be positive, not {text}")
        values[name] = value
    return Limits(**values)


#: The environment variable that asks for a full build (``make pipeline FULL_REFRESH=1`` sets it).
FULL_REFRESH_VARIABLE = "DIALOOG_FULL_REFRESH"


def full_refresh_asked() -> bool:
    """Whether the environment asks for a full build (``DIALOOG_FULL_REFRESH`` is ``1`` or ``true``)."""
    return os.environ.get(FULL_REFRESH_VARIABLE, "").strip().lower() in ("1", "true")


def get_settings() -> Settings:
    """Settings from the current environment (read on every call, so tests can change it)."""
    home = Path(os.environ.get("DIALOOG_HOME", PROJECT_ROOT / "var")).expanduser().resolve()
    return Settings(home=home)
