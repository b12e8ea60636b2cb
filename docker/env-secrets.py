"""Fill the empty secrets of a compose ``.env`` file with fresh random values, in place.

Usage: ``python3 docker/env-secrets.py .env`` after ``cp .env.example .env``. Secrets that already have a
value are kept (rotating one is a deliberate act), every other line is left as it is. Standard library
only, so it runs with any Python 3 on the host.
"""

from __future__ import annotations

import base64
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path


def _fernet_key() -> str:
    """A Fernet key: 32 random bytes, URL-safe base64 (what Airflow's fernet_key expects)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def _hex() -> str:
    """Hex only, so the value is safe inside a database URL without quoting."""
    return secrets.token_hex(24)


def _token() -> str:
    return secrets.token_urlsafe(42)


GENERATORS: dict[str, Callable[[], str]] = {
    "POSTGRES_PASSWORD": _hex,
    "AIRFLOW_FERNET_KEY": _fernet_key,
    "AIRFLOW_JWT_SECRET": _token,
    "AIRFLOW_API_SECRET_KEY": _token,
    "SUPERSET_SECRET_KEY": _token,
}


def fill_secrets(text: str) -> tuple[str, list[str]]:
    """``text`` with every empty secret line given a value, and the names that were filled."""
    lines, filled = [], []
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() in GENERATORS and not value.strip():
            line = f"{name.strip()}={GENERATORS[name.strip()]()}"
            filled.append(name.strip())
        lines.append(line)
    missing = [name for name in GENERATORS if name not in {ln.partition("=")[0].strip() for ln in lines}]
    lines += [f"{name}={GENERATORS[name]()}" for name in missing]
    return "\n".join(lines) + "\n", filled + missing


def main(argv: list[str]) -> int:
    """Command line: fill the secrets of the given file, which must exist."""
    if len(argv) != 1:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    path = Path(argv[0])
    text, filled = fill_secrets(path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    os.chmod(path, 0o600)
    print(f"{path}: filled {', '.join(filled) or 'nothing (every secret already set)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
