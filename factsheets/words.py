"""Dutch numbers and the maturity level in words (CONTRACT.md §4), from the columns the level is computed from.

The words explain the level the mart gives: what it reached, and the first condition of the next level it misses.
Numbers shown beside a threshold never seem to contradict it: a value under the threshold is rounded down
(49.96 % is "49,9 %", not "50 %"), so "31 % ... minder dan 50 %" is always true as printed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    """The dbt vars of the maturity levels (dbt_project.yml); the defaults are the contract's."""

    broadcast_min_messages: int = 52
    converse_min_answer_rate: float = 0.5
    integrated_max_median_hours: float = 24.0


def number(value: float | int | None, decimals: int = 0) -> str:
    """Dutch notation: 12.345 and 3,5; a dash for nothing."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _down(value: float, decimals: int) -> float:
    scale = 10 ** decimals
    return math.floor(value * scale + 1e-9) / scale


def percent(rate: float | None, below: float | None = None) -> str:
    """A fraction as a Dutch percentage, whole (31 %); under ``below`` never shown as ``below`` or more."""
    if rate is None:
        return "–"
    shown = round(rate * 100)
    if below is not None and rate < below and shown >= below * 100:
        return f"{number(_down(rate * 100, 1), 1)} %"
    return f"{number(shown)} %"


def hours(value: float | None, below: float | None = None) -> str:
    """Hours with one decimal (3,5 uur); under ``below`` never shown as ``below`` or more."""
    if value is None:
        return "–"
    if below is not None and value < below:
        value = _down(value, 1)
        if value >= below:  # pragma: no cover - _down keeps it under
            value = below - 0.1
    return f"{number(value, 1)} uur"


def maturity_reason(level: int, row: dict, has_survey: bool, limits: Thresholds = Thresholds()) -> str:
    """``niveau N: why``, from the row's ``channels``, ``channel_messages``, ``questions``, ``answered``,
    ``answer_rate``, ``kcc_involved`` and ``median_response_hours`` (rpt_municipality_year) and whether the
    municipality answered the survey that year."""
    messages = row.get("channel_messages") or 0
    questions = row.get("questions") or 0
    rate = row.get("answer_rate")
    median = row.get("median_response_hours")
    min_messages, min_rate, max_hours = (limits.broadcast_min_messages, limits.converse_min_answer_rate,
                                         limits.integrated_max_median_hours)
    min_rate_words = percent(min_rate)
    max_hours_words = f"{number(max_hours)} uur"
    if level == 0:
        reason = "geen eigen kanaal actief dit jaar"
    elif level == 1:
        channels = row.get("channels") or 0
        reason = (f"{number(channels)} {'kanaal' if channels == 1 else 'kanalen'} aanwezig, maar "
                  f"{number(messages)} {'bericht' if messages == 1 else 'berichten'} verstuurd, "
                  f"minder dan {number(min_messages)}")
    elif level == 2:
        if not questions:
            reason = f"{number(messages)} berichten verstuurd, maar geen vragen van inwoners ontvangen"
        else:
            reason = f"{percent(rate, below=min_rate)} van de vragen beantwoord, minder dan {min_rate_words}"
    elif level in (3, 4):
        answered = f"{percent(rate)} van de vragen beantwoord ({min_rate_words} of meer)"
        if level == 4:
            reason = (f"{answered}, KCC betrokken volgens de enquête en mediane reactietijd "
                      f"{hours(median, below=max_hours)}, onder {max_hours_words}")
        else:
            missing = []
            if not row.get("kcc_involved"):
                missing.append("het KCC is volgens de enquête niet betrokken" if has_survey
                               else "geen enquête-antwoord dat het KCC betrokken is")
            if median is None or not median < max_hours:
                missing.append(f"de mediane reactietijd is {hours(median)}, niet onder {max_hours_words}")
            reason = answered + (", maar " + " en ".join(missing) if missing else "")
    else:
        raise ValueError(f"maturity level {level!r} is not 0-4")
    return f"niveau {level}: {reason}"


LEVEL_NAMES = {0: "geen kanaal", 1: "aanwezig", 2: "zenden", 3: "in gesprek", 4: "geïntegreerd"}
