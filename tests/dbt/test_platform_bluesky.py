"""Bluesky end to end: the Bluesky fixtures (tests/fixtures/bluesky, described in
tests/ingestion/social/test_bluesky.py) landed with a channel registry naming Utrecht's Bluesky account, loaded with
the real loaders and built with the real `dbt build`; questions, replies and response minutes equal the values
worked out by hand below.

The account did:plc:gemeenteutrecht234567ab (handle `utrecht.nl`) is Utrecht's (GM0344) in the registry. The thread
M1 → Q1 → R1 comes through a feed, a thread and a notification body; Q2 mentions the account by its old handle
(the mention facet carries the DID); Q3 replies to a post since deleted (a `notFoundPost`), whose uri still names
the account's DID. A repost of a citizen's post by the account is no post of the account.
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

UTRECHT = "did:plc:gemeenteutrecht234567ab"
CHANNEL = f"bluesky:{UTRECHT}"
REGISTRY = f"""gm_code,platform,account_id,handle,theme,active_from,active_to
GM0344,Bluesky,{UTRECHT},@Utrecht.nl,algemeen,2024-11-15,
"""
BODIES = ("feed_utrecht_2025_03.json", "feed_utrecht_2025_06.json", "notifications_utrecht.json",
          "thread_q1.json", "thread_q3.json")
ANNA, BRAM = "did:plc:anna7citizen2345abcdefg", "did:plc:bram7citizen2345abcdefg"


def post(did: str, rkey: str) -> str:
    return f"bluesky:at://{did}/app.bsky.feed.post/{rkey}"


Q1, R1 = post(ANNA, "3lkq1anna00002"), post(UTRECHT, "3lkr1utrecht02")
Q2, R2 = post(BRAM, "3lrq2bram00002"), post(UTRECHT, "3lrr2utrecht02")
Q3, R3 = post(BRAM, "3lsq3bram00002"), post(UTRECHT, "3lsr3utrecht02")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def built(home: Settings) -> Settings:
    registry = home.landing / "channels" / "kanalen.csv"
    registry.parent.mkdir(parents=True)
    registry.write_text(REGISTRY, encoding="utf-8")
    landing = home.landing / "bluesky"
    landing.mkdir(parents=True)
    for name in BODIES:
        shutil.copyfile(FIXTURES / "bluesky" / name, landing / name)
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

    def question(qid: str, asked: str, who: str, reply: tuple[str, str, float, float]) -> dict[str, Any]:
        return {"question_id": qid, "platform": "bluesky", "channel_id": CHANNEL, "gm_code": "GM0344",
                "asked_at": utc(asked), "asked_year": 2025, "citizen_key": citizen_key(key, "bluesky", who),
                "is_answered": True, "first_reply_id": reply[0], "first_reply_at": utc(reply[1]),
                "response_minutes": reply[2], "business_response_minutes": reply[3]}

    assert questions == [
        # Sunday 30 March 2025, the night the clocks go forward: asked 01:50 CET (00:50 UTC), answered 03:05 CEST
        # (01:05 UTC; the client wrote createdAt 03:05+02:00): 15 minutes, on a Sunday no business minutes
        question(Q1, "2025-03-30 00:50", ANNA, (R1, "2025-03-30 01:05", 15, 0)),
        # Monday 2 June: createdAt 09:00 UTC lies after indexedAt 08:30 UTC, so asked 08:30 UTC (10:30 local);
        # answered 10:00 UTC (12:00 local): 90 minutes, all within business hours. Addressed by its mention
        # facet's DID (the text names the account's old handle)
        question(Q2, "2025-06-02 08:30", BRAM, (R2, "2025-06-02 10:00", 90, 90)),
        # Tuesday 1 July: asked 07:00 UTC (09:00 local) under a deleted post of the account (its uri names the
        # account's DID), answered 09:30 UTC (11:30 local): 150 minutes, all within business hours
        question(Q3, "2025-07-01 07:00", BRAM, (R3, "2025-07-01 09:30", 150, 150)),
    ]

    replies = rows(built, "SELECT reply_id, question_id, channel_id, gm_code, replied_at, reply_rank, "
                          "response_minutes, match_type FROM marts.fct_replies ORDER BY replied_at")
    assert replies == [
        {"reply_id": reply, "question_id": asked, "channel_id": CHANNEL, "gm_code": "GM0344",
         "replied_at": utc(at), "reply_rank": 1, "response_minutes": minutes, "match_type": "direct"}
        for reply, asked, at, minutes in ((R1, Q1, "2025-03-30 01:05", 15), (R2, Q2, "2025-06-02 10:00", 90),
                                          (R3, Q3, "2025-07-01 09:30", 150))
    ]


def test_a_repost_is_no_post_of_the_account(built: Settings) -> None:
    """The account's posts: M1 alone (Cor's post it reposted stays Cor's); its replies R1, R2, R3; inbound: Q1, Q2,
    Q3 (Cor's quote of M1 neither mentions nor replies to the account: not addressed to it)."""
    activity = rows(built, "SELECT sum(posts) AS posts, sum(replies) AS replies, sum(inbound_messages) AS inbound, "
                           "sum(questions) AS questions FROM marts.fct_channel_activity "
                           f"WHERE channel_id = '{CHANNEL}'")
    assert activity == [{"posts": 1, "replies": 3, "inbound": 3, "questions": 3}]
    [channel] = rows(built, "SELECT channel_id, platform, account_id, handle FROM marts.dim_channel")
    assert channel == {"channel_id": CHANNEL, "platform": "bluesky", "account_id": UTRECHT, "handle": "utrecht.nl"}
