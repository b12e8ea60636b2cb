"""Fact sheets of a tiny hand-made published warehouse (conftest.py): the size-class medians, the national
figures, channels and their states, the survey, the footnote, escaping, and what happens without Chromium."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from factsheets import pdf as pdfs
from factsheets.__main__ import main
from factsheets.data import FactsheetError, read_published
from factsheets.render import make_factsheets
from tests.factsheets.conftest import HOSTILE

SERVING = Path("serving") / "warehouse.duckdb"


def text(path: Path) -> str:
    """A page's HTML unescaped, with runs of whitespace as one space (as a browser shows it)."""
    return " ".join(html.unescape(path.read_text(encoding="utf-8")).split())


def cells(page: str, key: str) -> tuple[str, str, str]:
    """The municipality's, the size class's and the nation's value of one key figure."""
    row = re.search(rf'<tr data-key="{key}">(.*?)</tr>', page, re.S).group(1)
    own, peers, nation = (html.unescape(c) for c in re.findall(r'<td class="n \w+">(.*?)</td>', row))
    return own, peers, nation


@pytest.fixture
def sheets(tiny_home: Path) -> Path:
    make_factsheets(tiny_home, pdf=False)
    return tiny_home / "reports" / "factsheets"


def test_size_class_medians_over_the_class_of_that_year(tiny_home: Path) -> None:
    pub = read_published(tiny_home / SERVING)
    s, m = pub.size_classes[(2014, "S")], pub.size_classes[(2014, "M")]
    assert s["municipalities"] == 3 and m["municipalities"] == 2
    assert s["answer_rate"] == pytest.approx(0.5)
    assert m["answer_rate"] == pytest.approx(0.25)  # GM0005 had no questions: no rate, not in the median
    assert s["median_response_hours"] == pytest.approx(5.0)
    assert m["median_response_hours"] == pytest.approx(30.0)  # GM0005 answered nothing: no response time
    assert s["pct_answered_within_working_day"] == pytest.approx(0.5)  # 1/10, 2/4, 9/10
    assert m["questions"] == pytest.approx(4.0)  # 8 and 0
    assert (2014, None) not in pub.size_classes  # GM0006 has no population: in no class


def test_sheet_sets_each_figure_beside_its_class_and_the_nation(sheets: Path) -> None:
    page = (sheets / "2014" / "GM0002.html").read_text(encoding="utf-8")
    assert cells(page, "answer_rate") == ("50 %", "50 %", "50 %")
    assert cells(page, "questions") == ("4", "10", "36")
    assert cells(page, "median_response_hours") == ("2,0 uur", "5,0 uur", "5,5 uur")
    assert cells(page, "pct_answered_within_working_day") == ("50 %", "50 %", "45 %")
    # the nation's questions per 10,000: all 32 questions of the municipalities with a population over their
    # 230,000 inhabitants
    assert cells(page, "questions_per_10k") == ("1,3", "2,5", "1,4")
    assert "Mediaan klasse S (3 gem.)" in page
    page = (sheets / "2014" / "GM0004.html").read_text(encoding="utf-8")
    assert cells(page, "median_response_hours") == ("30,0 uur", "30,0 uur", "5,5 uur")
    page = (sheets / "2014" / "GM0006.html").read_text(encoding="utf-8")
    assert "geen grootteklasse" in page and cells(page, "answer_rate") == ("75 %", "–", "50 %")


def test_sheet_maturity_channels_survey_and_footnote(sheets: Path) -> None:
    page = text(sheets / "2014" / "GM0003.html")
    assert ("niveau 4: 90 % van de vragen beantwoord (50 % of meer), KCC betrokken volgens de enquête en mediane "
            "reactietijd 5,0 uur, onder 24 uur") in page
    channels = re.findall(r"<tr><td>([\w ()]+)</td><td>(.*?)</td><td>(\w+)</td>.*?<td>([a-z ]+)</td>\s*"
                          r'<td class="n">([\d.]+)</td><td class="n">(\d+)</td></tr>',
                          (sheets / "2014" / "GM0003.html").read_text(encoding="utf-8"), re.S)
    assert [(c[0], c[3], c[4], c[5]) for c in channels] == [
        ("Facebook", "gestopt", "0", "0"), ("Instagram", "nog niet gestart", "0", "0"),
        ("X (Twitter)", "actief", "90", "10")]
    assert "KCC (klantcontactcentrum)" in page and "7,5" in page
    assert "Gepubliceerd warehouse van 04-03-2026 (build abcdef012345)" in page
    assert "uit 2 bestanden" in page  # sha 'a' and 'b' of its 2014 messages
    assert "7 geladen bestanden in 2 laadrondes, 2 controles met samen 22 controleregels (1 met een afwijking)" in page
    assert "5 rijen en 1 bestand in quarantaine" in page
    page = text(sheets / "2014" / "GM0001.html")
    assert "niveau 1: 1 kanaal aanwezig, maar 10 berichten verstuurd, minder dan 52" in page
    assert "Deze gemeente heeft de enquête over 2014 niet beantwoord." in page
    page = text(sheets / "2014" / "GM0002.html")
    assert "het KCC is volgens de enquête niet betrokken" in page


def test_hostile_names_and_handles_are_escaped(sheets: Path) -> None:
    page = (sheets / "2014" / "GM0003.html").read_text(encoding="utf-8")
    index = (sheets / "index.html").read_text(encoding="utf-8")
    for text in (page, index):
        assert "<script>" not in text and "<img" not in text
    assert html.escape(HOSTILE, quote=False) in page.replace("&#39;", "'")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_index_links_every_sheet_per_year_and_province(sheets: Path) -> None:
    index = (sheets / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="(2014/GM\d{4}\.html)"', index)
    assert sorted(links) == [f"2014/GM000{i}.html" for i in range(1, 7)]
    assert all((sheets / link).is_file() for link in links)
    assert "<h3>Groningen</h3>" in index and "2014 (6 gemeenten)" in index


def test_without_chromium_html_is_written_and_the_message_says_how_to_get_pdfs(
        tiny_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(pdfs, "CHROMIUM", tiny_home / "no-chromium")
    assert main(["--home", str(tiny_home), "--limit", "2"]) == 0
    assert "make debian-packages" in capsys.readouterr().err
    written = sorted(p.name for p in (tiny_home / "reports" / "factsheets" / "2014").iterdir())
    assert written == ["GM0001.html", "GM0002.html"]


def test_no_published_warehouse_or_unknown_year_fails_clearly(tmp_path: Path, tiny_home: Path, capsys) -> None:
    assert main(["--home", str(tmp_path / "empty")]) == 1
    assert "make pipeline" in capsys.readouterr().err
    with pytest.raises(FactsheetError, match="no report year 2030"):
        read_published(tiny_home / SERVING, [2030])
    assert not (tiny_home / "reports").exists()
