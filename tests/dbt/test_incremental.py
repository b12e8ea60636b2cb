"""Incremental builds give the marts a full rebuild gives (issue [incremental], docs/incremental.md).

The hand-made scenario (tests/fixtures/warehouse) is loaded, built and published; then increments land one after
another, each loaded with the real loaders, built as the transform builds (`steps.build.build_warehouse`: the plan
chooses full or incremental) and published. After every increment a copy of the same warehouse is rebuilt in
full, and every mart of the two must be equal row for row (`EXCEPT ALL` both ways, so a duplicate row counts too).
The increments are the cases the incremental models must get right: new messages, a late reply that becomes an
old question's first reply, a file re-delivered with an edited message (a question that stops being one), a reply
that arrives before the message it answers, and a parent that arrives later and moves the replies below it into
another thread; then the changes that must rebuild in full: the channel registry, a merger taking effect, the
classifier's rules; and increments again after those. Last, the data tests of that incremental build are shown to
read the rows it wrote: a duplicate it wrote fails them.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from core.settings import Settings
from steps import plan
from steps.build import COLUMN_RULE_TESTS, build_warehouse, run_dbt
from steps.publish import build_serving_copy, publish_warehouse, serving_increments
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


def registry_change(landing: Path) -> None:
    """A second registry file adds Zwolle's Facebook page: a new channel changes which messages are by or to a
    municipality, so every message must be looked at again (a full build)."""
    (landing / "channels" / "kanalenregister-2026.csv").write_text(
        "gm_code,platform,account_id,handle,theme,active_from,active_to\n"
        "GM0193,facebook,104500000000193,gemeentezwolle,algemeen,2014-01-01,\n", encoding="utf-8")


def merger(landing: Path) -> None:
    """Zwolle merges into a neighbour: every question's current municipality may change (a full build)."""
    folder = landing / "cbs_herindelingen"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "herindelingen-2026.csv").write_text(
        "datum_ingang,oude_gm_code,oude_naam,nieuwe_gm_code,nieuwe_naam\n"
        "2026-01-01,GM0193,Zwolle,GM0175,Ommen\n", encoding="utf-8")


def classifier_rules_change(patch: pytest.MonkeyPatch) -> None:
    """The classifier's rules (dbt seeds, its Python) are part of the code the marts are built with: a change gives
    another code version, and the plan builds in full."""
    changed = plan.code_version() + "-rules-changed"
    patch.setattr(plan, "code_version", lambda: changed)


def more_messages(landing: Path) -> None:
    """After the full builds, increments again: a new question to Amsterdam, answered."""
    question = tweet("600000000000000901", "900004", "2015-06-01T08:00:00.000Z",
                     "@amsterdam Hoe vraag ik een parkeervergunning aan?")
    reply = tweet("600000000000000902", "115533001", "2015-06-01T08:20:00.000Z",
                  "@dirk_m Via de website, kijk op amsterdam.nl/parkeren", replied_to="600000000000000901",
                  conversation_id="600000000000000901", in_reply_to_user_id="900004")
    users = [*USERS, {"id": "115533001", "username": "amsterdam", "name": "amsterdam"}]
    write_json(landing / "x_api" / "2015" / "amsterdam" / "mentions-h09.json", x_page([question, reply], users))


#: Each step: what lands (or changes), the families to load, and the build the plan must choose.
STEPS = (
    (new_messages, ("social",), "incremental"),
    (late_reply, ("social",), "incremental"),
    (redelivered_with_an_edit, ("social",), "incremental"),
    (reply_before_its_parent, ("social",), "incremental"),
    (parent_arrives, ("social",), "incremental"),
    (registry_change, ("channels",), "full"),
    (merger, ("cbs",), "full"),
    (classifier_rules_change, (), "full"),
    (more_messages, ("social",), "incremental"),
)


def write_json(path: Path, body: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, indent=1), encoding="utf-8")


def write_webcare(path: Path, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(WEBCARE_HEADER + "\n".join(rows) + "\n", encoding="utf-8")


def full_rebuild_of(incremental: Settings, full: Settings) -> None:
    """A copy of the incremental home's warehouse (the same raw rows), built in full."""
    shutil.rmtree(full.home, ignore_errors=True)
    full.warehouse_path.parent.mkdir(parents=True)
    shutil.copy2(incremental.warehouse_path, full.warehouse_path)
    run_dbt("build", "--full-refresh", settings=full)


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
        patch.delenv("DIALOOG_FULL_REFRESH", raising=False)
        incremental, full = Settings(home=tmp_path / "incremental"), Settings(home=tmp_path / "full")
        patch.setenv("DIALOOG_HOME", str(incremental.home))
        shutil.copytree(LANDING, incremental.landing)
        yield incremental, full, patch


def test_each_increment_gives_the_marts_of_a_full_rebuild(homes: tuple[Settings, Settings, pytest.MonkeyPatch]
                                                           ) -> None:
    incremental, full, patch = homes
    load_clean(incremental)
    assert build_warehouse(incremental).mode == "full"
    publish_warehouse(incremental)
    for step, families, mode in STEPS:
        if families:
            step(incremental.landing)
            load_clean(incremental, families)
        else:
            step(patch)
        built = build_warehouse(incremental)
        assert built.mode == mode, (step.__name__, built.reason)
        assert (serving_increments(incremental) is not None) == (mode == "incremental"), step.__name__
        publish_warehouse(incremental)
        # the served copy, made from the previous one plus the touched rows, is a copy made from scratch
        from_scratch = full.home.parent / f"served-{step.__name__}.duckdb"
        build_serving_copy(incremental, from_scratch)
        assert differences(incremental.serving_path, from_scratch) == {}, step.__name__
        if mode == "incremental":
            touched = query_rows(incremental.warehouse_path,
                                 "SELECT count(*) AS n FROM intermediate.int_increment_questions")[0]["n"]
            assert touched, f"{step.__name__}: the incremental build recomputed no question"
        full_rebuild_of(incremental, full)
        assert differences(incremental.warehouse_path, full.warehouse_path) == {}, step.__name__
    data_tests_read_the_rows_the_build_wrote(incremental, new_question="x:600000000000000901")


def data_tests_read_the_rows_the_build_wrote(incremental: Settings, new_question: str) -> None:
    """In an incremental build dbt's data tests read only the rows the build wrote (macros/get_where_subquery.sql):
    a duplicate of a message the build wrote fails the uniqueness test, a duplicate of a message it did not
    write is left to the build that wrote it (which was tested and published), and a full build's test finds it."""
    [run] = query_rows(incremental.warehouse_path, "SELECT mode, increment_after FROM dq.transform_runs "
                                                   "ORDER BY started_at DESC LIMIT 1")
    assert run["mode"] == "incremental"
    increment = {"DIALOOG_INCREMENT_AFTER": run["increment_after"].isoformat()}
    test_unique = ("test", "-s", "unique_int_messages_deduplicated_message_id")
    run_dbt(*test_unique, settings=incremental, environment=increment)  # passes as built

    def duplicate(message_id: str) -> None:
        con = duckdb.connect(f"{incremental.warehouse_path}.scratch")
        try:
            con.execute("INSERT INTO intermediate.int_messages_deduplicated "
                        "SELECT * FROM intermediate.int_messages_deduplicated WHERE message_id = ?", [message_id])
        finally:
            con.close()

    duplicate("x:450072413598646272")  # a 2014 question the increment did not touch
    run_dbt(*test_unique, settings=incremental, environment=increment)
    with pytest.raises(RuntimeError, match="dbt test"):  # a full build's tests read every row
        run_dbt(*test_unique, settings=incremental, environment={"DIALOOG_INCREMENT_AFTER": ""})
    # The incremental build itself leaves that test out, and one singular test checks its rule with the others
    # (steps.build.incremental_selection): it too passes on the duplicate the build did not write ...
    column_rules = ("test", "-s", "int_messages_deduplicated", "--exclude",
                    *(f"test_name:{name}" for name in COLUMN_RULE_TESTS))
    run_dbt(*column_rules, settings=incremental, environment=increment)
    duplicate(new_question)  # the increment's new question
    with pytest.raises(RuntimeError, match="dbt test"):
        run_dbt(*test_unique, settings=incremental, environment=increment)
    # ... and fails on the one it wrote, naming the model and the rule
    with pytest.raises(RuntimeError, match="dbt test"):
        run_dbt(*column_rules, settings=incremental, environment=increment)
    assert broken_column_rules(incremental) == [("int_messages_deduplicated", "unique(message_id)", 1)]


def broken_column_rules(settings: Settings) -> list[tuple]:
    """The rows of the singular test ``assert_increment_column_rules`` as dbt last compiled it: (model, broken rule,
    rows)."""
    compiled = next((settings.home / "dbt" / "target" / "compiled").rglob("assert_increment_column_rules.sql"))
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        con.execute(f"ATTACH '{settings.warehouse_path}.scratch' AS scratch (READ_ONLY)")
        return con.execute(compiled.read_text(encoding="utf-8")).fetchall()
    finally:
        con.close()

