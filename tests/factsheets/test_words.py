"""The maturity level in words (CONTRACT.md §4), one hand-computed case per level and reason, and Dutch numbers."""

from __future__ import annotations

import pytest

from factsheets.words import Thresholds, hours, maturity_reason, number, percent


def row(**values):
    base = {"channels": 2, "channel_messages": 60, "questions": 10, "answered": 6, "answer_rate": 0.6,
            "kcc_involved": True, "median_response_hours": 3.25}
    return base | values


@pytest.mark.parametrize(("level", "values", "survey", "expected"), [
    (0, {"channels": 0, "channel_messages": 0, "questions": 0, "answered": 0, "answer_rate": None}, False,
     "niveau 0: geen eigen kanaal actief dit jaar"),
    (1, {"channels": 1, "channel_messages": 40}, False,
     "niveau 1: 1 kanaal aanwezig, maar 40 berichten verstuurd, minder dan 52"),
    (1, {"channels": 3, "channel_messages": 1}, False,
     "niveau 1: 3 kanalen aanwezig, maar 1 bericht verstuurd, minder dan 52"),
    # 31 of 100 questions answered: the example of the issue
    (2, {"questions": 100, "answered": 31, "answer_rate": 0.31}, True,
     "niveau 2: 31 % van de vragen beantwoord, minder dan 50 %"),
    # 0.4996 rounds to 50 %: shown rounded down so the sentence stays true
    (2, {"questions": 2500, "answered": 1249, "answer_rate": 0.4996}, True,
     "niveau 2: 49,9 % van de vragen beantwoord, minder dan 50 %"),
    (2, {"channel_messages": 1200, "questions": 0, "answered": 0, "answer_rate": None}, False,
     "niveau 2: 1.200 berichten verstuurd, maar geen vragen van inwoners ontvangen"),
    (3, {"kcc_involved": False}, False,
     "niveau 3: 60 % van de vragen beantwoord (50 % of meer), maar geen enquête-antwoord dat het KCC betrokken is"),
    (3, {"kcc_involved": False}, True,
     "niveau 3: 60 % van de vragen beantwoord (50 % of meer), maar het KCC is volgens de enquête niet betrokken"),
    (3, {"answer_rate": 0.5, "median_response_hours": 30.04}, True,
     "niveau 3: 50 % van de vragen beantwoord (50 % of meer), maar de mediane reactietijd is 30,0 uur, "
     "niet onder 24 uur"),
    (3, {"kcc_involved": False, "median_response_hours": 24.0}, True,
     "niveau 3: 60 % van de vragen beantwoord (50 % of meer), maar het KCC is volgens de enquête niet betrokken "
     "en de mediane reactietijd is 24,0 uur, niet onder 24 uur"),
    (4, {}, True,
     "niveau 4: 60 % van de vragen beantwoord (50 % of meer), KCC betrokken volgens de enquête en mediane "
     "reactietijd 3,2 uur, onder 24 uur"),
    # 23.99 hours is under 24: never printed as 24,0
    (4, {"median_response_hours": 23.99}, True,
     "niveau 4: 60 % van de vragen beantwoord (50 % of meer), KCC betrokken volgens de enquête en mediane "
     "reactietijd 23,9 uur, onder 24 uur"),
])
def test_maturity_reason(level, values, survey, expected) -> None:
    assert maturity_reason(level, row(**values), survey) == expected


def test_maturity_reason_follows_the_dbt_vars() -> None:
    limits = Thresholds(broadcast_min_messages=100, converse_min_answer_rate=0.75, integrated_max_median_hours=8)
    assert maturity_reason(1, row(channel_messages=60), False, limits).endswith("minder dan 100")
    assert maturity_reason(2, row(), True, limits) == "niveau 2: 60 % van de vragen beantwoord, minder dan 75 %"
    assert maturity_reason(3, row(median_response_hours=9), True, limits).endswith("9,0 uur, niet onder 8 uur")


def test_maturity_reason_refuses_unknown_levels() -> None:
    with pytest.raises(ValueError):
        maturity_reason(5, row(), True)


def test_dutch_numbers() -> None:
    assert number(810937) == "810.937"
    assert number(3.5, 1) == "3,5"
    assert number(1234.5, 1) == "1.234,5"
    assert number(None) == "–"
    assert percent(0.3149) == "31 %" and percent(None) == "–"
    assert percent(0.4999, below=0.5) == "49,9 %" and percent(0.5, below=0.5) == "50 %"
    assert hours(23.96, below=24) == "23,9 uur" and hours(23.96) == "24,0 uur"
