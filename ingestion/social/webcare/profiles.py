"""Webcare tools' column profiles: how one tool's export columns map onto the webcare fields.

The profiles are data, one CSV file per tool in ``ingestion/social/profiles`` (``field,column,transform``; see
its README): adding a tool adds a file, no code. This module reads them and picks the one a file uses.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ingestion.framework import FileRejected

PROFILES_DIR = Path(__file__).resolve().parents[1] / "profiles"
DEFAULT_PROFILE = "webcare"
#: How ``datum`` is read unless a profile's ``date:`` transform says otherwise.
DATE_FORMATS = ("%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S")
#: The default formats as a reject reason names them.
DATE_DESCRIPTION = "dd-mm-jjjj hh:mm"
FIELDS = ("bericht_id", "datum", "kanaal", "account", "auteur", "richting", "in_antwoord_op", "tekst",
          "mentions", "gesprek_id")
REQUIRED_FIELDS = ("bericht_id", "datum", "kanaal")
#: The values ``richting`` holds, lowercased, unless a profile's ``map:`` transform names its own.
DIRECTIONS = ("inkomend", "uitgaand")
#: A profile's ``separator`` row names its separators (a comma or tab is awkward to write in a CSV cell).
SEPARATORS = {"semicolon": ";", "comma": ",", "tab": "\t", "pipe": "|"}
DEFAULT_SEPARATOR = ";"
_ID_IN_URL = re.compile(r"(\d+(?:_\d+)?)\D*$")
#: strptime directives as a reject reason names them (the default's Dutch: jjjj is the year).
_DATE_PARTS = {"%Y": "jjjj", "%m": "mm", "%d": "dd", "%H": "hh", "%M": "mm", "%S": "ss", "%y": "jj"}


@dataclass(frozen=True)
class Profile:
    """How one tool's columns map onto the webcare fields: field → (column, transform); the separators its
    exports use, in the order a header is tried with them."""

    name: str
    mapping: dict[str, tuple[str, str]]
    separators: tuple[str, ...] = (DEFAULT_SEPARATOR,)
    direction_map: tuple[tuple[str, str], ...] = ()  # a map: transform's (value, direction) pairs

    def columns(self) -> list[str]:
        """The header names this profile needs (lowercased)."""
        return [column for column, transform in self.mapping.values() if not transform.startswith("const:")]

    def missing(self, header: list[str]) -> list[str]:
        return [column for column in self.columns() if column not in header]

    def value(self, field: str, row: dict[str, str]) -> str:
        """A field's value in one row (after the profile's transform), ``""`` when unmapped or empty. A ``map:``
        transform is not applied here: :meth:`directions` says what a ``richting`` value means."""
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

    def date_description(self) -> str:
        """The date format as a reject reason names it: ``dd-mm-jjjj hh:mm`` unless the profile has its own."""
        formats = self.date_formats()
        if formats == DATE_FORMATS:
            return DATE_DESCRIPTION
        return " or ".join(re.sub("%[a-zA-Z]", lambda d: _DATE_PARTS.get(d.group(), d.group()), f) for f in formats)

    def directions(self) -> dict[str, str]:
        """What each ``richting`` value (lowercased) means: ``inkomend`` or ``uitgaand``. The profile's ``map:``
        when it has one (then only its values are read), else the two values themselves."""
        return dict(self.direction_map) or {d: d for d in DIRECTIONS}


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
    separators = _separators(path, mapping.pop("separator", ("", "semicolon"))[1])
    unknown = set(mapping) - set(FIELDS)
    lacking = [f for f in REQUIRED_FIELDS if f not in mapping]
    if unknown or lacking:
        raise ValueError(f"profile {path.name}: unknown fields {sorted(unknown)}, missing fields {lacking}")
    return Profile(path.stem, mapping, separators, _direction_map(path, mapping))


def _separators(path: Path, names: str) -> tuple[str, ...]:
    unknown = [name for name in names.split() if name not in SEPARATORS]
    if unknown or not names.split():
        raise ValueError(f"profile {path.name}: separator {names!r} is not one or more of {', '.join(SEPARATORS)}")
    return tuple(dict.fromkeys(SEPARATORS[name] for name in names.split()))


def _direction_map(path: Path, mapping: dict[str, tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """A ``map:<value>=<direction>|…`` transform: only for ``richting``, onto ``inkomend`` / ``uitgaand``."""
    mapped = [f for f, (_, transform) in mapping.items() if transform.startswith("map:")]
    if mapped != ["richting"] and mapped:
        raise ValueError(f"profile {path.name}: a map: transform is for richting only, not {mapped}")
    if not mapped:
        return ()
    pairs = [pair.partition("=") for pair in mapping["richting"][1].removeprefix("map:").split("|")]
    directions = {value.strip().lower(): direction.strip().lower() for value, _, direction in pairs}
    if "" in directions or not set(directions.values()) <= set(DIRECTIONS):
        raise ValueError(f"profile {path.name}: richting's map must read <value>=inkomend|<value>=uitgaand")
    return tuple(directions.items())


def separators(folder_name: str) -> tuple[str, ...]:
    """The separators a file's header is tried with, in order: its folder's profile's, else ``;`` and then every
    other one a profile names."""
    profiles = load_profiles()
    if folder_name in profiles:
        return profiles[folder_name].separators
    return tuple(dict.fromkeys([DEFAULT_SEPARATOR, *(s for p in profiles.values() for s in p.separators)]))


def choose_profile(header: list[str], folder_name: str, separator: str = DEFAULT_SEPARATOR) -> Profile:
    """The profile named by the folder, else the first whose columns the header has, of the profiles whose files
    use this separator; else FileRejected."""
    profiles = load_profiles()
    candidates = [profiles[folder_name]] if folder_name in profiles else list(profiles.values())
    candidates = [profile for profile in candidates if separator in profile.separators]
    for profile in candidates:
        if not profile.missing(header):
            return profile
    if not candidates:
        raise FileRejected(f"no profile in ingestion/social/profiles reads {separator!r}-separated files", "line 1")
    first = candidates[0]
    # The header is the file's content: only the profile's own column names are named.
    raise FileRejected(
        f"missing column(s) {', '.join(first.missing(header))} (profile {first.name}); "
        f"the header has {len(header)} column(s); no profile in ingestion/social/profiles matches", "line 1")


def choose(read_header: Callable[[str], list[str]], folder_name: str) -> tuple[Profile, str, list[str]]:
    """The profile, separator and header of a file whose header ``read_header(separator)`` reads: tried with each
    of :func:`separators` in turn (``;`` first, so a ``;`` file picks as it always did). When none fits, the
    first separator's FileRejected (or csv.Error) is raised: the reason a ``;`` file always had."""
    first: FileRejected | csv.Error | None = None
    for separator in separators(folder_name):
        try:
            header = read_header(separator)
            return choose_profile(header, folder_name, separator), separator, header
        except (FileRejected, csv.Error) as exc:
            first = first or exc
    assert first is not None  # every profile names at least one separator
    raise first
