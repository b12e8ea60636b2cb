"""The yearly survey among municipalities (CONTRACT.md §5): one CSV per year, ``;`` and decimal commas,
names as respondents typed them (CBS names, common variants and a few unambiguous typing errors)."""

from __future__ import annotations

import csv
import random
import re
import unicodedata
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from demo.allocation import weighted_sample
from demo.geography import Geography
from demo.ids import rng_for
from demo.plan import MuniYear, YearPlan
from demo.targets import ALL_TARGETS

COLUMNS = ("gemeente", "jaar", "verantwoordelijke_afdeling", "rapportcijfer", "structureel", "kcc_betrokken",
           "steun_management", "kanalen")
DEPARTMENT_CODES = {"communicatie": "1", "kcc": "2", "gedeeld": "3", "anders": "4"}
ALIASES = {"'s-Gravenhage": "Den Haag", "'s-Hertogenbosch": "Den Bosch"}
#: Keys adjacent on a QWERTY keyboard, for believable typing errors.
NEIGHBOURS = {"a": "s", "e": "r", "i": "o", "o": "i", "n": "m", "r": "t", "l": "k", "d": "s", "t": "r",
              "s": "a", "m": "n", "u": "y", "k": "l", "g": "h", "h": "g", "b": "v", "w": "q", "v": "b"}


def normalise(name: str) -> str:
    """A name as the contract compares them: no case, accents, spaces, hyphens, apostrophes, ``Gemeente``."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower().strip()
    plain = re.sub(r"^gemeente\s+", "", plain)
    return re.sub(r"[\s\-'’`]", "", plain)


def all_known_names(geo: Geography) -> list[str]:
    """Every CBS name of any shipped year, normalised (typos must stay far from all of them)."""
    return sorted({normalise(n) for names in geo.lists.values() for n in names.values()})


def typo(rng: random.Random, name: str, known: list[str]) -> str | None:
    """One typing error that still leaves ``name`` the single municipality within two edits (or None)."""
    letters = [i for i, ch in enumerate(name) if ch.lower() in NEIGHBOURS and 0 < i < len(name) - 1]
    if len(normalise(name)) < 7 or not letters:
        return None
    spot = rng.choice(letters)
    roll = rng.random()
    if roll < 0.4:
        typed = name[:spot] + NEIGHBOURS[name[spot].lower()] + name[spot + 1:]
    elif roll < 0.7:
        typed = name[:spot] + name[spot + 1:]
    else:
        typed = name[:spot] + name[spot] + name[spot:]
    target = normalise(name)
    others = [k for k in known if k != target]
    if any(Levenshtein.distance(normalise(typed), other, score_cutoff=3) <= 3 for other in others):
        return None
    return typed


def typed_name(rng: random.Random, name: str, known: list[str]) -> str:
    """How a respondent writes the municipality's name."""
    if name in ALIASES and rng.random() < 0.6:
        return ALIASES[name]
    roll = rng.random()
    if "(" in name or roll < 0.72:
        return name
    if roll < 0.80:
        return name.lower() if rng.random() < 0.7 else name.upper()
    if roll < 0.86:
        return f"Gemeente {name}"
    if roll < 0.91:
        plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        return plain.replace("-", " ") if rng.random() < 0.5 else plain
    return typo(rng, name, known) or name


def ratings_with_mean(rng: random.Random, count: int, mean: float) -> list[float]:
    """``count`` report marks (mostly whole and half) whose mean is exactly ``mean`` (to one decimal)."""
    tenths = [min(95, max(45, 5 * round(rng.gauss(mean, 0.8) * 2))) for _ in range(count)]
    goal = round(mean * 10 * count)
    while abs(goal - sum(tenths)) >= 5:
        step = 5 if goal > sum(tenths) else -5
        index = rng.randrange(count)
        if 45 <= tenths[index] + step <= 95:
            tenths[index] += step
    if goal != sum(tenths):
        index = next(i for i, t in enumerate(tenths) if 45 <= t + goal - sum(tenths) <= 95)
        tenths[index] += goal - sum(tenths)
    return [t / 10 for t in tenths]


def _departments(rng: random.Random, respondents: list[str], comms: int) -> dict[str, str]:
    named = set(rng.sample(respondents, comms))
    rest = ("kcc", "gedeeld", "anders")
    return {c: "communicatie" if c in named else rng.choices(rest, (0.35, 0.45, 0.2))[0] for c in respondents}


def _row(rng: random.Random, muni: MuniYear, department: str, rating: float, platforms: str,
         name: str, codes: bool) -> list[str]:
    structural = muni.structural or rng.random() < 0.25
    kcc = muni.integrated or (not muni.structural and rng.random() < 0.3)
    return [name, str(muni.year), DEPARTMENT_CODES[department] if codes else department,
            f"{rating:.1f}".replace(".", ",").replace(",0", "") if rating == int(rating) else
            f"{rating:.1f}".replace(".", ","), "ja" if structural else "nee", "ja" if kcc else "nee",
            str(rng.choices((1, 2, 3, 4, 5), (0.15, 0.35, 0.3, 0.15, 0.05))[0]), platforms]


def write_survey(folder: Path, geo: Geography, plan: YearPlan, seed: int, platforms: dict[str, str]) -> Path:
    """Write the survey file of ``plan.year``: exact response count, share communicatie and its mean mark."""
    target = ALL_TARGETS[plan.year]
    rng = rng_for(seed, "survey", plan.year)
    codes = sorted(plan.munis)
    must = [c for c in codes if plan.munis[c].integrated]
    pool = [c for c in codes if c not in must]
    others = weighted_sample(rng, pool, [geo.inhabitants(c, plan.year) ** 0.3 for c in pool],
                             target.survey_responses - len(must))
    respondents = sorted(must + others)
    departments = _departments(rng, respondents, target.comms_responses)
    comms_marks = iter(ratings_with_mean(rng, target.comms_responses, target.avg_self_rating_comms))
    known = all_known_names(geo)
    year_names = geo.lists[plan.year]
    rows = []
    for code in respondents:
        dept = departments[code]
        mark = next(comms_marks) if dept == "communicatie" else min(9.5, max(4.0, round(rng.gauss(6.8, 1), 1)))
        name = typed_name(rng, year_names[code], known)
        rows.append(_row(rng, plan.munis[code], dept, mark, platforms.get(code, ""), name, plan.year < 2014))
    rng.shuffle(rows)  # answers come in the order they were submitted, not by code
    encoding = "cp1252" if plan.year < 2014 else "utf-8-sig" if plan.year < 2020 else "utf-8"
    path = folder / f"enquete-sociale-media-{plan.year}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path
