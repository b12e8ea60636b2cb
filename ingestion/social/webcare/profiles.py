"""Webcare tools' column profiles: how one tool's export columns map onto the webcare fields.

The profiles are data, one CSV file per tool in ``ingestion/social/profiles`` (``field,column,transform``; see
its README): adding a tool adds a file, no code. This module reads them and picks the one a file uses.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ingestion.framework import FileRejected

PROFILES_DIR = Path(__file__).resolve().parents[1] / "profiles"
DEFAULT_PROFILE = "webcare"
#: How ``datum`` is read unless a profile's ``date:`` transform says otherwise.
DATE_FORMATS = ("%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S")
FIELDS = ("bericht_id", "datum", "kanaal", "account", "auteur", "richting", "in_antwoord_op", "tekst",
          "mentions")
REQUIRED_FIELDS = ("bericht_id", "datum", "kanaal")
_ID_IN_URL = re.compile(r"(\d+(?:_\d+)?)\D*$")


@dataclass(frozen=True)
class Profile:
    """How one tool's columns map onto the webcare fields: field → (column, transform)."""

    name: str
    mapping: dict[str, tuple[str, str]]

    def columns(self) -> list[str]:
        """The header names this profile needs (lowercased)."""
        return [column for column, transform in self.mapping.values() if not transform.startswith("const:")]

    def missing(self, header: list[str]) -> list[str]:
        return [column for column in self.columns() if column not in header]

    def value(self, field: str, row: dict[str, str]) -> str:
        """A field's value in one row (after the profile's transform), ``""`` when unmapped or empty."""
        if field not in self.mapping:
            return ""
        column, transform = self.mapping[field]
        if transform.startswith("const:"):
            return transform.removeprefix("const:")
        raw = (row.get(column) or "").strip()
        if transform == "id_from_url" and raw:
            found = _ID_IN_URL.search(raw.split("?", 1)[0].rstrip("/"))
            return found.group(1) if found else ""
        return raw

    def date_formats(self) -> tuple[str, ...]:
        transform = self.mapping["datum"][1]
        return (transform.removeprefix("date:"),) if transform.startswith("date:") else DATE_FORMATS


@cache
def load_profiles(folder: Path = PROFILES_DIR) -> dict[str, Profile]:
    """Every profile file in the folder, the default one first."""
    profiles = {p.stem: _read_profile(p) for p in sorted(folder.glob("*.csv"))}
    order = sorted(profiles, key=lambda name: (name != DEFAULT_PROFILE, name))
    return {name: profiles[name] for name in order}


def _read_profile(path: Path) -> Profile:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = (line for line in handle if line.strip() and not line.lstrip().startswith("#"))
        rows = list(csv.DictReader(lines))
    mapping = {
        r["field"].strip(): ((r.get("column") or "").strip().lower(), (r.get("transform") or "").strip())
        for r in rows
    }
    unknown = set(mapping) - set(FIELDS)
    lacking = [f for f in REQUIRED_FIELDS if f not in mapping]
    if unknown or lacking:
        raise ValueError(f"profile {path.name}: unknown fields {sorted(unknown)}, missing fields {lacking}")
    return Profile(path.stem, mapping)


def choose_profile(header: list[str], folder_name: str) -> Profile:
    """The profile named by the folder, else the first whose columns the header has; else FileRejected."""
    profiles = load_profiles()
    candidates = [profiles[folder_name]] if folder_name in profiles else list(profiles.values())
    for profile in candidates:
        if not profile.missing(header):
            return profile
    first = candidates[0]
    # The header is the file's content: only the profile's own column names are named.
    raise FileRejected(
        f"missing column(s) {', '.join(first.missing(header))} (profile {first.name}); "
        f"the header has {len(header)} column(s); no profile in ingestion/social/profiles matches", "line 1")
