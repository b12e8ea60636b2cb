"""Amsterdam wall-clock time as UTC instants, the one rule for the two hours a year that need one.

Webcare exports write Europe/Amsterdam local time. PEP 495 ``fold=0``: the repeated October hour (02:00–02:59) is
read as its *first* occurrence (summer time, +02:00), and a time in the skipped March hour (02:00–02:59, which no
clock showed) is read with the offset before the change (+01:00), i.e. as the instant a clock that missed the
change would show. The parser converts each time with :func:`to_utc`; the bulk reader converts whole days by
:func:`utc_offset` and only clock-change days time by time (not with DuckDB's ICU, which reads the repeated
October hour as its *second* occurrence).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def to_utc(local: datetime) -> datetime:
    """An Amsterdam wall-clock time as a UTC instant (ambiguous and skipped hours: see the module doc)."""
    return local.replace(tzinfo=AMSTERDAM, fold=0).astimezone(UTC)



@cache
def utc_offset(day: date) -> int | None:
    """Seconds Amsterdam's clocks are ahead of UTC all that day (as :func:`to_utc` reads them); None on a day
    the clocks change, whose times :func:`to_utc` converts one by one. (The clocks change at most once a day:
    the same offset at 00:00, 06:00, 12:00, 18:00 and 23:59:59 holds all day.)"""
    times = [time(0), time(6), time(12), time(18), time(23, 59, 59)]
    offsets = {datetime.combine(day, t, tzinfo=AMSTERDAM).utcoffset() for t in times}  # fold=0, as to_utc
    return int(offsets.pop().total_seconds()) if len(offsets) == 1 else None
