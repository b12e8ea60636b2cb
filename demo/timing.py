"""When things happen: daily and weekly rhythms, office hours, Dutch public holidays, and the response-time
steering that makes a year's mean response time land on its target whatever the scale."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

#: Relative weight of each local hour for citizens' messages (evening peak) and for municipal posts.
INBOUND_HOURS = (1, 0.5, 0, 0.3, 0.3, 0.6, 1.5, 3, 5, 7, 7, 6.5, 6, 6, 6, 5.5, 5, 5, 5.5, 6, 6.5, 5.5, 4, 2)
POST_HOURS = (0, 0, 0, 0, 0, 0, 0.2, 1, 4, 7, 8, 7, 5, 6, 7, 7, 6, 3, 1, 1, 1.5, 1, 0.5, 0)
INBOUND_DAYS = (1.0, 1.0, 0.95, 0.95, 0.85, 0.55, 0.6)
POST_DAYS = (1.0, 1.0, 1.0, 1.0, 0.9, 0.12, 0.1)


@dataclass(frozen=True)
class ServiceHours:
    """When a municipality's webcare team works (local time); ``weekends`` also covers public holidays."""

    opens: int  # minutes after midnight
    closes: int
    weekends: bool


OFFICE = ServiceHours(8 * 60 + 30, 17 * 60, weekends=False)
EXTENDED = ServiceHours(8 * 60, 22 * 60, weekends=True)


def to_local(ts: int) -> datetime:
    """The Europe/Amsterdam wall-clock time of a UTC epoch second."""
    return datetime.fromtimestamp(ts, AMSTERDAM)


def epoch(day: date) -> int:
    """The UTC epoch second of local midnight starting ``day``."""
    return int(datetime(day.year, day.month, day.day, tzinfo=AMSTERDAM).timestamp())


@lru_cache(maxsize=32)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NL", years=year))


def is_holiday(day: date) -> bool:
    """Dutch public holiday (as the ``holidays`` package knows them)."""
    return day in _holidays(day.year)


def avoid_ambiguous_hour(ts: int) -> int:
    """Move an instant out of the repeated 02:00–03:00 hour of the autumn clock change.

    Local exports (webcare CSV) cannot tell the two 02:xx hours apart; keeping generated times out of it
    makes every local timestamp in the demo convert back to exactly one UTC instant.
    """
    local = to_local(ts)
    if local.hour == 2 and local.month == 10 and local.weekday() == 6 and local.day > 24:
        return ts + 3600
    return ts


def random_instant(rng: random.Random, start: int, end: int, hours: tuple[float, ...],
                   days: tuple[float, ...]) -> int:
    """A random instant in [start, end) (local midnights) following the local hour and weekday weights."""
    first = to_local(start).date()
    span = max(1, round((end - start) / 86_400))
    top = max(days)
    for _ in range(100):
        day = first + timedelta(days=rng.randrange(span))
        weight = days[day.weekday()] * (0.5 if is_holiday(day) else 1.0)
        if rng.random() * top < weight:
            break
    hour = rng.choices(range(24), cum_weights=_cumulative(hours))[0]
    local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=AMSTERDAM)
    return avoid_ambiguous_hour(min(max(int(local.timestamp()), start), end - 1))


@lru_cache(maxsize=8)
def _cumulative(weights: tuple[float, ...]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def is_open(ts: int, service: ServiceHours) -> bool:
    """True if the webcare team works at that instant."""
    local = to_local(ts)
    minute = local.hour * 60 + local.minute
    if not service.weekends and (local.weekday() >= 5 or is_holiday(local.date())):
        return False
    return service.opens <= minute < service.closes


def next_opening(ts: int, service: ServiceHours) -> int:
    """The first instant at or after ``ts`` at which the webcare team works."""
    if is_open(ts, service):
        return ts
    local = to_local(ts)
    day = local.date()
    if local.hour * 60 + local.minute >= service.opens:
        day += timedelta(days=1)
    while not service.weekends and (day.weekday() >= 5 or is_holiday(day)):
        day += timedelta(days=1)
    return epoch(day) + service.opens * 60


class ResponseSteering:
    """Draws first-reply delays whose mean over a year's answered questions lands on a target.

    The year's number of answered questions is known in advance, so each draw is scaled by what the
    remaining questions must still average; the final mean misses the target by about one delay / n.
    """

    def __init__(self, target_minutes: float, answered_total: int, base_lag_minutes: float) -> None:
        self.target = target_minutes
        self.remaining = max(answered_total, 1)
        self.budget = target_minutes * max(answered_total, 1)
        self.base_lag = base_lag_minutes

    def reply_instant(self, rng: random.Random, asked: int, service: ServiceHours) -> int:
        """When the first reply to a question asked at ``asked`` is sent."""
        needed = self.budget / max(self.remaining, 1)
        gain = min(max(needed / self.target, 0.02), 40.0) ** 1.6
        lag = rng.lognormvariate(math.log(self.base_lag * gain), 0.9)
        replied = asked + int(max(3.0, lag) * 60)
        if not is_open(replied, service) and rng.random() < 0.92:
            replied = next_opening(replied, service) + rng.randrange(5 * 60, 150 * 60)
        replied = avoid_ambiguous_hour(replied)
        self.remaining -= 1
        self.budget -= (replied - asked) / 60
        return replied


def utc_text(ts: int, style: str) -> str:
    """A UTC instant in one of the export formats: ``v2`` (X API), ``v1`` (archive), ``graph`` (Facebook)."""
    moment = datetime.fromtimestamp(ts, UTC)
    if style == "v2":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if style == "v1":
        return moment.strftime("%a %b %d %H:%M:%S +0000 %Y")
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def local_text(ts: int) -> str:
    """A UTC instant as a Dutch webcare export writes it: ``dd-mm-jjjj hh:mm`` local time."""
    return to_local(ts).strftime("%d-%m-%Y %H:%M")
