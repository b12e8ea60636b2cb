"""Channel states per platform and year (CONTRACT.md §7, `rpt_platform_year`) on a small landed scenario whose
answers are known: who is present, parked or has left X and Facebook in 2024 and 2025, and the questions asked
on each platform.

The scenario is written below as the files a user would land (a channel registry and two webcare exports),
loaded with the real loaders and built with the real `dbt build`; every figure was worked out by hand.

Registry (gm_code, channel, active_from – active_to) and what each channel writes (local time):

| municipality | channel | active | writes |
|---|---|---|---|
| GM0363 Amsterdam | x `amsterdam` | 2009 – open | posts 2024 and 2025 |
| GM0363 Amsterdam | facebook `amsterdamfb` | 2010 – open | a post in 2025 only |
| GM0344 Utrecht | x `utrecht` | 2014 – 2025-06-30 | one reply in 2024, nothing in 2025 |
| GM0344 Utrecht | facebook `utrechtfb` | 2015 – open | nothing |
| GM0193 Zwolle | x `zwolle` | 2014 – open | nothing |
| GM0193 Zwolle | facebook `zwollefb` | 2012 – 2020-12-31 | nothing |
| GM0518 's-Gravenhage | x `denhaag_oud` | 2010 – 2024-12-31 | a post in 2024 |
| GM0518 's-Gravenhage | x `denhaag` | 2025-01-01 – open | nothing |
| GM0855 Tilburg | x `tilburg` | 2012 – 2025-03-31 | a post in February 2025 |

Report years: 2024 and 2025 (both have channel posts). A reply counts as writing (posts or replies).

X 2024: present Amsterdam (posts), Utrecht (a reply), 's-Gravenhage (old account posts) = 3; parked Zwolle,
Tilburg (active, silent) = 2; left 0 (nobody's last X channel ended in 2024: 's-Gravenhage's old one did, but its
new one is open-ended, and it was present anyway).
X 2025: present Amsterdam, Tilburg (posted in February; present beats left although its only channel ended in
March) = 2; left Utrecht (silent, its only X channel ended 30 June) = 1; parked Zwolle, 's-Gravenhage (new
account silent) = 2.
Facebook 2024: parked Amsterdam, Utrecht = 2 (Zwolle's page ended in 2020, not a report year: no state at all).
Facebook 2025: present Amsterdam = 1, parked Utrecht = 1.

Questions: X 2024 three (Amsterdam answered after 90 minutes, Utrecht after 30, Amsterdam unanswered): answered
2, rate 2/3, median (30 + 90) / 2 = 60 minutes = 1.0 h. X 2025 one (Amsterdam, answered after 240 minutes): rate
1.0, median 4.0 h. Facebook 2025 one comment, unanswered: rate 0.0, median null. Facebook 2024 none: rate null.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings, get_settings
from steps.build import build_warehouse
from tests.dbt.conftest import load_clean, query_rows

pytestmark = pytest.mark.e2e

REGISTRY = """\
gm_code,platform,account_id,handle,theme,active_from,active_to
GM0363,x,3001,amsterdam,algemeen,2009-01-01,
GM0363,facebook,104500000003363,amsterdamfb,algemeen,2010-01-01,
GM0344,x,3002,utrecht,algemeen,2014-01-01,2025-06-30
GM0344,facebook,104500000003344,utrechtfb,algemeen,2015-01-01,
GM0193,x,3003,zwolle,algemeen,2014-01-01,
GM0193,facebook,104500000003193,zwollefb,algemeen,2012-01-01,2020-12-31
GM0518,x,3004,denhaag_oud,algemeen,2010-01-01,2024-12-31
GM0518,x,3005,denhaag,algemeen,2025-01-01,
GM0855,x,3006,tilburg,algemeen,2012-01-01,2025-03-31
"""

HEADER = "bericht_id;datum;kanaal;account;auteur;richting;in_antwoord_op;tekst\n"

MESSAGES_2024 = HEADER + """\
800000000000000001;04-03-2024 09:00;x;amsterdam;amsterdam;uitgaand;;De markt is morgen open.
800000000000000002;05-03-2024 10:00;x;amsterdam;burger_1;inkomend;;Graag weten wanneer de brug weer open is
800000000000000003;05-03-2024 11:30;x;amsterdam;amsterdam;uitgaand;800000000000000002;@burger_1 Volgende week. ^AB
800000000000000004;06-03-2024 10:00;x;utrecht;burger_2;inkomend;;Graag weten wanneer de bibliotheek opengaat
800000000000000005;06-03-2024 10:30;x;utrecht;utrecht;uitgaand;800000000000000004;@burger_2 Maandag weer. ^CD
800000000000000006;07-03-2024 10:00;x;amsterdam;burger_3;inkomend;;Graag weten wanneer het stadskantoor open is
800000000000000007;08-03-2024 09:00;x;denhaag_oud;denhaag_oud;uitgaand;;Het stadhuis is vrijdag dicht.
"""

MESSAGES_2025 = HEADER + """\
800000000000000101;03-02-2025 09:00;x;tilburg;tilburg;uitgaand;;Wij stoppen op X per 1 april.
800000000000000102;04-03-2025 09:00;x;amsterdam;amsterdam;uitgaand;;De markt is morgen dicht.
800000000000000103;05-03-2025 10:00;x;amsterdam;burger_4;inkomend;;Graag weten wanneer de tram weer rijdt
800000000000000104;05-03-2025 14:00;x;amsterdam;amsterdam;uitgaand;800000000000000103;@burger_4 Vanaf morgen. ^AB
104500000003363_9001;06-03-2025 09:00;facebook;amsterdamfb;amsterdamfb;uitgaand;;Nieuwe openingstijden stadsloket.
104500000003363_9001_1;06-03-2025 10:00;facebook;amsterdamfb;Pieter Jansen;inkomend;104500000003363_9001;\
Graag weten wanneer het loket op zaterdag open is
"""

HOUR = 60.0  # minutes
MUNICIPAL_PLATFORMS = {"x", "facebook"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """The scenario landed, loaded family by family and built."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIALOOG_HOME", str(tmp_path_factory.mktemp("platform_year") / "home"))
        patch.setenv("DIALOOG_CITIZEN_KEY", "test-key")
        settings = get_settings()
        _land(settings.landing / "channels" / "kanalenregister.csv", REGISTRY)
        _land(settings.landing / "webcare_csv" / "berichten-2024.csv", MESSAGES_2024)
        _land(settings.landing / "webcare_csv" / "berichten-2025.csv", MESSAGES_2025)
        load_clean(settings)
        build_warehouse(settings)
        yield settings


def _land(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def rows(settings: Settings, sql: str) -> list[dict[str, Any]]:
    return query_rows(settings.warehouse_path, sql)


def test_states_per_municipality(built: Settings) -> None:
    found = {(r["gm_code"], r["platform"], r["year"]): r["state"] for r in rows(built, """
        SELECT gm_code, platform, year, state FROM intermediate.int_channel_states_by_year""")}
    assert found == {
        ("GM0363", "x", 2024): "present", ("GM0363", "x", 2025): "present",
        ("GM0344", "x", 2024): "present", ("GM0344", "x", 2025): "left",
        ("GM0193", "x", 2024): "parked", ("GM0193", "x", 2025): "parked",
        ("GM0518", "x", 2024): "present", ("GM0518", "x", 2025): "parked",
        ("GM0855", "x", 2024): "parked", ("GM0855", "x", 2025): "present",
        ("GM0363", "facebook", 2024): "parked", ("GM0363", "facebook", 2025): "present",
        ("GM0344", "facebook", 2024): "parked", ("GM0344", "facebook", 2025): "parked",
    }


def test_platform_year(built: Settings) -> None:
    found = {(r["platform"], r["year"]): r for r in rows(built, "SELECT * FROM marts.rpt_platform_year")}
    registry = [r["platform"] for r in rows(built, "SELECT platform FROM marts.dim_platform ORDER BY sort_order")]
    # every registry platform in every report year
    assert len(registry) == 9 and set(found) == {(p, y) for p in registry for y in (2024, 2025)}
    assert found["x", 2024] == {
        "platform": "x", "year": 2024, "present": 3, "left": 0, "parked": 2, "questions": 3, "answered": 2,
        "answer_rate": 2 / 3, "median_response_hours": (30 + 90) / (2 * HOUR)}
    assert found["x", 2025] == {
        "platform": "x", "year": 2025, "present": 2, "left": 1, "parked": 2, "questions": 1, "answered": 1,
        "answer_rate": 1.0, "median_response_hours": 240 / HOUR}
    assert found["facebook", 2024] == {
        "platform": "facebook", "year": 2024, "present": 0, "left": 0, "parked": 2, "questions": 0, "answered": 0,
        "answer_rate": None, "median_response_hours": None}
    assert found["facebook", 2025] == {
        "platform": "facebook", "year": 2025, "present": 1, "left": 0, "parked": 1, "questions": 1, "answered": 0,
        "answer_rate": 0.0, "median_response_hours": None}
    # registry platforms without any channel: counts 0, never null; rates null
    for (platform, year), row in found.items():
        if platform not in MUNICIPAL_PLATFORMS:
            assert row == {"platform": platform, "year": year, "present": 0, "left": 0, "parked": 0, "questions": 0,
                           "answered": 0, "answer_rate": None, "median_response_hours": None}


def test_dim_platform_is_the_registry(built: Settings) -> None:
    found = rows(built, "SELECT platform, display_name, sort_order FROM marts.dim_platform ORDER BY sort_order")
    assert [r["platform"] for r in found] == [
        "x", "facebook", "instagram", "mastodon", "bluesky", "linkedin", "whatsapp", "youtube", "tiktok"]
    assert found[0] == {"platform": "x", "display_name": "X (Twitter)", "sort_order": 1}
