"""The building blocks: exact allocation, survey marks and names, labels, the plan's invariants."""

from __future__ import annotations

import random

import pytest

from demo import texts
from demo.allocation import apportion
from demo.channels import build_registry
from demo.geography import load_geography
from demo.labels import is_intended_question
from demo.plan import plan_year
from demo.survey import all_known_names, normalise, ratings_with_mean, typo
from demo.timing import OFFICE, ResponseSteering, is_open, next_opening


def test_apportion_is_exact_and_respects_caps() -> None:
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert apportion(7, [5, 1, 1], [2, 9, 9]) == [2, 3, 2]
    assert sum(apportion(1234, [random.Random(i).random() for i in range(50)])) == 1234
    with pytest.raises(ValueError):
        apportion(5, [1, 1], [2, 2])


def test_ratings_have_the_exact_mean() -> None:
    marks = ratings_with_mean(random.Random(1), 203, 7.2)
    assert round(sum(marks) / len(marks), 9) == 7.2
    assert all(4.5 <= m <= 9.5 for m in marks)


def test_typos_stay_unique() -> None:
    from rapidfuzz.distance import Levenshtein

    known = all_known_names(load_geography())
    rng = random.Random(3)
    made = [t for t in (typo(rng, "Amstelveen", known) for _ in range(50)) if t]
    assert made
    for typed in made:
        distances = sorted(Levenshtein.distance(normalise(typed), k) for k in known)
        assert distances[0] <= 2 < distances[1]


@pytest.mark.parametrize("seed", range(30))
def test_generated_texts_keep_their_label(seed: int) -> None:
    rng = random.Random(seed)
    topic, question = texts.question(rng, "algemeen")
    assert is_intended_question("@GemeenteX " + question)
    assert not is_intended_question("@GemeenteX " + texts.non_question(rng)[1])
    assert not is_intended_question("RT @GemeenteX: " + texts.post(rng, "verkiezingen", "https://t.co/x"))
    assert not is_intended_question(rng.choice(texts.FOLLOW_UPS))


def test_plan_levels_follow_the_definitions() -> None:
    geo = load_geography()
    channels = build_registry(geo, 7)
    for year in (2013, 2014, 2024):
        for muni in plan_year(geo, channels, 7, 0.02, year).munis.values():
            if muni.structural:
                assert muni.posts >= 52 and muni.questions >= 1 and 2 * muni.answered >= muni.questions
            elif muni.questions:
                assert 2 * muni.answered < muni.questions
            if muni.level == 1:
                assert muni.posts + muni.answered < 52


def test_replies_wait_for_office_hours() -> None:
    saturday_noon = 1_400_320_800  # 2014-05-17 12:00 Amsterdam
    opening = next_opening(saturday_noon, OFFICE)
    assert is_open(opening, OFFICE) and (opening - saturday_noon) / 3600 == pytest.approx(44.5)


def test_steering_lands_on_the_target_mean() -> None:
    rng = random.Random(5)
    steering = ResponseSteering(24 * 60, 400, 480)
    asked = [1_400_000_000 + rng.randrange(0, 300 * 86_400) for _ in range(400)]
    delays = [(steering.reply_instant(rng, t, OFFICE) - t) / 3600 for t in asked]
    assert sum(delays) / len(delays) == pytest.approx(24, abs=0.5)
