"""Exports of webcare tools: CSV (``;``-separated unless a profile names another separator), one message per row,
times in Amsterdam local time.

The standard layout is ``bericht_id;datum;kanaal;account;auteur;richting;in_antwoord_op;tekst``. Other
tools' exports map onto those fields through a *profile* (``profiles.py``): a file in a sub-folder named after a
profile uses that profile; otherwise the first profile whose columns are all present wins (``webcare`` first, and
the header read with ``;`` before any other separator).

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
from ingestion.social.webcare.profiles import Profile, choose

SOURCE_SYSTEM = "webcare_csv"
#: The raw table both readers load into.
TABLE = "webcare_csv_messages"


def parse(path: Path) -> Iterator[Parsed]:
    """Messages of one webcare export; rows that cannot be used are rejected one by one. A field longer than
    ``DIALOOG_MAX_VALUE_BYTES`` characters fails the file (csv.Error)."""
    csv.field_size_limit(get_limits().max_value_bytes)
    with path.open(encoding=detect_encoding(path), newline="") as handle:

        def read_header(separator: str) -> list[str]:
            handle.seek(0)
            header = [h.strip().lstrip("\ufeff").lower() for h in next(csv.reader(handle, delimiter=separator), [])]
            if not any(header):
                raise FileRejected("empty file or no header", "line 1")
            return header

        profile, separator, header = choose(read_header, path.parent.name)
        handle.seek(0)
        reader = csv.reader(handle, delimiter=separator)
        next(reader)
        start = reader.line_num + 1
        for fields in reader:
            position, start = f"line {start}", reader.line_num + 1
            if not any(f.strip() for f in fields):
                continue
            if len(fields) > len(header):
                yield RowRejected(position, f"{len(fields)} fields, the header has {len(header)}",
                                  separator.join(fields))
                continue
            yield _parse_row(dict(zip(header, fields, strict=False)), position, profile, separator)


def _parse_row(row: dict[str, str], position: str, profile: Profile, separator: str) -> Parsed:
    content = separator.join(row.values())

    def get(field: str) -> str:
        return profile.value(field, row)

    message_id, reply_to, conversation = get("bericht_id"), get("in_antwoord_op"), get("gesprek_id")
    for name, value in (("bericht_id", message_id), ("in_antwoord_op", reply_to), ("gesprek_id", conversation)):
        if value and is_excel_number(value):
            return RowRejected(position, f"{name} {value!r} was mangled by Excel (digits lost)", content)
    if not message_id:
        return RowRejected(position, "bericht_id is empty", content)
    platform = normalise_platform(get("kanaal"))
    if platform is None:
        reason = f"kanaal {get('kanaal')!r} is not a platform of the platform registry"
        return RowRejected(position, reason, content)
    directions, richting = profile.directions(), get("richting").lower()
    direction = directions.get(richting) if richting else None
    if richting and direction is None:
        return RowRejected(position, f"richting {richting!r} is not {' or '.join(directions)}", content)
    created_at = _parse_local(get("datum"), profile.date_formats())
    if created_at is None:
        reason = f"datum {get('datum')!r} does not parse as {profile.date_description()}"
        return RowRejected(position, reason, content)
    text = get("tekst") or None
    listed = [h for h in (normalise_handle(m) for m in re.split(r"[\s,]+", get("mentions"))) if h]
    return Record(position, message(
        platform, message_id, created_at, SOURCE_SYSTEM,
        author_handle=get("auteur"), text=text, in_reply_to_id=reply_to or None, conversation_id=conversation or None,
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
