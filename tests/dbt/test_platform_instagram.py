"""Instagram comments end to end: the Graph fixtures (tests/fixtures/instagram_graph) landed with a channel
registry naming the municipality's Instagram account, loaded with the real loaders and built with the real
`dbt build`; questions, replies and response minutes equal the values worked out by hand below.

The account 17841400000000999 (`gemeentevoorbeeld`) is Amsterdam's (GM0363) in the registry. Its media page
holds two posts with comments and the account's replies; a comments page in the folder of the first media holds a
comment also in the media page (now with the account's reply) and a new one; a third page's comment names its
media. Comments on the account's media are addressed to it; the account's replies answer them.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from typing import Any

import pytest

from core.pseudonym import citizen_key
from core.settings import Settings
from steps.build import build_warehouse
from tests.conftest import FIXTURES
from tests.dbt.conftest import load_clean, query_rows

pytestmark = pytest.mark.e2e

CHANNEL = "instagram:17841400000000999"
REGISTRY = """gm_code,platform,account_id,handle,theme,active_from,active_to
GM0363,Instagram,17841400000000999,@GemeenteVoorbeeld,algemeen,2020-01-01,
"""
LISA, MO, KIM, SANNE, KEES = (f"instagram:1789001234567890{n}" for n in (1, 3, 4, 5, 6))
REPLY_LISA, REPLY_MO = "instagram:17890012345679999", "instagram:17890012345680003"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def built(home: Settings) -> Settings:
    registry = home.landing / "channels" / "kanalen.csv"
    registry.parent.mkdir(parents=True)
    registry.write_text(REGISTRY, encoding="utf-8")
    landing = home.landing / "instagram_graph"
    landing.mkdir(parents=True)
    fixtures = FIXTURES / "instagram_graph"
    shutil.copyfile(fixtures / "media_2024_06.json", landing / "media_2024_06.json")
    shutil.copyfile(fixtures / "comments_with_media.json", landing / "comments_with_media.json")
    shutil.copytree(fixtures / "17900000000000001", landing / "17900000000000001")
    # the media page's comment with the timestamp 'gisteren' is quarantined as a row: load the scenario without it
    page = landing / "media_2024_06.json"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace('"timestamp": "gisteren"', '"timestamp": "2024-06-14T19:00:00+0000"'),
                    encoding="utf-8")
    load_clean(home)
    build_warehouse(home)
    return home


def rows(settings: Settings, sql: str) -> list[dict[str, Any]]:
    return query_rows(settings.warehouse_path, sql)


def test_questions_replies_and_response_minutes(built: Settings) -> None:
    questions = rows(built, "SELECT question_id, platform, channel_id, gm_code, asked_at, asked_year, citizen_key, "
                            "is_answered, first_reply_id, first_reply_at, response_minutes, "
                            "business_response_minutes FROM marts.fct_questions ORDER BY asked_at")
    key = b"test-key"

    def question(qid: str, asked: str, who: str, reply: tuple[str, str, float, float] | None) -> dict[str, Any]:
        return {"question_id": qid, "platform": "instagram", "channel_id": CHANNEL, "gm_code": "GM0363",
                "asked_at": utc(asked), "asked_year": 2024, "citizen_key": citizen_key(key, "instagram", who),
                "is_answered": reply is not None, "first_reply_id": reply[0] if reply else None,
                "first_reply_at": utc(reply[1]) if reply else None,
                "response_minutes": reply[2] if reply else None,
                "business_response_minutes": reply[3] if reply else None}

    assert questions == [
        # Friday 14 June 16:20:05 UTC (18:20:05 local) -> 18:02:40 UTC: 1 h 42 min 35 s = 102 + 35/60 minutes,
        # all after 17:00 local: no business minutes
        question(LISA, "2024-06-14 16:20:05", "17841400000000001",
                 (REPLY_LISA, "2024-06-14 18:02:40", 102 + 35 / 60, 0)),
        # the comment re-timed by the fixture above: a question nobody answered
        question(KIM, "2024-06-14 19:00:00", "17841400000000005", None),
        # a comment naming its media (the account's second post): addressed to the account, unanswered
        question(KEES, "2024-06-17 06:15:00", "17841400000000006", None),
        # Monday 17 June 07:30 UTC (09:30 local) -> 09:45:30 UTC (11:45:30 local): 2 h 15 min 30 s = 135.5
        # minutes, all within business hours. The comment is in the media page and in the comments page; the
        # account's reply only in the comments page. Only the username is given: the key is of the username.
        question(MO, "2024-06-17 07:30:00", "mo.amrani", (REPLY_MO, "2024-06-17 09:45:30", 135.5, 135.5)),
        # a comments page in the folder of its media: addressed to the media's owner, unanswered
        question(SANNE, "2024-06-18 12:00:00", "17841400000000004", None),
    ]

    replies = rows(built, "SELECT reply_id, question_id, channel_id, gm_code, replied_at, reply_rank, "
                          "response_minutes, match_type FROM marts.fct_replies ORDER BY replied_at")
    assert replies == [
        {"reply_id": REPLY_LISA, "question_id": LISA, "channel_id": CHANNEL, "gm_code": "GM0363",
         "replied_at": utc("2024-06-14 18:02:40"), "reply_rank": 1, "response_minutes": 102 + 35 / 60,
         "match_type": "direct"},
        {"reply_id": REPLY_MO, "question_id": MO, "channel_id": CHANNEL, "gm_code": "GM0363",
         "replied_at": utc("2024-06-17 09:45:30"), "reply_rank": 1, "response_minutes": 135.5,
         "match_type": "direct"},
    ]


def test_every_comment_is_addressed_to_the_account(built: Settings) -> None:
    """Not questions, but inbound all the same: a thank-you, a citizen's reply to a citizen (addressed to the
    account whose media it is on, as a Facebook comment is to its page) and the comment re-timed above."""
    activity = rows(built, "SELECT sum(posts) AS posts, sum(replies) AS replies, sum(inbound_messages) AS inbound, "
                           "sum(questions) AS questions FROM marts.fct_channel_activity "
                           f"WHERE channel_id = '{CHANNEL}'")
    # posts: the two media; replies: the channel's two answers; inbound: the 7 comments and replies by citizens
    # (Lisa, Jan, Piet's reply to Jan, Mo, Kim, Sanne, Kees), 5 of them questions
    assert activity == [{"posts": 2, "replies": 2, "inbound": 7, "questions": 5}]
    [channel] = rows(built, "SELECT channel_id, platform, account_id, handle FROM marts.dim_channel")
    assert channel == {"channel_id": CHANNEL, "platform": "instagram", "account_id": "17841400000000999",
                       "handle": "gemeentevoorbeeld"}
