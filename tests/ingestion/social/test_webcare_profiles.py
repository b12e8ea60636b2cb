"""The Spotler Engage and Hootsuite Sparkcentral profiles (ingestion/social/profiles) read those tools' exports, so
WhatsApp and LinkedIn conversations that pass through them load as messages: one export of each tool
(tests/fixtures/webcare_csv/profiles, invented; column names as the profiles assume) loads to exactly the expected
messages, through the parser and, where the bulk reader takes the file, through both readers alike.
"""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ingestion.framework import Record, RowRejected
from ingestion.social.webcare import WEBCARE_CSV, parse, plan
from ingestion.social.webcare.profiles import choose_profile, load_profiles
from tests.ingestion.social.support import FIXTURES
from tests.ingestion.social.test_bulk import _load_both

PROFILES = FIXTURES / "webcare_csv" / "profiles"
SPOTLER = PROFILES / "spotler_engage_gesprekken_2025.csv"
SPARKCENTRAL = PROFILES / "sparkcentral_berichten_2025.csv"
WA_QUESTION = "wamid.HBgLMzE2MTExMTExMTEVAgASGBQzQUIxMjM0NTY3ODkwQUJDREVGAA=="
LI_POST = "urn:li:activity:7301234567890123456"
LI_QUESTION = f"urn:li:comment:({LI_POST},7301234567890123457)"
SPARK = "5f0c2a10-0001-4b7e-9c1a-00000000000"
FIELDS = ("platform", "message_id", "created_at", "author_handle", "in_reply_to_id", "channel_handle", "direction",
          "mentions", "text")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def _parsed(path: Path, fields: tuple[str, ...] = FIELDS) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for parsed in parse(path):
        if isinstance(parsed, Record):
            out.append((parsed.position, *(parsed.values[f] for f in fields)))
        else:
            out.append((parsed.position, "rejected", parsed.reason))
    return out


@pytest.mark.usefixtures("settings")
def test_the_header_picks_the_tool_profile() -> None:
    assert {"spotler_engage", "sparkcentral"} <= set(load_profiles())
    for path, name, separator in ((SPOTLER, "spotler_engage", ";"), (SPARKCENTRAL, "sparkcentral", ",")):
        header = path.read_text(encoding="utf-8").splitlines()[0].lower().split(separator)
        assert choose_profile(header, "webcare_csv", separator).name == name
        assert choose_profile(header, name, separator).name == name  # a folder named for the profile picks it too
    assert load_profiles()["sparkcentral"].separators == (",", ";")
    assert load_profiles()["spotler_engage"].separators == (";",)  # the default


@pytest.mark.usefixtures("settings")
def test_a_spotler_engage_export_loads_whatsapp_and_linkedin_messages() -> None:
    assert _parsed(SPOTLER) == [
        # 09:12 local in March (UTC+1); the number is the author's handle, the account the registry handle
        ("line 2", "whatsapp", WA_QUESTION, utc(2025, 3, 3, 8, 12), "31611111111", None, "gemeentevoorbeeld",
         "inkomend", [], "Goedemorgen, wanneer wordt het grofvuil bij ons opgehaald?"),
        ("line 3", "whatsapp", "wamid.HBgLMzE2MTExMTExMTEVAgARGBI5QTRCM0UyRjFEMEM5QjhBNwA=", utc(2025, 3, 3, 8, 40),
         "gemeentevoorbeeld", WA_QUESTION, "gemeentevoorbeeld", "uitgaand", [],
         "Goedemorgen! Elke eerste dinsdag van de maand; u kunt het ook aanmelden via de app."),
        # a LinkedIn comment id (an urn with a comma, quoted) kept verbatim; 01:50 and 03:05 local on the night the
        # clocks go forward are 00:50 and 01:05 UTC
        ("line 4", "linkedin", LI_QUESTION, utc(2025, 3, 30, 0, 50), "jan de vries", LI_POST, "gemeente-voorbeeld",
         "inkomend", ["gemeente-voorbeeld"], "Kunt u de vacature ook voor parttimers openstellen?"),
        ("line 5", "linkedin", f"urn:li:comment:({LI_POST},7301234567890123999)", utc(2025, 3, 30, 1, 5),
         "gemeente-voorbeeld", LI_QUESTION, "gemeente-voorbeeld", "uitgaand", [], "Zeker, ook parttime is welkom."),
    ]


#: The Sparkcentral fixture's messages: one WhatsApp conversation (c-7731) and a row with a date in another format.
SPARKCENTRAL_PARSED = [
    # INBOUND: the citizen's message to the channel it came in on (its account); the text's comma is quoted
    ("line 2", "whatsapp", f"{SPARK}1", utc(2025, 6, 2, 8, 15), "+31 6 22222222", None, "gemeentevoorbeeld",
     "inkomend", [], "Hallo, kan ik mijn paspoort ook op zaterdag ophalen?", "c-7731"),
    # OUTBOUND: the channel's answer, whichever agent sent it
    ("line 3", "whatsapp", f"{SPARK}2", utc(2025, 6, 2, 8, 47, 30), "sanne (gemeente voorbeeld)", f"{SPARK}1",
     "gemeentevoorbeeld", "uitgaand", [], "Dat kan, op zaterdag van 10.00 tot 13.00 uur.", "c-7731"),
    # the map's values in any case; a ';' in a ','-separated file is text
    ("line 4", "whatsapp", f"{SPARK}3", utc(2025, 6, 2, 8, 50), "+31 6 22222222", f"{SPARK}2",
     "gemeentevoorbeeld", "inkomend", [], "Top; dank u!", "c-7731"),
    # the profile's date format is the only one read for this tool, and the reason names it
    ("line 5", "rejected", "datum '02-06-2025 11:00' does not parse as jjjj-mm-dd hh:mm:ss"),
]


@pytest.mark.usefixtures("settings")
def test_a_sparkcentral_export_loads_whatsapp_conversations_by_their_direction() -> None:
    assert _parsed(SPARKCENTRAL, (*FIELDS, "conversation_id")) == SPARKCENTRAL_PARSED


def test_a_sparkcentral_export_saved_again_with_semicolons_loads_the_same(tmp_path: Path, settings: Any) -> None:
    """Dutch Excel saves a CSV it opened with ';': the profile names both separators."""
    with SPARKCENTRAL.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    for folder in ("webcare_csv", "sparkcentral"):  # picked by its header, and by its folder
        resaved = tmp_path / folder / "sparkcentral_excel.csv"
        resaved.parent.mkdir()
        with resaved.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, delimiter=";").writerows(rows)
        assert _parsed(resaved, (*FIELDS, "conversation_id")) == SPARKCENTRAL_PARSED


def test_both_readers_load_the_tool_exports_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Spotler export (default date format) is read by DuckDB in bulk; the Sparkcentral one (its own date
    format) goes to the parser; both ways load the same rows, rejects and files."""
    def land(landing: Path) -> None:
        folder = landing / "webcare_csv"
        folder.mkdir(parents=True)
        for path in (SPOTLER, SPARKCENTRAL):
            shutil.copyfile(path, folder / path.name)

    monkeypatch.setenv("DIALOOG_HOME", str(tmp_path / "plan"))
    assert plan.plan_file(SPOTLER) is not None and plan.plan_file(SPARKCENTRAL) is None
    written = _load_both(tmp_path, monkeypatch, WEBCARE_CSV, land)
    assert written["bulk"] == written["parser"]
    assert written["bulk"]["report"][1:3] == (7, 1)
    assert {row[0] for row in written["bulk"]["rejected_rows"]} == {"webcare_csv/sparkcentral_berichten_2025.csv"}


def test_rows_of_a_tool_export_are_rejected_with_their_reason(tmp_path: Path, settings: Any) -> None:
    export = tmp_path / "spotler.csv"
    export.write_text("Bericht ID;Datum;Kanaal;Account;Afzender;Richting;Reactie op;Bericht;Mentions\r\n"
                      "1;03-03-2025 09:12;Telegram;gem;a;Inkomend;;hallo;\r\n"
                      "2;03-03-2025 09:12;WhatsApp;gem;a;Doorgestuurd;;hallo;\r\n", encoding="utf-8")
    assert [(p.position, p.reason) for p in parse(export) if isinstance(p, RowRejected)] == [
        ("line 2", "kanaal 'Telegram' is not a platform of the platform registry"),
        ("line 3", "richting 'doorgestuurd' is not inkomend or uitgaand"),
    ]
    spark = tmp_path / "sparkcentral.csv"
    spark.write_text("Message ID,Conversation ID,Created at,Medium,Channel,Direction,Sender,In Reply To,Text\n"
                     "1,c-1,2025-06-02 10:15:00,WhatsApp,gem,NOTE,agent,,interne notitie\n"
                     "2,c-1,2025-06-02 10:15:00,WhatsApp,gem,inkomend,a,,the map's values only\n"
                     "4.5E+17,c-1,2025-06-02 10:15:00,WhatsApp,gem,INBOUND,a,,\n"
                     "4,4.5E+17,2025-06-02 10:15:00,WhatsApp,gem,INBOUND,a,,\n", encoding="utf-8")
    assert [(p.position, p.reason) for p in parse(spark) if isinstance(p, RowRejected)] == [
        ("line 2", "richting 'note' is not inbound or outbound"),
        ("line 3", "richting 'inkomend' is not inbound or outbound"),
        ("line 4", "bericht_id '4.5E+17' was mangled by Excel (digits lost)"),
        ("line 5", "gesprek_id '4.5E+17' was mangled by Excel (digits lost)"),
    ]
