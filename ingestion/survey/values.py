"""Read the answers of one survey row as typed by respondents and survey tools.

Each function takes the cell text and returns the typed value, None for an empty cell, or raises
ValueError with a message fit for the quarantine when the text cannot be read as that kind of value.
Values that read fine but lie outside the allowed range (a grade of 11, department code 5) are returned
as they are: the data-quality suite reports them, the loader does not hide them.
"""

from __future__ import annotations

import re

from core.platforms import normalise_platform

#: CONTRACT.md §5: the department codes 1–4, in this order.
DEPARTMENT_CODES: dict[str, str] = {"1": "communicatie", "2": "kcc", "3": "gedeeld", "4": "anders"}

#: Spellings of the four departments seen in survey exports.
DEPARTMENT_WORDS: dict[str, str] = {
    "communicatie": "communicatie",
    "afdeling communicatie": "communicatie",
    "communicatieafdeling": "communicatie",
    "kcc": "kcc",
    "klantcontactcentrum": "kcc",
    "klantcontactcenter": "kcc",
    "gedeeld": "gedeeld",
    "anders": "anders",
}

_TRUE = {"ja", "j", "yes", "y", "true", "waar", "1"}
_FALSE = {"nee", "n", "no", "false", "onwaar", "0"}

#: Answers meaning "no channels at all" (an empty list, unlike an empty cell: no answer).
_NONE = {"geen", "-", "nvt", "n.v.t."}

_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_CHANNEL_SEPARATORS = re.compile(r"[,;/|\n]")


def read_decimal(text: str, column: str) -> float | None:
    """``7,2`` or ``7.2`` → 7.2."""
    cleaned = text.strip().replace(" ", "")
    if not cleaned:
        return None
    if not _NUMBER.match(cleaned):
        raise ValueError(f"{column} {text!r} is not a number")
    return float(cleaned.replace(",", "."))


def read_whole(text: str, column: str) -> int | None:
    """A whole number (``4``, or ``4,0`` / ``4.0`` from a spreadsheet)."""
    number = read_decimal(text, column)
    if number is None:
        return None
    if not number.is_integer():
        raise ValueError(f"{column} {text!r} is not a whole number")
    return int(number)


def read_year(text: str) -> int:
    """The survey year; required."""
    year = read_whole(text, "jaar")
    if year is None:
        raise ValueError("jaar is empty")
    if not 1900 <= year <= 2999:
        raise ValueError(f"jaar {text!r} is not a year")
    return year


def read_yes_no(text: str, column: str) -> bool | None:
    """``ja``/``nee`` (and yes/no, j/n, 1/0, true/false) → bool."""
    cleaned = text.strip().casefold()
    if not cleaned:
        return None
    if cleaned in _TRUE:
        return True
    if cleaned in _FALSE:
        return False
    raise ValueError(f"{column} {text!r} is not ja or nee")


def read_department(text: str) -> str | None:
    """Codes 1–4 or the department's name → its name; any other value is kept (lower case) for the checks."""
    cleaned = " ".join(text.strip().casefold().split())
    if not cleaned:
        return None
    code = cleaned.removesuffix(".0")
    return DEPARTMENT_CODES.get(code) or DEPARTMENT_WORDS.get(cleaned) or cleaned


def read_channels(text: str) -> list[str] | None:
    """``Twitter, Facebook`` → ``['x', 'facebook']``; ``geen`` → ``[]``; others kept, lower case.

    A name is read by the platform registry (``core/platforms.py``: codes and aliases such as ``x (twitter)``)."""
    if not text.strip():
        return None
    channels: list[str] = []
    for part in _CHANNEL_SEPARATORS.split(text):
        cleaned = " ".join(part.strip().casefold().split())
        platform = normalise_platform(cleaned) or cleaned
        if platform and platform not in _NONE and platform not in channels:
            channels.append(platform)
    return channels
