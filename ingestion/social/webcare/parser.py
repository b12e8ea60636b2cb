"""Exports of webcare tools: ``;``-separated CSV, one message per row, times in Amsterdam local time.

The standard layout is ``bericht_id;datum;kanaal;account;auteur;richting;in_antwoord_op;tekst``. Other
tools' exports map onto those fields through a *profile* (``profiles.py``): a file in a sub-folder named after a
profile uses that profile; otherwise the first profile whose columns are all present wins (``webcare`` first).

Encoding: UTF-8 with or without BOM, or Windows-1252 when the bytes do not decode as UTF-8. Local time → UTC:
``clock.py``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from core.platforms import normalise_platform
from core.settings import get_limits
from ingestion.framework import FileRejected, Parsed, Record, RowRejected
from ingestion.framework.tabular import detect_encoding
from ingestion.social.messages import is_excel_number, mentions_in, message, normalise_handle
from ingestion.social.webcare.clock import to_utc
from ingestion.social.webcare.profiles import Profile, choose_profile

SOURCE_SYSTEM = "webcare_csv"
#: The raw table both readers load into.
TABLE = "webcare_csv_messages"
DIRECTIONS = ("inkomend", "uitgaand")


def parse(path: Path) -> Iterator[Parsed]:
    """Messages of one webcare export; rows that cannot be used are rejected one by one. A field longer than
    ``DIALOOG_MAX_VALUE_BYTES`` characters fails the file (csv.Error)."""
    csv.field_size_limit(get_limits().max_value_bytes)
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
        reason = f"kanaal {get('kanaal')!r} is not a platform of the platform registry"
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
