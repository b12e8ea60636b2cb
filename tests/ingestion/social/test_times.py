"""``parse_utc`` reads the Graph APIs' times (Facebook, Instagram) without ``strptime`` where it can: it must accept
exactly what ``strptime`` accepts, as the same instant, and refuse exactly what it refuses, with the same message
(a rejected row's reason quotes it)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest

from ingestion.social.messages import GRAPH_TIME, parse_utc


def _strptime_utc(value: str, fmt: str) -> datetime:
    """``parse_utc`` as it was: ``strptime`` alone."""
    parsed = datetime.strptime(value.strip(), fmt)
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def _outcome(read: Any, value: str, fmt: str) -> tuple[str, Any]:
    try:
        parsed = read(value, fmt)
    except Exception as exc:  # noqa: BLE001 - the very exception is what is compared
        return type(exc).__name__, str(exc)
    return "ok", (parsed, parsed.tzinfo, parsed.utcoffset())


VALID = [
    "2024-03-05T09:12:44+0000", "2024-03-05T09:12:44-0000", "2024-03-31T03:30:00+0200", "2024-10-27T02:30:00+0100",
    "2024-02-29T23:59:59-0530", "2024-12-31T23:30:00-0100", "0001-01-01T00:00:00+0000", "9999-12-31T23:59:59+0000",
    "9999-12-31T23:59:59+2359", "0001-01-01T23:59:59+2359", "1970-01-01T00:00:00+0000", " 2024-03-05T09:12:44+0000\n",
    # forms the fast path leaves to strptime, which reads them
    "2024-03-05T09:12:44Z", "2024-03-05T09:12:44+00:00", "2024-03-05t09:12:44+0000", "2024-3-5T9:2:4+0000",
    "2024-03- 5T09:12:44+0000", "2024-03-05T09:12:44+000000",
    "2024-03-05T09:12:44+01:30:15.25", "２０２４-03-05T09:12:44+0000", "2024-03-05T٩:12:44+0000",
]
INVALID = [
    "", "   ", "2024-03-05", "2024-03-05T09:12:44", "2024-03-05 09:12:44+0000", "2024-03-05T09:12:44.000+0000",
    "2024-03-05T09:12:44.123456Z", "2024-13-05T09:12:44+0000", "2024-00-05T09:12:44+0000", "2024-02-30T09:12:44+0000",
    "2023-02-29T09:12:44+0000", "2024-03-32T09:12:44+0000", "2024-03-00T09:12:44+0000", "2024-03-05T24:00:00+0000",
    "2024-03-05T09:60:00+0000", "2024-03-05T09:12:60+0000", "2024-03-05T09:12:61+0000", "2024-03-05T09:12:62+0000",
    "0000-01-01T00:00:00+0000", "2024-03-05T09:12:44+2400", "2024-03-05T09:12:44-9999", "2024-03-05T09:12:44+0060",
    "2024-03-05T09:12:44+01", "2024-03-05T09:12:44 +0000", "2024-03-05T09:12:44+0000x", "x2024-03-05T09:12:44+0000",
    "0001-01-01T00:00:00+0100", "9999-12-31T23:59:59-0100", "20240-03-05T09:12:44+0000", "2024-03-05T09:12:44z",
    "2024-03-05T09:12:44UTC", "2024-03-05T09:12:44+0000\x00",
    "2024-03-05T09:12:44+0000.5", "2024-03-05T09:12:44+٠١٠٠",
]


@pytest.mark.parametrize("value", VALID + INVALID)
def test_graph_times_are_read_as_strptime_reads_them(value: str) -> None:
    assert _outcome(parse_utc, value, GRAPH_TIME) == _outcome(_strptime_utc, value, GRAPH_TIME)


def test_the_samples_hold_what_they_claim() -> None:
    """The valid samples are read and the invalid refused (so the comparison above covers both sides)."""
    assert all(_outcome(_strptime_utc, v, GRAPH_TIME)[0] == "ok" for v in VALID)
    assert all(_outcome(_strptime_utc, v, GRAPH_TIME)[0] != "ok" for v in INVALID)
    assert parse_utc("2024-03-31T03:30:00+0200", GRAPH_TIME) == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
    assert parse_utc("2024-02-29T23:59:59-0530", GRAPH_TIME) == datetime(2024, 3, 1, 5, 29, 59, tzinfo=UTC)


def test_graph_times_agree_with_strptime_on_random_texts() -> None:
    """Valid times with random fields, and each with one character replaced, dropped or doubled."""
    rng = random.Random(20261207)
    alphabet = "0123456789+-:TtZz .٣"
    for _ in range(20000):
        text = (f"{rng.randint(0, 9999):04d}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}T"
                f"{rng.randint(0, 24):02d}:{rng.randint(0, 60):02d}:{rng.randint(0, 61):02d}"
                f"{rng.choice('+-')}{rng.randint(0, 25):02d}{rng.randint(0, 60):02d}")
        where = rng.randrange(len(text))
        for value in (text, text[:where] + rng.choice(alphabet) + text[where + 1:], text[:where] + text[where + 1:],
                      text[:where] + text[where] + text[where:]):
            assert _outcome(parse_utc, value, GRAPH_TIME) == _outcome(_strptime_utc, value, GRAPH_TIME), value


def test_other_formats_are_strptime_alone() -> None:
    fmt = "%a %b %d %H:%M:%S %z %Y"
    for value in ("Tue Jan 01 09:07:18 +0000 2013", "Tue Jan 01 09:07:18 2013", "2024-03-05T09:12:44+0000"):
        assert _outcome(parse_utc, value, fmt) == _outcome(_strptime_utc, value, fmt)
