"""Incremental builds give the marts a full rebuild gives (issue [incremental], docs/incremental.md).

The hand-made scenario (tests/fixtures/warehouse) is loaded and built in full; then increments land one after
another, each loaded with the real loaders and built incrementally (`DIALOOG_INCREMENT_AFTER`: only what the
copies loaded since the previous build touch is recomputed). After every increment a copy of the same
warehouse is rebuilt in full, and every mart of the two must be equal row for row (`EXCEPT ALL` both ways,
so a duplicate row counts too). The increments are the cases the incremental models must get right: new
messages, a late reply that becomes an old question's first reply, a file re-delivered with an edited message
(a question that stops being one), a reply that arrives before the message it answers, and a parent that
arrives later and moves the replies below it into another thread.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from core.settings import Settings
from steps.build import run_dbt
from tests.conftest import FIXTURES
from tests.dbt.conftest import load_clean, query_rows

pytestmark = pytest.mark.e2e

KEY = "test-key"
LANDING = FIXTURES / "warehouse" / "landing"
BUSSUM_X_ACCOUNT = "115511001"
MENTIONS_2014 = LANDING / "x_api" / "2014" / "gem_bussum" / "mentions-0001.json"
WEBCARE_HEADER = "bericht_id;datum;kanaal;account;auteur;richting;in_antwoord_op;tekst\n"


def x_page(tweets: list[dict], users: list[dict]) -> dict:
    """An X API v2 page (the fixture's shape): tweets, the users they name, and the page's meta."""
    ids = sorted(tweet["id"] for tweet in tweets)
    return {"data": tweets, "includes": {"users": users},
            "meta": {"newest_id": ids[-1], "oldest_id": ids[0], "result_count": len(tweets)}}


def tweet(tweet_id: str, author_id: str, created_at: str, text: str, replied_to: str | None = None,
          conversation_id: str | None = None, in_reply_to_user_id: str | None = None) -> dict:
    """One tweet as the X API gives it (replies name the tweet and the user they reply to)."""
    body = {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id], "created_at": created_at,
            "author_id": author_id, "conversation_id": conversation_id or tweet_id, "lang": "nl"}
    if replied_to:
        body["referenced_tweets"] = [{"type": "replied_to", "id": replied_to}]
        body["in_reply_to_user_id"] = in_reply_to_user_id
    return body


USERS = [{"id": "900002", "username": "bram_de_vries", "name": "bram_de_vries"},
         {"id": "900004", "username": "dirk_m", "name": "dirk_m"},
         {"id": BUSSUM_X_ACCOUNT, "username": "Gem_Bussum", "name": "Gem_Bussum"}]


def new_messages(landing: Path) -> None:
    """A new question of 2015 and the channel's reply to it, in two new pages."""
    question = tweet("600000000000000101", "900004", "2015-03-02T08:00:00.000Z",
                     "@Gem_Bussum Wanneer wordt de stoep in de Lindenlaan gerepareerd?")
    reply = tweet("600000000000000102", BUSSUM_X_ACCOUNT, "2015-03-02T09:30:00.000Z",
                  "@dirk_m Volgende week, excuses voor het ongemak.", replied_to="600000000000000101",
                  conversation_id="600000000000000101", in_reply_to_user_id="900004")
    write_json(landing / "x_api" / "2015" / "gem_bussum" / "mentions-h01.json", x_page([question], USERS))
    write_json(landing / "x_api" / "2015" / "gem_bussum" / "timeline-h01.json", x_page([reply], USERS))


def late_reply(landing: Path) -> None:
    """An X reply to a 2014 question that already had a (later) webcare reply: it becomes the first reply."""
    reply = tweet("600000000000000201", BUSSUM_X_ACCOUNT, "2014-04-17T15:00:00.000Z",
                  "@bram_de_vries Dinsdag tot en met zaterdag.", replied_to="456794205189046272",
                  conversation_id="456794205189046272", in_reply_to_user_id="900002")
    write_json(landing / "x_api" / "2014" / "gem_bussum" / "timeline-h02.json", x_page([reply], USERS))


def redelivered_with_an_edit(landing: Path) -> None:
    """The 2014 mentions page sent again under another name, one question edited into a remark: the later
    copy wins, so it is no longer a question and its replies leave the facts."""
    page = json.loads(MENTIONS_2014.read_text(encoding="utf-8"))
    edited = copy.deepcopy(page)
    for message in edited["data"]:
        if message["id"] == "456794205189046272":
            message["text"] = "@gem_bussum De milieustraat was vandaag prima geregeld."
    write_json(landing / "x_api" / "2014" / "gem_bussum" / "mentions-0001-resent.json", edited)


def reply_before_its_parent(landing: Path) -> None:
    """A citizen's follow-up and the webcare reply to it, before the message they follow up is exported."""
    write_webcare(landing / "webcare_csv" / "berichten-gem_bussum-2014-h04.csv", [
        "600000000000000402;11-09-2014 12:00;twitter;Gem_Bussum;lisa_p;inkomend;600000000000000401;"
        "@gem_bussum Hallo, nog nieuws?",
        "600000000000000403;11-09-2014 13:00;twitter;Bussum_Webcare;Bussum_Webcare;uitgaand;600000000000000402;"
        "@lisa_p Ja, de kerstmarkt staat er ook. ^KP",
    ])


def parent_arrives(landing: Path) -> None:
    """The message followed up above arrives: a question replying to an older webcare thread, so it and the
    two messages below it move into that thread, and its reply comes through the follow-up."""
    write_webcare(landing / "webcare_csv" / "berichten-gem_bussum-2014-h05.csv", [
        "600000000000000401;11-09-2014 10:00;twitter;Gem_Bussum;lisa_p;inkomend;509748132049846275;"
        "@gem_bussum Geldt dat ook voor de kerstmarkt?",
    ])


INCREMENTS = (new_messages, late_reply, redelivered_with_an_edit, reply_before_its_parent, parent_arrives)


def write_json(path: Path, body: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, indent=1), encoding="utf-8")


def write_webcare(path: Path, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(WEBCARE_HEADER + "\n".join(rows) + "\n", encoding="utf-8")


def loaded_until(settings: Settings) -> datetime:
    return query_rows(settings.warehouse_path, "SELECT max(loaded_at) AS until FROM raw._files")[0]["until"]


def build(settings: Settings, patch: pytest.MonkeyPatch, after: datetime | None) -> None:
    """dbt build as steps.build runs it: in full, or incrementally after a load time."""
    if after is None:
        patch.delenv("DIALOOG_INCREMENT_AFTER", raising=False)
        run_dbt("build", "--full-refresh", settings=settings)
    else:
        patch.setenv("DIALOOG_INCREMENT_AFTER", after.isoformat())
        run_dbt("build", settings=settings)
        patch.delenv("DIALOOG_INCREMENT_AFTER")


def differences(incremental: Path, full: Path) -> dict[str, tuple[int, int]]:
    """Per mart, the rows only the incremental build has and the rows only the full rebuild has."""
    con = duckdb.connect()
    try:
        con.execute("ATTACH ? AS inc (READ_ONLY)", [str(incremental)])
        con.execute("ATTACH ? AS full_build (READ_ONLY)", [str(full)])
        marts = [name for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'full_build' AND schema_name = 'marts' "
            "ORDER BY table_name").fetchall()]
        assert len(marts) > 10
        found = {}
        for mart in marts:
            only_inc = con.execute(f"SELECT count(*) FROM (SELECT * FROM inc.marts.{mart} EXCEPT ALL "
                                   f"SELECT * FROM full_build.marts.{mart})").fetchone()[0]
            only_full = con.execute(f"SELECT count(*) FROM (SELECT * FROM full_build.marts.{mart} EXCEPT ALL "
                                    f"SELECT * FROM inc.marts.{mart})").fetchone()[0]
            if only_inc or only_full:
                found[mart] = (only_inc, only_full)
        return found
    finally:
        con.close()


@pytest.fixture
def homes(tmp_path: Path) -> Iterator[tuple[Settings, Settings, pytest.MonkeyPatch]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIALOOG_CITIZEN_KEY", KEY)
        incremental, full = Settings(home=tmp_path / "incremental"), Settings(home=tmp_path / "full")
        patch.setenv("DIALOOG_HOME", str(incremental.home))
        shutil.copytree(LANDING, incremental.landing)
        yield incremental, full, patch


def test_each_increment_gives_the_marts_of_a_full_rebuild(homes: tuple[Settings, Settings, pytest.MonkeyPatch]
                                                           ) -> None:
    incremental, full, patch = homes
    load_clean(incremental)
    build(incremental, patch, after=None)
    for increment in INCREMENTS:
        after = loaded_until(incremental)
        increment(incremental.landing)
        load_clean(incremental, ("social",))
        assert loaded_until(incremental) > after, f"{increment.__name__} loaded nothing"
        build(incremental, patch, after=after)
        touched = query_rows(incremental.warehouse_path,
                             "SELECT count(*) AS n FROM intermediate.int_increment_questions")[0]["n"]
        assert touched, f"{increment.__name__}: the incremental build recomputed no question"
        # the same inputs, built in full
        shutil.rmtree(full.home, ignore_errors=True)
        full.warehouse_path.parent.mkdir(parents=True)
        shutil.copy2(incremental.warehouse_path, full.warehouse_path)
        build(full, patch, after=None)
        assert differences(incremental.warehouse_path, full.warehouse_path) == {}, increment.__name__
