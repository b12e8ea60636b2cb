"""A fact sheet of the demo (the real pipeline: ``published_home``) in headless Chromium: its figures against the
marts, a screenshot (test-output/screenshots/factsheet.png, print media: as printed) and a valid one-page PDF,
whose page is drawn as a picture too (factsheet-pdf.png)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import duckdb
import pytest

from factsheets import pdf as pdfs
from factsheets.render import _show as show
from factsheets.render import make_factsheets
from factsheets.words import hours, number, percent

PROJECT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT / "test-output" / "screenshots"
SERVING = Path("serving") / "warehouse.duckdb"
YEAR = 2014  # the year of the research (docs/demo-data.md)


@pytest.fixture(scope="module")
def demo(published_home: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A copy of the published demo warehouse (the sheets are written beside it, not in the shared home) and the
    municipality to look at: the one with the most questions that year, so every figure has a value."""
    home = tmp_path_factory.mktemp("factsheets_home")
    (home / SERVING).parent.mkdir(parents=True)
    shutil.copy(published_home / SERVING, home / SERVING)
    con = duckdb.connect(str(home / SERVING), read_only=True)
    try:
        (gm,) = con.execute("SELECT gm_code FROM marts.rpt_municipality_year WHERE year = ? AND size_class IS NOT NULL "
                            "ORDER BY answered DESC, questions DESC, gm_code LIMIT 1", [YEAR]).fetchone()
    finally:
        con.close()
    return home, gm


def test_factsheet_in_chromium_matches_the_marts(demo: tuple[Path, str]) -> None:
    from playwright.sync_api import sync_playwright

    if not pdfs.chromium_available():
        pytest.fail("Debian chromium is missing: make debian-packages")
    home, gm = demo
    started = time.perf_counter()
    result = make_factsheets(home, [YEAR], limit=3)
    result_one = make_factsheets(home, [YEAR], gm_codes=[gm])  # replaces the year's folder: only this one
    print(f"3 + 1 sheets in {time.perf_counter() - started:.1f} s: {result.message}; {result_one.message}")
    folder = home / "reports" / "factsheets" / str(YEAR)
    assert sorted(p.name for p in folder.iterdir()) == [f"{gm}.html", f"{gm}.pdf"]
    sheet, pdf = folder / f"{gm}.html", folder / f"{gm}.pdf"

    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]
    assert len(re.findall(rb"/Type\s*/Page(?![s\w])", data)) == 1, "a sheet prints on one A4 page"
    # The PDF's page as a picture, as a council member sees it (pdftoppm: Debian's poppler-utils, make test)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf), str(SCREENSHOTS / "factsheet-pdf")],
                   check=True, timeout=60)
    assert (SCREENSHOTS / "factsheet-pdf.png").stat().st_size > 20_000

    con = duckdb.connect(str(home / SERVING), read_only=True)
    try:
        cursor = con.execute("SELECT r.*, m.name, m.province_name FROM marts.rpt_municipality_year r "
                             "JOIN marts.dim_municipality m USING (gm_code) WHERE gm_code = ? AND year = ?", [gm, YEAR])
        own = dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))
        cursor = con.execute("SELECT * FROM marts.rpt_national_year WHERE year = ?", [YEAR])
        nation = dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))
        peers = con.execute("SELECT quantile_cont(answer_rate, 0.5), quantile_cont(median_response_hours, 0.5), "
                            "count(*) FROM marts.rpt_municipality_year WHERE year = ? AND size_class = ?",
                            [YEAR, own["size_class"]]).fetchone()
        channels = con.execute("SELECT count(*) FROM marts.dim_channel WHERE gm_code = ?", [gm]).fetchone()[0]
    finally:
        con.close()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(pdfs.CHROMIUM), args=pdfs.CHROMIUM_FLAGS, headless=True,
            viewport={"width": 900, "height": 1270}, locale="nl-NL")
        try:
            page = browser.new_page()
            page.goto(sheet.as_uri())
            page.emulate_media(media="print")
            page.screenshot(path=str(SCREENSHOTS / "factsheet.png"), full_page=True)

            def figure(key: str) -> list[str]:
                return page.locator(f'#figures tr[data-key="{key}"] td').all_inner_texts()

            assert page.locator("#name").inner_text() == own["name"]
            assert own["province_name"] in page.locator("#identity").inner_text()
            assert page.locator("#size-class").inner_text() == own["size_class"]
            assert figure("questions") == ["Vragen van inwoners", number(own["questions"]),
                                           show(_median(home, "questions", own["size_class"]), "count"),
                                           number(nation["questions"])]
            assert figure("answer_rate") == ["Deel beantwoord", percent(own["answer_rate"]), percent(peers[0]),
                                             percent(nation["answer_rate"])]
            assert figure("median_response_hours")[1:] == [hours(own["median_response_hours"]), hours(peers[1]),
                                                           hours(nation["median_response_hours"])]
            assert figure("pct_answered_within_24h")[1] == percent(own["pct_answered_within_24h"])
            assert f"({peers[2]} gem.)" in page.locator("#figures th").all_inner_texts()[2]
            reason = page.locator("#maturity-reason").inner_text()
            assert reason.startswith(f"niveau {own['maturity_level']}: ")
            assert page.locator("#channels tbody tr").count() == channels
            assert "citizen" not in page.content() and "citizen_key" not in page.content()
            # the index links the sheet and its PDF
            page.goto((home / "reports" / "factsheets" / "index.html").as_uri())
            assert page.locator(f'a[href="{YEAR}/{gm}.pdf"]').count() == 1
            assert page.locator(f'a[href="{YEAR}/{gm}.html"]').inner_text() == own["name"]
        finally:
            browser.close()
    assert (SCREENSHOTS / "factsheet.png").stat().st_size > 20_000


def _median(home: Path, column: str, size_class: str) -> float:
    con = duckdb.connect(str(home / SERVING), read_only=True)
    try:
        return con.execute(f"SELECT quantile_cont({column}, 0.5) FROM marts.rpt_municipality_year "
                           "WHERE year = ? AND size_class = ?", [YEAR, size_class]).fetchone()[0]
    finally:
        con.close()
