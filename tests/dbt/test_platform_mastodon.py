"""Mastodon end to end: the API fixtures (tests/fixtures/mastodon_api, described in
tests/ingestion/social/test_mastodon_api.py) and the account archive (tests/fixtures/mastodon_archive) landed with a
channel registry naming Amsterdam's account on social.overheid.nl and Utrecht's on mastodon.nl, loaded with the real
loaders and built with the real `dbt build`; questions, replies and response minutes equal the values worked out by
hand below.

What the fixtures hold: Q1's thread is spread over a notifications body (Q1), a statuses page (the reply R1, whose
parent is named only by a server-local id) and a context (Q1, R1 and the citizen's thanks). R4 is in the statuses
page and in the archive: one message. Q4 (Amsterdam) and Q5 (Utrecht) have the same local id, 113900000000000001, on
their two servers: each reply finds its own question. Q3 is a `direct` message: a question like any other. A boost
of the Rijksoverheid's post is no post of Amsterdam.
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

AMSTERDAM, UTRECHT = "gemeenteamsterdam@social.overheid.nl", "gemeenteutrecht@mastodon.nl"
AMS_CHANNEL, UTR_CHANNEL = f"mastodon:{AMSTERDAM}", f"mastodon:{UTRECHT}"
REGISTRY = f"""gm_code,platform,account_id,handle,theme,active_from,active_to
GM0363,mastodon,{AMSTERDAM},@{AMSTERDAM},algemeen,2023-01-01,
GM0344,Mastodon,{UTRECHT},{UTRECHT},algemeen,2024-06-01,
"""
OV = "https://social.overheid.nl/users/gemeenteamsterdam/statuses/"
MS = "https://mastodon.social/users/"
Q1, Q2 = f"mastodon:{MS}anna/statuses/114099990000000001", f"mastodon:{MS}anna/statuses/114199990000000002"
Q3, Q4 = f"mastodon:{MS}dirk/statuses/114299990000000003", f"mastodon:{MS}erik/statuses/113888880000000004"
Q5 = "mastodon:https://mastodon.nl/users/bert/statuses/113900000000000001"
R1, R2, R4 = f"mastodon:{OV}114100000000000101", f"mastodon:{OV}114200000000000102", f"mastodon:{OV}113900000000000101"
R5 = "mastodon:https://mastodon.nl/users/gemeenteutrecht/statuses/113900000000000150"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIALOOG_HOME", str(tmp_path_factory.mktemp("mastodon") / "home"))
        patch.setenv("DIALOOG_CITIZEN_KEY", "test-key")
        from core.settings import get_settings

        home = get_settings()
        registry = home.landing / "channels" / "kanalen.csv"
        registry.parent.mkdir(parents=True)
        registry.write_text(REGISTRY, encoding="utf-8")
        shutil.copytree(FIXTURES / "mastodon_api", home.landing / "mastodon_api")
        archive = home.landing / "mastodon_archive" / "gemeenteamsterdam-archive.tar.gz"
        archive.parent.mkdir(parents=True)
        shutil.copyfile(FIXTURES / "mastodon_archive" / archive.name, archive)
        load_clean(home)
        build_warehouse(home)
        yield home


def rows(settings: Settings, sql: str) -> list[dict[str, Any]]:
    return query_rows(settings.warehouse_path, sql)


def question(qid: str, gm: str, asked: str, who: str, reply: tuple[str, str, float, float] | None) -> dict[str, Any]:
    return {"question_id": qid, "platform": "mastodon", "channel_id": AMS_CHANNEL if gm == "GM0363" else UTR_CHANNEL,
            "gm_code": gm, "asked_at": utc(asked), "asked_year": 2025,
            "citizen_key": citizen_key(b"test-key", "mastodon", who), "is_answered": reply is not None,
            "first_reply_id": reply[0] if reply else None, "first_reply_at": utc(reply[1]) if reply else None,
            "response_minutes": reply[2] if reply else None, "business_response_minutes": reply[3] if reply else None}


def test_questions_replies_and_response_minutes(built: Settings) -> None:
    questions = rows(built, "SELECT question_id, platform, channel_id, gm_code, asked_at, asked_year, citizen_key, "
                            "is_answered, first_reply_id, first_reply_at, response_minutes, "
                            "business_response_minutes FROM marts.fct_questions ORDER BY asked_at, question_id")
    assert questions == [
        # Tuesday 4 March: asked 09:12:40 UTC (10:12:40 CET), answered 10:42:40 UTC (11:42:40 CET) by R1 in the
        # statuses page, whose parent is named by its id on social.overheid.nl: 90 minutes, all in business hours
        question(Q1, "GM0363", "2025-03-04 09:12:40", "anna@mastodon.social", (R1, "2025-03-04 10:42:40", 90, 90)),
        # Sunday 30 March, the night the clocks go forward: asked 00:30 UTC (01:30 CET), answered 01:30 UTC
        # (03:30 CEST; two hours on the wall clock): 60 minutes between the UTC instants; Sunday, no business minutes
        question(Q2, "GM0363", "2025-03-30 00:30", "anna@mastodon.social", (R2, "2025-03-30 01:30", 60, 0)),
        # a direct (private) message is a question like any other; never answered
        question(Q3, "GM0363", "2025-04-01 10:00", "dirk@mastodon.social", None),
        # Tuesday 6 May: Utrecht's Q5, local id 113900000000000001 on mastodon.nl, asked 07:00 UTC (09:00 CEST),
        # answered 07:20 UTC (09:20 CEST): 20 minutes, all in business hours
        question(Q5, "GM0344", "2025-05-06 07:00", "bert@mastodon.nl", (R5, "2025-05-06 07:20", 20, 20)),
        # Tuesday 6 May: Amsterdam's Q4, the same local id on social.overheid.nl, asked 08:00 UTC (10:00 CEST),
        # answered 09:15 UTC (11:15 CEST) by R4 (statuses page and archive: one message): 75 minutes
        question(Q4, "GM0363", "2025-05-06 08:00", "erik@mastodon.social", (R4, "2025-05-06 09:15", 75, 75)),
    ]
    replies = rows(built, "SELECT reply_id, question_id, channel_id, gm_code, replied_at, reply_rank, "
                          "response_minutes, match_type FROM marts.fct_replies ORDER BY replied_at")
    assert replies == [
        {"reply_id": reply, "question_id": asked, "channel_id": channel, "gm_code": gm, "replied_at": utc(at),
         "reply_rank": 1, "response_minutes": minutes, "match_type": "direct"}
        for reply, asked, channel, gm, at, minutes in (
            (R1, Q1, AMS_CHANNEL, "GM0363", "2025-03-04 10:42:40", 90),
            (R2, Q2, AMS_CHANNEL, "GM0363", "2025-03-30 01:30", 60),
            (R5, Q5, UTR_CHANNEL, "GM0344", "2025-05-06 07:20", 20),
            (R4, Q4, AMS_CHANNEL, "GM0363", "2025-05-06 09:15", 75),
        )
    ]


def test_one_message_per_status_and_a_boost_is_no_post(built: Settings) -> None:
    """Amsterdam's own messages: R1, R2, R4 (replies), the archive's root post and the boost (in API and archive:
    one message), which the mart counts as a post as it does an X retweet by a channel; the boosted status stays the
    Rijksoverheid's, and neither is a question. Inbound: Q1-Q4 and the thanks F1 (a reply to R1)."""
    activity = rows(built, "SELECT channel_id, sum(posts) AS posts, sum(replies) AS replies, "
                           "sum(inbound_messages) AS inbound, sum(questions) AS questions "
                           "FROM marts.fct_channel_activity GROUP BY channel_id ORDER BY channel_id")
    assert activity == [
        {"channel_id": AMS_CHANNEL, "posts": 2, "replies": 3, "inbound": 5, "questions": 4},
        {"channel_id": UTR_CHANNEL, "posts": 0, "replies": 1, "inbound": 1, "questions": 1},
    ]
