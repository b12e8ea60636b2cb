"""Exports of webcare tools: ``;``-separated CSV, one message per row, times in Amsterdam local time.

The standard layout is ``bericht_id;datum;kanaal;account;auteur;richting;in_antwoord_op;tekst``. Other
tools' exports map onto those fields through a *profile*: ``ingestion/social/profiles/<tool>.csv``
(``field,column,transform``; see ``profiles/README.md``). A file in a sub-folder named after a profile
uses that profile; otherwise the first profile whose columns are all present wins (``webcare`` first).

Encoding: UTF-8 with or without BOM, or Windows-1252 when the bytes do not decode as UTF-8.

Local time → UTC with ``Europe/Amsterdam``. Two hours a year need a rule (PEP 495 ``fold=0``):
the repeated October hour (02:00–02:59) is read as its *first* occurrence (summer time, +02:00), and a
time in the skipped March hour (02:00–02:59, which no clock showed) is read with the offset before the
change (+01:00), i.e. as the instant a clock that missed the change would show.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from ingestion.loading import FileRejected, Parsed, Record, RowRejected, Source
from ingestion.social.common import (
    MESSAGE_COLUMNS,
    is_excel_number,
    mentions_in,
    message,
    normalise_handle,
    normalise_platform,
)
from ingestion.tabular import detect_encoding

SOURCE_SYSTEM = "webcare_csv"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
DEFAULT_PROFILE = "webcare"
DATE_FORMATS = ("%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S")
FIELDS = ("bericht_id", "datum", "kanaal", "account", "auteur", "richting", "in_antwoord_op", "tekst",
          "mentions")
REQUIRED_FIELDS = ("bericht_id", "datum", "kanaal")
DIRECTIONS = ("inkomend", "uitgaand")
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
    raise FileRejected(
        f"missing column(s) {', '.join(first.missing(header))} (profile {first.name}); "
        f"header has {', '.join(header)}; no profile in ingestion/social/profiles matches", "line 1")


def to_utc(local: datetime) -> datetime:
    """An Amsterdam wall-clock time as a UTC instant (ambiguous and skipped hours: see module doc)."""
    return local.replace(tzinfo=AMSTERDAM, fold=0).astimezone(UTC)


def parse(path: Path) -> Iterator[Parsed]:
    """Messages of one webcare export; rows that cannot be used are rejected one by one."""
    with path.open(encoding=detect_encoding(path), newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        header = [h.strip().lstrip("\ufeff").lower() for h in next(reader, [])]
        if not any(header):
            raise FileRejected("empty file or no header", "line 1")
        profile = choose_profile(header, path.parent.name)
        start = reader.line_num + 1
        for fields in reader:
            position, start = f"line {start}", reader.line_num + 1
            if not any(f.strip() for f in fields):
                continue
            if len(fields) > len(header):
                yield RowRejected(position, f"{len(fields)} fields, the header has {len(header)}",
                                  ";".join(fields))
                continue
            yield _parse_row(dict(zip(header, fields, strict=False)), position, profile)


def _parse_row(row: dict[str, str], position: str, profile: Profile) -> Parsed:
    content = ";".join(row.values())

    def get(field: str) -> str:
        return profile.value(field, row)

    message_id, reply_to = get("bericht_id"), get("in_antwoord_op")
    for name, value in (("bericht_id", message_id), ("in_antwoord_op", reply_to)):
        if value and is_excel_number(value):
            return RowRejected(position, f"{name} {value!r} was mangled by Excel (digits lost)", content)
    if not message_id:
        return RowRejected(position, "bericht_id is empty", content)
    platform = normalise_platform(get("kanaal"))
    if platform is None:
        reason = f"kanaal {get('kanaal')!r} is not x, twitter, facebook or instagram"
        return RowRejected(position, reason, content)
    direction = get("richting").lower() or None
    if direction not in (None, *DIRECTIONS):
        return RowRejected(position, f"richting {direction!r} is not inkomend or uitgaand", content)
    created_at = _parse_local(get("datum"), profile.date_formats())
    if created_at is None:
        return RowRejected(position, f"datum {get('datum')!r} does not parse as dd-mm-jjjj hh:mm", content)
    text = get("tekst") or None
    listed = [h for h in (normalise_handle(m) for m in re.split(r"[\s,]+", get("mentions"))) if h]
    return Record(position, message(
        platform, message_id, created_at, SOURCE_SYSTEM,
        author_handle=get("auteur"), text=text, in_reply_to_id=reply_to or None,
        mentions=list(dict.fromkeys(listed + mentions_in(text))),
        channel_handle=get("account"), direction=direction,
    ))


def _parse_local(value: str, formats: tuple[str, ...]) -> datetime | None:
    for fmt in formats:
        try:
            return to_utc(datetime.strptime(value.strip(), fmt))
        except ValueError:
            continue
    return None


WEBCARE_CSV = Source(name="webcare_csv", table="webcare_csv_messages", columns=MESSAGE_COLUMNS, parse=parse)
