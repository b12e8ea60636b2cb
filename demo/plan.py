"""The yearly plan: per municipality its intended maturity level and exact message quotas per channel.

Quotas are integers decided up front, so the national figures (answer rate, structural share) hold
exactly at any scale; only *which* messages and *when* is left to the streaming generator.
Maturity (CONTRACT.md §4): 2 = ≥ 52 messages by its channels; 3 (structural) = level 2, ≥ 1 question and
≥ 50 % answered. Level-1 municipalities stay well under 52 messages; non-structural ones answer < 50 %.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date

from demo.allocation import apportion, stochastic_round, weighted_sample
from demo.channels import Channel
from demo.geography import Geography
from demo.ids import rng_for
from demo.targets import ALL_TARGETS, YearTarget
from demo.timing import EXTENDED, OFFICE, ServiceHours

WEBCARE_SHARE = {2013: 0.10, 2014: 0.12, 2024: 0.35, 2025: 0.38}
INTEGRATED_SHARE = {2013: 0.10, 2014: 0.15, 2024: 0.30, 2025: 0.32}
#: From this year on every Instagram account's comments come as Graph API media pages (before: only through
#: webcare exports).
INSTAGRAM_GRAPH_FROM = 2025
#: Question and post weights of a channel by (platform, theme); Facebook overtakes X by 2024.
QUESTION_WEIGHT = {"x": 1.0, "facebook": 0.45, "instagram": 0.5, "kcc": 0.8, "project": 0.1,
                   "verkiezingen": 0.15, "crisis": 0.05, "raad": 0.05, "mastodon": 0.7, "bluesky": 0.6}
POST_WEIGHT = {"x": 1.0, "facebook": 0.6, "instagram": 0.3, "kcc": 0.2, "mastodon": 0.5, "bluesky": 0.4}
#: How the main accounts' weights move in the recent years: X shrinks, Facebook and Instagram grow.
RECENT_SHIFT = {2024: {"x": 0.45, "facebook": 2.2}, 2025: {"x": 0.35, "facebook": 2.2, "instagram": 1.6}}
LEVEL1_MAX_POSTS = 30
LEVEL1_MAX_ANSWERED = 10
INITIALS = "ABDEFGHIJKLMNPRSTVWY"


@dataclass(frozen=True)
class Quota:
    """What one channel carries in one year."""

    questions: int
    answered: int
    posts: int
    others: int  # inbound messages that are not questions (retweets come on top)


@dataclass
class MuniYear:
    """One municipality in one year: intended level and quotas."""

    gm_code: str
    year: int
    level: int
    structural: bool
    integrated: bool
    webcare: bool
    service: ServiceHours
    initials: tuple[str, ...]
    questions: int = 0
    answered: int = 0
    posts: int = 0
    others: int = 0
    quotas: dict[str, Quota] = field(default_factory=dict)


def data_channels(channels: list[Channel], year: int, webcare: bool) -> list[Channel]:
    """Channels active in ``year`` whose messages reach the landing zone (Instagram before 2025 only via webcare;
    parked and leaving accounts carry nothing)."""
    return [c for c in channels if c.window(year) and not c.quiet_in(year)
            and (c.platform != "instagram" or webcare or year >= INSTAGRAM_GRAPH_FROM)]


def _full_year(channel: Channel, year: int) -> bool:
    return channel.window(year) == (date(year, 1, 1), date(year, 12, 31))


def _limit_structural_share(rng: random.Random, structural: list[str], eligible: list[str],
                            pops: dict[str, float], limit: float) -> None:
    """Swap big structural municipalities for smaller ones until their expected question share is below
    ``limit``; structural ones answer at least half, so a large share would overshoot the answer rate."""
    total = sum(pops[c] ** 0.85 for c in eligible)
    while sum(pops[c] ** 0.85 for c in structural) / total > limit:
        biggest = max(structural, key=lambda c: (pops[c], c))
        smaller = sorted(c for c in eligible if c not in structural and pops[c] < pops[biggest])
        structural.remove(biggest)
        structural.append(rng.choice(smaller))


def _choose_roles(rng: random.Random, target: YearTarget, by_muni: dict[str, list[Channel]],
                  pops: dict[str, float]) -> tuple[set[str], set[str], set[str]]:
    """Municipalities using a webcare tool, structural ones, and integrated (level 4) ones."""
    year = target.year
    present = sorted(c for c, chs in by_muni.items() if data_channels(chs, year, False))
    webcare = set(weighted_sample(rng, present, [pops[c] ** 0.5 for c in present],
                                  round(WEBCARE_SHARE[year] * len(present))))
    eligible = [c for c in present if any(_full_year(ch, year) for ch in data_channels(by_muni[c], year, False))]
    weights = [pops[c] ** 0.15 * (1.3 if c in webcare else 1.0) for c in eligible]
    structural = weighted_sample(rng, eligible, weights, target.structural)
    _limit_structural_share(rng, structural, eligible, pops, 1.1 * target.answer_rate)
    integrated = set(weighted_sample(rng, structural, [1.0] * len(structural),
                                     round(INTEGRATED_SHARE[year] * len(structural))))
    return webcare, set(structural), integrated


def _muni_year(rng: random.Random, code: str, year: int, roles: tuple[set[str], set[str], set[str]],
               channels: list[Channel], share_broadcasting: float) -> MuniYear:
    webcare, structural, integrated = roles
    has_data = bool(data_channels(channels, year, code in webcare))
    level = 0 if not any(c.window(year) for c in channels) else 1
    if code in structural:
        level = 4 if code in integrated else 3
    elif has_data and rng.random() < share_broadcasting:
        level = 2
    extended = code in integrated or (year >= 2024 and code in structural and rng.random() < 0.5)
    staff = tuple("^" + rng.choice(INITIALS) + rng.choice(INITIALS) for _ in range(rng.randint(2, 5)))
    return MuniYear(code, year, level, code in structural, code in integrated, code in webcare,
                    EXTENDED if extended else OFFICE, staff)


def _volumes(rng: random.Random, muni: MuniYear, pop: float, scale: float, question_share: float) -> None:
    """Questions, posts and other inbound messages of one municipality-year (answered comes later)."""
    if muni.level == 0:
        return
    questions = stochastic_round(rng, scale * question_share)
    if muni.level == 1:
        muni.questions = min(questions, 12)
        muni.posts = rng.randint(3, LEVEL1_MAX_POSTS)
        muni.others = min(stochastic_round(rng, questions * rng.uniform(0.8, 1.3)), 8)
        return
    muni.questions = max(questions, 4) if muni.structural else questions
    posts = scale * (150 + 900 * math.sqrt(pop / 100_000)) * rng.uniform(0.6, 1.4)
    muni.posts = max(stochastic_round(rng, posts), 60 if muni.structural else 56)
    muni.others = stochastic_round(rng, muni.questions * rng.uniform(0.8, 1.3))

#: Answer-rate range of structural municipalities per year (they answer at least half by definition).
STRUCTURAL_RATES = {2013: (0.5, 0.65), 2014: (0.5, 0.7), 2024: (0.55, 0.9), 2025: (0.55, 0.9)}


def _trim_leaders(leaders: list[MuniYear], munis: list[MuniYear], rate: float) -> None:
    """Lower the question volume of the busiest structural municipalities while answering half of their
    questions alone would already exceed 85 % of the year's answered questions."""
    while True:
        goal = rate * sum(m.questions for m in munis)
        if sum(math.ceil(m.questions / 2) for m in leaders) <= 0.85 * goal:
            return
        busiest = max(leaders, key=lambda m: (m.questions, m.gm_code))
        if busiest.questions <= 4:
            raise ValueError(f"answer rate {rate} unreachable with these structural municipalities")
        busiest.questions = max(4, int(busiest.questions * 0.9))
        busiest.others = min(busiest.others, busiest.questions * 2)


def _answered(rng: random.Random, munis: list[MuniYear], target: YearTarget) -> None:
    """Answered questions per municipality, summing to exactly the year's answer rate."""
    leaders = [m for m in munis if m.structural]
    _trim_leaders(leaders, munis, target.answer_rate)
    goal = round(target.answer_rate * sum(m.questions for m in munis))
    low, high = STRUCTURAL_RATES[target.year]
    for muni in leaders:
        half = math.ceil(muni.questions / 2)
        muni.answered = min(muni.questions, max(half, round(muni.questions * rng.uniform(low, high))))
    others = [m for m in munis if not m.structural and m.questions > 0]
    caps = [min(math.ceil(m.questions / 2) - 1, LEVEL1_MAX_ANSWERED if m.level == 1 else m.questions)
            for m in others]
    rest = goal - sum(m.answered for m in leaders)
    while rest < 0:  # structural ones answer too much: bring the most generous back toward one half
        muni = max(leaders, key=lambda m: (m.answered - math.ceil(m.questions / 2), m.gm_code))
        if muni.answered <= math.ceil(muni.questions / 2):
            raise ValueError(f"{target.year}: answer rate {target.answer_rate} unreachable")
        muni.answered -= 1
        rest += 1
    while rest > sum(caps):  # the others cannot answer enough: structural ones answer more
        muni = max(leaders, key=lambda m: (m.questions - m.answered, m.gm_code))
        muni.answered += 1
        rest -= 1
    for muni, count in zip(others, apportion(rest, [m.questions * rng.uniform(0.2, 1.8) for m in others], caps),
                           strict=True):
        muni.answered = count


def _weight(table: dict[str, float], channel: Channel, year: int, default: float) -> float:
    key = channel.platform if channel.theme == "algemeen" else channel.theme
    value = table.get(key, default)
    if year >= 2024 and channel.theme == "algemeen":
        value *= RECENT_SHIFT[min(year, max(RECENT_SHIFT))].get(channel.platform, 1.0)
    start, end = channel.window(year) or (date(year, 1, 1), date(year, 1, 1))
    return value * ((end - start).days + 1) / 365


def _split(muni: MuniYear, channels: list[Channel]) -> None:
    """Spread a municipality-year's quotas over its channels."""
    chans = data_channels(channels, muni.year, muni.webcare)
    qw = [_weight(QUESTION_WEIGHT, c, muni.year, 0.05) for c in chans]
    pw = [_weight(POST_WEIGHT, c, muni.year, 0.3) for c in chans]
    questions = apportion(muni.questions, qw)
    answered = apportion(muni.answered, [float(q) for q in questions], questions)
    posts = apportion(muni.posts, pw)
    others = apportion(muni.others, qw)
    for i, channel in enumerate(chans):
        muni.quotas[channel.key] = Quota(questions[i], answered[i], posts[i], others[i])


@dataclass
class YearPlan:
    """The plan of one year: every municipality that existed in it, and the year's answered total."""

    year: int
    munis: dict[str, MuniYear]

    @property
    def answered_total(self) -> int:
        return sum(m.answered for m in self.munis.values())


def plan_year(geo: Geography, channels: list[Channel], seed: int, scale: float, year: int) -> YearPlan:
    """Levels and quotas of every municipality of ``year``."""
    target = ALL_TARGETS[year]
    rng = rng_for(seed, "plan", year)
    codes = sorted(geo.lists[year])
    by_muni = {c: [ch for ch in channels if ch.gm_code == c] for c in codes}
    pops = {c: float(geo.inhabitants(c, year)) for c in codes}
    roles = _choose_roles(rng, target, by_muni, pops)
    munis = [_muni_year(rng, c, year, roles, by_muni[c], target.share_broadcasting) for c in codes]
    weights = {m.gm_code: pops[m.gm_code] ** 0.85 * (1.0 if m.structural else 0.3 if m.level == 1 else 1.0)
               for m in munis if m.level > 0}
    total = sum(weights.values())
    for muni in munis:
        if muni.level and data_channels(by_muni[muni.gm_code], year, muni.webcare):
            share = target.questions_at_scale_1 * weights[muni.gm_code] / total
            _volumes(rng, muni, pops[muni.gm_code], scale, share)
    _answered(rng, munis, target)
    for muni in munis:
        _split(muni, by_muni[muni.gm_code])
    return YearPlan(year, {m.gm_code: m for m in munis})
