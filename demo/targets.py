"""The figures the demo data is calibrated on, per year (CONTRACT.md §3–4 definitions).

2014 and the 2013 answer rate are the research's (``../shared/seeds/``: 13 municipalities without X,
75 % on Facebook, 20 % of questions answered in 2014 against 13 % in 2013, 24 hours average response,
20 % structural, 70 % communicatie responsible rating themselves 7.2). Everything else is invented to make
a plausible trend and is marked so in ``docs/demo-data.md``. 2025 (:data:`RECENT_TARGETS`) is a recent year
beside the research years, wholly invented: X left or parked by some, Mastodon and Bluesky by a minority.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class YearTarget:
    """What ``rpt_national_year`` must show for one year (counts exact, rates as fractions)."""

    year: int
    without_x: int
    with_facebook: int
    with_instagram: int
    structural: int
    answer_rate: float
    avg_response_hours: float
    survey_responses: int
    comms_responses: int
    avg_self_rating_comms: float
    #: Questions in the year at scale 1 (scale multiplies it; floors keep small scales meaningful).
    questions_at_scale_1: int
    #: Share of non-structural municipalities with channels that still post ≥ 52 messages (level 2).
    share_broadcasting: float
    #: Typical lag (minutes) of a reply before office hours are applied; steering scales it.
    base_lag_minutes: float
    #: Municipalities whose X channels stay open all year without a single post (a parked account).
    x_parked: int = 0
    #: Municipalities that close their X channels during the year without posting in it (left X).
    x_left: int = 0
    #: Municipalities that open an account on social.overheid.nl (Mastodon) / Bluesky that year.
    with_mastodon: int = 0
    with_bluesky: int = 0
    #: Of those, accounts opened only to hold the name (no post that year).
    mastodon_parked: int = 0
    bluesky_parked: int = 0


TARGETS: dict[int, YearTarget] = {
    2013: YearTarget(2013, without_x=31, with_facebook=245, with_instagram=0, structural=49,
                     answer_rate=0.13, avg_response_hours=31.0, survey_responses=260, comms_responses=195,
                     avg_self_rating_comms=6.9, questions_at_scale_1=45_000, share_broadcasting=0.55,
                     base_lag_minutes=600),
    2014: YearTarget(2014, without_x=13, with_facebook=302, with_instagram=0, structural=81,
                     answer_rate=0.20, avg_response_hours=24.0, survey_responses=290, comms_responses=203,
                     avg_self_rating_comms=7.2, questions_at_scale_1=60_000, share_broadcasting=0.65,
                     base_lag_minutes=480),
    2024: YearTarget(2024, without_x=38, with_facebook=318, with_instagram=205, structural=154,
                     answer_rate=0.55, avg_response_hours=11.5, survey_responses=250, comms_responses=110,
                     avg_self_rating_comms=7.6, questions_at_scale_1=70_000, share_broadcasting=0.8,
                     base_lag_minutes=150),
}
#: The research-calibrated years (their files and figures never change when later years are added).
YEARS: tuple[int, ...] = tuple(sorted(TARGETS))
#: A recent year beside them, generated after them from its own random streams and id ranges.
RECENT_TARGETS: dict[int, YearTarget] = {
    2025: YearTarget(2025, without_x=38, with_facebook=318, with_instagram=240, structural=165,
                     answer_rate=0.58, avg_response_hours=10.5, survey_responses=240, comms_responses=98,
                     avg_self_rating_comms=7.7, questions_at_scale_1=72_000, share_broadcasting=0.8,
                     base_lag_minutes=140, x_parked=24, x_left=14, with_mastodon=44, with_bluesky=30,
                     mastodon_parked=6, bluesky_parked=5),
}
RECENT_YEARS: tuple[int, ...] = tuple(sorted(RECENT_TARGETS))
ALL_TARGETS: dict[int, YearTarget] = {**TARGETS, **RECENT_TARGETS}
ALL_YEARS: tuple[int, ...] = tuple(sorted(ALL_TARGETS))
