"""Municipality matching: typed names → the CBS code valid in the survey year."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from ingestion.cbs import CBS_GEMEENTEN, CBS_HERINDELINGEN
from ingestion.framework import load_source
from ingestion.survey.matching import (
    ALIASES_CSV,
    MunicipalityMatcher,
    UnmatchedName,
    normalise,
    read_aliases,
    read_cbs_lists,
)
from ingestion.survey.source import shipped_matcher


@pytest.fixture(scope="module")
def matcher() -> MunicipalityMatcher:
    return shipped_matcher()


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Súdwest-Fryslân", "sudwestfryslan"),
        ("  Gemeente  's-Hertogenbosch ", "shertogenbosch"),
        ("gem. Den Haag", "denhaag"),
        ("Nuenen, Gerwen en Nederwetten", "nuenengerwenennederwetten"),
        ("Bergen (NH.)", "bergennh"),
        ("Gemeentebedrijf", "gemeentebedrijf"),
    ],
)
def test_normalise_ignores_case_accents_punctuation_and_the_word_gemeente(typed: str, key: str) -> None:
    assert normalise(typed) == key


@pytest.mark.parametrize(
    ("typed", "year", "gm_code", "method"),
    [
        ("Amsterdam", 2014, "GM0363", "exact"),
        ("GEMEENTE UTRECHT", 2014, "GM0344", "exact"),
        ("Sudwest Fryslan", 2016, "GM1900", "exact"),
        ("s Hertogenbosch", 2016, "GM0796", "exact"),
        ("Den Bosch", 2016, "GM0796", "alias"),
        ("Den Haag", 2020, "GM0518", "alias"),
        ("Nuenen", 2020, "GM0820", "alias"),
        ("Nuenen c.a.", 2020, "GM0820", "alias"),
        ("Bergen NH", 2020, "GM0373", "exact"),
        ("Bergen Limburg", 2020, "GM0893", "alias"),
        ("Hengelo", 2025, "GM0164", "alias"),  # CBS writes "Hengelo (O.)" from 2025
        ("Hengelo (O.)", 2020, "GM0164", "historic"),
        ("Leeuwarderadeel", 2019, "GM0080", "historic"),  # merged into Leeuwarden in 2018
        ("Leeuwarderadeel", 2017, "GM0081", "exact"),
        ("De Fryske Marren", 2015, "GM1921", "historic"),  # renamed (new code) on 1 July 2015
        ("GM0363", 2014, "GM0363", "code"),
        ("363", 2014, "GM0363", "code"),
        ("GM0081", 2019, "GM0080", "historic"),
        ("Amsterdm", 2014, "GM0363", "fuzzy"),
        ("Nijmeegn", 2014, "GM0268", "fuzzy"),  # a transposition is one typing error
        ("Den Bosh", 2014, "GM0796", "fuzzy"),  # fuzzy over the aliases too
    ],
)
def test_match(matcher: MunicipalityMatcher, typed: str, year: int, gm_code: str, method: str) -> None:
    found = matcher.match(typed, year)
    assert (found.gm_code, found.method) == (gm_code, method)
    assert found.name == matcher.name_of(gm_code, year)


def test_a_fuzzy_match_carries_its_similarity(matcher: MunicipalityMatcher) -> None:
    assert matcher.match("Amsterdm", 2014).score == 88.9
    assert matcher.match("Amsterdam", 2014).score == 100.0


@pytest.mark.parametrize(
    ("typed", "year", "message"),
    [
        ("Atlantis", 2014, "'Atlantis' matches no municipality of 2014"),
        ("Bergen", 2014,
         "'Bergen' is ambiguous in 2014; candidates: Bergen (NH.) (GM0373), Bergen (L.) (GM0893)"),
        ("Eps", 2014, "'Eps' is as close to several municipalities of 2014; "
                      "candidates: Ede (GM0228), Epe (GM0232), Oss (GM0828)"),
        ("Bergn", 2014, "'Bergn' is as close to several municipalities of 2014; "
                        "candidates: Buren (GM0214), Bergen (NH.) (GM0373), Bergen (L.) (GM0893)"),
        ("Waadhoeke", 2016, "'Waadhoeke' is ambiguous in 2016; candidates: het Bildt (GM0063)"),
        ("Amsterdam", 2030, "no CBS municipality list for 2030"),
        ("GM9999", 2014, "GM9999 is not a municipality on 1 January 2014"),
        ("Gemeente", 2014, "'Gemeente' matches no municipality of 2014"),
        (" - ", 2014, "empty municipality name ' - '"),
    ],
)
def test_unknown_or_ambiguous_names_are_refused_with_candidates(
        matcher: MunicipalityMatcher, typed: str, year: int, message: str) -> None:
    with pytest.raises(UnmatchedName) as refused:
        matcher.match(typed, year)
    assert message in str(refused.value)


def test_fuzzy_matching_needs_the_confidence_threshold() -> None:
    matcher = MunicipalityMatcher([(2020, "GM0828", "Oss"), (2020, "GM0363", "Amsterdam")])
    with pytest.raises(UnmatchedName, match=r"similarity 0.67 < 0.75\); candidates: Oss \(GM0828\)"):
        matcher.match("Os", 2020)
    assert matcher.match("Oss", 2020).method == "exact"
    assert MunicipalityMatcher([(2020, "GM0828", "Oss")], min_similarity=0.6).match("Os", 2020).score == 66.7


def test_built_from_rows_with_mergers() -> None:
    rows = [(2018, "GM0001", "Oud"), (2018, "GM0002", "Buur"), (2019, "GM0003", "Nieuw"),
            (2019, "GM0002", "Buur")]
    matcher = MunicipalityMatcher(rows, mergers=[(date(2019, 1, 1), "GM0001", "GM0003")])
    assert matcher.years == [2018, 2019]
    assert matcher.match("Oud", 2019).gm_code == "GM0003"
    assert matcher.match("Nieuw", 2018).gm_code == "GM0001"
    assert matcher.match("Nieuw", 2019).method == "exact"


def test_every_alias_names_its_municipality_by_a_cbs_name() -> None:
    names_of: dict[str, set[str]] = {}
    for _year, code, name in read_cbs_lists(ALIASES_CSV.parent / "cbs_gemeenten"):
        names_of.setdefault(code, set()).add(name)
    with ALIASES_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(row["toelichting"] for row in rows)
    wrong = [row for row in rows if row["cbs_naam"] not in names_of.get(row["gm_code"], set())]
    assert wrong == []


def test_no_alias_is_the_name_of_another_municipality(matcher: MunicipalityMatcher) -> None:
    for alias in read_aliases():
        for year in matcher.years:
            if matcher.name_of(alias.gm_code, year) is None:
                continue
            assert matcher.match(alias.alias, year).gm_code == alias.gm_code, (alias, year)


def test_from_warehouse_reads_the_loaded_lists(con, settings) -> None:  # type: ignore[no-untyped-def]
    assert MunicipalityMatcher.from_warehouse(con).years == list(range(2012, 2026))  # nothing loaded yet
    folder = settings.landing / "cbs_gemeenten"
    folder.mkdir(parents=True)
    (folder / "gemeenten-alfabetisch-2024.csv").write_text(
        "Gemeentecode,GemeentecodeGM,Gemeentenaam,Provinciecode,ProvinciecodePV,Provincienaam\n"
        "0363,GM0363,Amsterdam,27,PV27,Noord-Holland\n", encoding="utf-8")
    for source in (CBS_GEMEENTEN, CBS_HERINDELINGEN):
        load_source(con, source, settings)
    matcher = MunicipalityMatcher.from_warehouse(con)
    assert matcher.match("Oisterwijk", 2023).gm_code == "GM0824"
    assert matcher.match("Haaren", 2022).gm_code == "GM0824"  # the merger came through raw
    with pytest.raises(UnmatchedName):
        matcher.match("Oisterwijk", 2024)  # the landed 2024 list replaced the shipped one


def test_from_warehouse_makes_the_views_an_older_warehouse_lacks(con, settings) -> None:  # type: ignore[no-untyped-def]
    for source in (CBS_GEMEENTEN, CBS_HERINDELINGEN):
        load_source(con, source, settings)
    con.execute("DROP VIEW raw.cbs_gemeenten_in_force")
    con.execute("DROP VIEW raw.cbs_herindelingen_in_force")
    matcher = MunicipalityMatcher.from_warehouse(con)
    assert matcher.years == list(range(2012, 2026))
    assert matcher.match("Haaren", 2022).gm_code == "GM0824"
