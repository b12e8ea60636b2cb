"""dbt build on hand-made exports whose answers are known: every mart holds exactly the expected rows.

The scenario (tests/fixtures/warehouse/README.md) is loaded with the real loaders and built with the real
`dbt build`; every figure below was worked out by hand from the fixture files, not read back from a run.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from core.pseudonym import citizen_key
from core.settings import PROJECT_ROOT, Settings, get_settings
from steps.build import build_warehouse, run_dbt
from tests.conftest import FIXTURES
from tests.dbt.conftest import load_clean, query_rows

pytestmark = pytest.mark.e2e

KEY = "test-key"
BUSSUM_X, BUSSUM_WEBCARE, BUSSUM_FB = "x:115511001", "x:115511002", "facebook:104500000000381"
AMSTERDAM_X, ZWOLLE_X, UTRECHT_FB = "x:115533001", "x:115555001", "facebook:104500000000344"
Q1, Q2, Q3, F3 = "x:450072413598646272", "x:456794205189046272", "x:463573878174646272", "x:463581427921846272"
Q4, Q5 = "facebook:1001_2001", "facebook:104500000000381_1002"
Q6, Q7, Q8 = "x:509748132049846275", "x:473403649029046272", "x:550418620216246272"
EXCLAMATION = "x:464102360478646272"
R1, R2, R3, R4 = "x:450076188472246272", "x:458515547550646279", "x:463588977669046272", "facebook:1001_2002"
R6, R8 = "x:509967074718646277", "x:550924453278646272"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def citizen(platform: str, identity: str) -> str:
    return citizen_key(KEY.encode("utf-8"), platform, identity)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """One DIALOOG_HOME with the scenario loaded and built (as the `home` fixture, but once per module:
    a dbt build takes seconds, and every test below only reads the result)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIALOOG_HOME", str(tmp_path_factory.mktemp("warehouse") / "home"))
        patch.setenv("DIALOOG_CITIZEN_KEY", KEY)
        settings = get_settings()
        shutil.copytree(FIXTURES / "warehouse" / "landing", settings.landing)
        load_clean(settings)
        build_warehouse(settings)
        yield settings


def rows(settings: Settings, sql: str) -> list[dict[str, Any]]:
    return query_rows(settings.warehouse_path, sql)


def test_dim_channel(built: Settings) -> None:
    assert rows(built, "SELECT * FROM marts.dim_channel ORDER BY channel_id") == [
        {"channel_id": UTRECHT_FB, "platform": "facebook", "account_id": "104500000000344",
         "handle": "gemeenteutrecht", "gm_code": "GM0344", "current_gm_code": "GM0344", "theme": "algemeen",
         "is_theme_channel": False, "active_from": date(2015, 6, 1), "active_to": None},
        {"channel_id": BUSSUM_FB, "platform": "facebook", "account_id": "104500000000381",
         "handle": "gemeentebussum", "gm_code": "GM0381", "current_gm_code": "GM1942", "theme": "algemeen",
         "is_theme_channel": False, "active_from": date(2011, 5, 1), "active_to": date(2015, 12, 31)},
        {"channel_id": BUSSUM_X, "platform": "x", "account_id": "115511001", "handle": "gem_bussum",
         "gm_code": "GM0381", "current_gm_code": "GM1942", "theme": "algemeen", "is_theme_channel": False,
         "active_from": date(2010, 3, 1), "active_to": date(2015, 12, 31)},
        {"channel_id": BUSSUM_WEBCARE, "platform": "x", "account_id": "115511002", "handle": "bussum_webcare",
         "gm_code": "GM0381", "current_gm_code": "GM1942", "theme": "kcc", "is_theme_channel": True,
         "active_from": date(2013, 1, 1), "active_to": date(2015, 12, 31)},
        {"channel_id": AMSTERDAM_X, "platform": "x", "account_id": "115533001", "handle": "amsterdam",
         "gm_code": "GM0363", "current_gm_code": "GM0363", "theme": "algemeen", "is_theme_channel": False,
         "active_from": date(2009, 1, 1), "active_to": None},
        {"channel_id": ZWOLLE_X, "platform": "x", "account_id": "115555001", "handle": "gemeentezwolle",
         "gm_code": "GM0193", "current_gm_code": "GM0193", "theme": "algemeen", "is_theme_channel": False,
         "active_from": date(2014, 7, 1), "active_to": None},
    ]


def _question(question_id: str, channel: str, gm: str, asked: str, who: tuple[str, str],
              reply: tuple[str, str, float, float] | None) -> dict[str, Any]:
    platform = question_id.split(":")[0]
    return {
        "question_id": question_id, "platform": platform, "channel_id": channel, "gm_code": gm,
        "current_gm_code": "GM1942" if gm == "GM0381" else gm, "asked_at": utc(asked), "asked_year": 2014,
        "citizen_key": citizen(*who), "is_answered": reply is not None,
        "first_reply_id": reply[0] if reply else None, "first_reply_at": utc(reply[1]) if reply else None,
        "response_minutes": reply[2] if reply else None, "business_response_minutes": reply[3] if reply else None,
    }


def test_fct_questions(built: Settings) -> None:
    # the lineage columns are checked in test_lineage.py
    found = rows(built, "SELECT * EXCLUDE (classifier_reason, source_file, source_sha256, source_position) "
                        "FROM marts.fct_questions ORDER BY asked_at")
    assert found == [
        # 01:50 -> 03:05 local on the night the clocks go forward: 15 minutes, on a Sunday
        _question(Q1, BUSSUM_X, "GM0381", "2014-03-30 00:50", ("x", "900001"), (R1, "2014-03-30 01:05", 15, 0)),
        # answered by the webcare (kcc) channel, in the webcare export only; Good Friday and Easter Monday
        # are holidays: business minutes are Thursday 16-17 and Tuesday 9-10
        _question(Q2, BUSSUM_X, "GM0381", "2014-04-17 14:00", ("x", "900002"),
                  (R2, "2014-04-22 08:00", 6840, 120)),
        # answered through the citizen's follow-up in the thread
        _question(Q3, BUSSUM_X, "GM0381", "2014-05-06 07:00", ("x", "900001"), (R3, "2014-05-06 08:00", 60, 60)),
        _question(Q4, BUSSUM_FB, "GM0381", "2014-05-12 09:02", ("facebook", "7001"),
                  (R4, "2014-05-12 10:32", 90, 90)),
        # Bussum's channel replied, but it is not Amsterdam's: unanswered
        _question(Q7, AMSTERDAM_X, "GM0363", "2014-06-02 10:00", ("x", "900004"), None),
        # a visitor post on the page
        _question(Q5, BUSSUM_FB, "GM0381", "2014-08-02 10:00", ("facebook", "7002"), None),
        # webcare export only, addressed by richting = inkomend (no mention); handle-only citizen key
        _question(Q6, BUSSUM_X, "GM0381", "2014-09-10 17:00", ("x", "kees_k"), (R6, "2014-09-11 07:30", 870, 30)),
        # asked on New Year's Eve (local), answered 2 January 09:00 local: New Year's Day is a holiday
        _question(Q8, BUSSUM_X, "GM0381", "2014-12-31 22:30", ("x", "900001"), (R8, "2015-01-02 08:00", 2010, 0)),
    ]
    reasons = dict((r["question_id"], r["classifier_reason"])
                   for r in rows(built, "SELECT question_id, classifier_reason FROM marts.fct_questions"))
    assert reasons[Q6] == "question: req_graag (+3) = +3"


def test_non_questions_are_classified_with_a_reason(built: Settings) -> None:
    classified = rows(built, "SELECT message_id, is_question, classifier_reason "
                             "FROM intermediate.int_inbound_messages_classified WHERE NOT is_question "
                             "ORDER BY message_id")
    # the follow-up, the exclamation, a thank-you and a citizen's comment; the retweet never reaches it
    assert [r["message_id"] for r in classified] == [
        "facebook:1001_2003", "facebook:1002_2004", F3, EXCLAMATION]
    reason = classified[-1]["classifier_reason"]  # the strongest signal first: the model's, then the rule's
    assert reason.startswith("not a question: ") and "neg_exclaim" in reason, reason


def test_classifier_batches_give_the_same_decisions(built: Settings) -> None:
    """The classifier model streams distinct texts in batches; two texts a batch decides every message alike."""
    query = "SELECT * FROM intermediate.int_inbound_messages_classified ORDER BY message_id"
    before = rows(built, query)
    con = duckdb.connect(f"{built.warehouse_path}.scratch", read_only=True)
    try:
        [(texts,)] = con.execute("SELECT count(*) FROM intermediate.int_inbound_texts_classified").fetchall()
    finally:
        con.close()
    assert texts > 4  # several batches
    # in full: the texts model is incremental, and would otherwise classify only texts it has not decided yet
    run_dbt("run", "-s", "int_inbound_texts_classified", "int_inbound_messages_classified", "--full-refresh",
            "--vars", "{classifier_batch_texts: 2}", settings=built)
    assert rows(built, query) == before


def test_fct_replies(built: Settings) -> None:
    assert rows(built, "SELECT * EXCLUDE (source_file, source_sha256, source_position) "
                       "FROM marts.fct_replies ORDER BY replied_at") == [
        {"reply_id": R1, "question_id": Q1, "channel_id": BUSSUM_X, "gm_code": "GM0381",
         "replied_at": utc("2014-03-30 01:05"), "reply_rank": 1, "response_minutes": 15, "match_type": "direct"},
        {"reply_id": R2, "question_id": Q2, "channel_id": BUSSUM_WEBCARE, "gm_code": "GM0381",
         "replied_at": utc("2014-04-22 08:00"), "reply_rank": 1, "response_minutes": 6840, "match_type": "direct"},
        {"reply_id": R3, "question_id": Q3, "channel_id": BUSSUM_X, "gm_code": "GM0381",
         "replied_at": utc("2014-05-06 08:00"), "reply_rank": 1, "response_minutes": 60,
         "match_type": "follow_up"},
        {"reply_id": R4, "question_id": Q4, "channel_id": BUSSUM_FB, "gm_code": "GM0381",
         "replied_at": utc("2014-05-12 10:32"), "reply_rank": 1, "response_minutes": 90, "match_type": "direct"},
        {"reply_id": R6, "question_id": Q6, "channel_id": BUSSUM_WEBCARE, "gm_code": "GM0381",
         "replied_at": utc("2014-09-11 07:30"), "reply_rank": 1, "response_minutes": 870, "match_type": "direct"},
        {"reply_id": R8, "question_id": Q8, "channel_id": BUSSUM_X, "gm_code": "GM0381",
         "replied_at": utc("2015-01-02 08:00"), "reply_rank": 1, "response_minutes": 2010, "match_type": "direct"},
    ]


def test_fct_channel_activity(built: Settings) -> None:
    totals = rows(built, """
        SELECT channel_id, gm_code, count(*) AS days, sum(posts) AS posts, sum(replies) AS replies,
               sum(inbound_messages) AS inbound, sum(questions) AS questions
        FROM marts.fct_channel_activity GROUP BY ALL ORDER BY channel_id""")
    assert totals == [
        # the page post, its reply; Eva's and Frits's comments, Gerrit's visitor post, Hanna's comment on it
        {"channel_id": BUSSUM_FB, "gm_code": "GM0381", "days": 2, "posts": 1, "replies": 1, "inbound": 4,
         "questions": 2},
        # 50 Monday posts (5 also in the archive) + 2 archive-only posts; r1, r3, r7 and r8 (2015);
        # inbound: q1, q2, q3 and its follow-up, the exclamation, the retweet, q8 (mentions) and q6 (webcare)
        {"channel_id": BUSSUM_X, "gm_code": "GM0381", "days": 61, "posts": 52, "replies": 4, "inbound": 8,
         "questions": 5},
        {"channel_id": BUSSUM_WEBCARE, "gm_code": "GM0381", "days": 2, "posts": 0, "replies": 2, "inbound": 0,
         "questions": 0},
        {"channel_id": AMSTERDAM_X, "gm_code": "GM0363", "days": 4, "posts": 3, "replies": 0, "inbound": 1,
         "questions": 1},
    ]
    days = rows(built, f"""
        SELECT channel_id, activity_date, posts, replies, inbound_messages, questions
        FROM marts.fct_channel_activity
        WHERE (channel_id = '{BUSSUM_X}' AND activity_date IN ('2014-03-30', '2014-05-06', '2014-12-31',
                                                                '2015-01-02'))
           OR channel_id = '{BUSSUM_FB}'
        ORDER BY channel_id, activity_date""")
    assert [tuple(r.values()) for r in days] == [
        (BUSSUM_FB, date(2014, 5, 12), 1, 1, 2, 1),
        (BUSSUM_FB, date(2014, 8, 2), 0, 0, 2, 1),
        (BUSSUM_X, date(2014, 3, 30), 0, 1, 1, 1),
        (BUSSUM_X, date(2014, 5, 6), 0, 1, 2, 1),
        (BUSSUM_X, date(2014, 12, 31), 0, 0, 1, 1),
        (BUSSUM_X, date(2015, 1, 2), 0, 1, 0, 0),
    ]


POPULATION = {"GM0381": 32631, "GM0363": 810937, "GM0193": 123159}  # shipped CBS figures of 1 January 2014


def _municipality(gm: str, **values: Any) -> dict[str, Any]:
    row = {"gm_code": gm, "year": 2014, "existed_on_first_january": True, "has_x": False,
           "has_facebook": False, "has_instagram": False, "channels": 0, "theme_channels": 0,
           "channel_messages": 0, "questions": 0, "answered": 0, "answer_rate": None,
           "avg_response_hours": None, "median_response_hours": None, "kcc_involved": False,
           "maturity_level": 0, "is_structural": False,
           "inhabitants": POPULATION.get(gm), "inhabitants_basis": "1 januari" if gm in POPULATION else None,
           "size_class": None, "questions_per_10k": None, "answered_within_24h": 0,
           "pct_answered_within_24h": None, "answered_within_working_day": 0,
           "avg_business_response_hours": None, "median_business_response_hours": None,
           "self_rating": None, "self_reported_structural": None}
    row.update(values)
    return row


def _shipped_population_2014() -> dict[str, int]:
    path = PROJECT_ROOT / "ingestion" / "reference" / "cbs_bevolking" / "bevolking-2012-2025.csv"
    with path.open(encoding="utf-8") as lines:
        return {r["gm_code"]: int(r["inwoners"]) for r in csv.DictReader(lines) if r["jaar"] == "2014"}


def test_rpt_municipality_year(built: Settings) -> None:
    # Bussum: 59 channel messages in 2014 (55 on X, 2 webcare, 2 on Facebook), 7 questions, 6 answered
    # after 0.25, 114, 1, 1.5, 14.5 and 33.5 hours; KCC involved per the survey: integrated (4).
    # Within 24 h: 15, 60, 90 and 870 minutes; business minutes 0, 120, 60, 90, 30, 0 are all within one
    # working day (480): mean 300 / 6 minutes, median (30 + 60) / 2 = 45 minutes.
    bussum = _municipality(
        "GM0381", has_x=True, has_facebook=True, channels=3, theme_channels=1, channel_messages=59,
        questions=7, answered=6, answer_rate=pytest.approx(6 / 7), avg_response_hours=pytest.approx(164.75 / 6),
        median_response_hours=pytest.approx(8.0), kcc_involved=True, maturity_level=4, is_structural=True,
        size_class="S", questions_per_10k=pytest.approx(7 * 10000 / 32631), answered_within_24h=4,
        pct_answered_within_24h=pytest.approx(4 / 7), answered_within_working_day=6,
        avg_business_response_hours=pytest.approx(300 / 6 / 60), median_business_response_hours=0.75,
        self_rating=7.5, self_reported_structural=True)
    amsterdam = _municipality("GM0363", has_x=True, channels=1, channel_messages=3, questions=1,
                              answer_rate=0.0, kcc_involved=True, maturity_level=1, size_class="L",
                              questions_per_10k=pytest.approx(10000 / 810937), pct_answered_within_24h=0.0,
                              self_rating=6.0, self_reported_structural=False)
    zwolle = _municipality("GM0193", has_x=True, channels=1, maturity_level=1,  # from 1 July, silent
                           size_class="L", questions_per_10k=0.0, self_rating=8.0, self_reported_structural=False)
    found = rows(built, "SELECT * FROM marts.rpt_municipality_year ORDER BY gm_code")
    assert len(found) == 403  # the CBS list of 1 January 2014; no code was created during 2014
    assert {r["year"] for r in found} == {2014}  # r8 (2 January 2015) alone does not open 2015
    # every municipality has its shipped 1 January figure (the fixture lands none)
    assert {r["gm_code"]: r["inhabitants"] for r in found} == _shipped_population_2014()
    assert {r["inhabitants_basis"] for r in found} == {"1 januari"}
    by_code = {r["gm_code"]: r for r in found}
    assert by_code.pop("GM0381") == bussum
    assert by_code.pop("GM0363") == amsterdam
    assert by_code.pop("GM0193") == zwolle
    # every other municipality (Utrecht's page only opens in 2015) has no channel at all
    population = ("inhabitants", "inhabitants_basis", "size_class", "questions_per_10k")
    assert all({k: v for k, v in row.items() if k not in population}
               == {k: v for k, v in _municipality(code).items() if k not in population}
               and row["questions_per_10k"] == 0.0
               for code, row in by_code.items())


def test_rpt_national_year(built: Settings) -> None:
    assert rows(built, "SELECT * FROM marts.rpt_national_year") == [{
        "year": 2014, "municipalities": 403, "without_x": 400,
        "pct_with_facebook": pytest.approx(1 / 403), "pct_structural": pytest.approx(1 / 403),
        "questions": 8, "answered": 6, "answer_rate": pytest.approx(0.75),
        "avg_response_hours": pytest.approx(164.75 / 6), "median_response_hours": pytest.approx(8.0),
        "pct_comms_responsible": pytest.approx(2 / 3), "avg_self_rating_comms": 7.75,
        # three responses: KCC involved in Bussum and Amsterdam, support 4, 3, 2, structural Bussum only
        "survey_responses": 3, "pct_kcc_involved": pytest.approx(2 / 3), "avg_management_support": 3.0,
        "pct_self_reported_structural": pytest.approx(1 / 3),
        # within 24 h: q1, q3, q4, q6; within a working day: all six answered; business minutes
        # 0, 0, 30, 60, 90, 120: median 45 minutes
        "pct_answered_within_24h": 0.5, "pct_answered_within_working_day": 0.75,
        "median_business_response_hours": 0.75,
    }]


def test_dbt_docs_generate(built: Settings) -> None:
    run_dbt("docs", "generate", settings=built)
    catalog = Path(built.home / "dbt" / "target" / "catalog.json")
    assert "model.dialoog.rpt_national_year" in catalog.read_text(encoding="utf-8")
