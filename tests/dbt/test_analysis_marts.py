"""Peers by size, response norms and the survey nationally (CONTRACT.md §7), on hand-made exports whose
answers are known, and marts that are the same to the last bit whatever order the files were loaded in.

The scenario (tests/fixtures/analysis/README.md) is loaded with the real loaders and built with the real
`dbt build`; every figure below was worked out by hand from the fixture files, not read back from a run.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from core import warehouse
from core.settings import PROJECT_ROOT, Settings, get_settings
from ingestion.framework import load_source
from steps.build import build_warehouse
from steps.load import FAMILIES
from tests.conftest import FIXTURES
from tests.dbt.conftest import load_clean, query_rows

pytestmark = pytest.mark.e2e

LANDING = FIXTURES / "analysis" / "landing"
SHIPPED_POPULATION = PROJECT_ROOT / "ingestion" / "reference" / "cbs_bevolking" / "bevolking-2012-2025.csv"
AMSTERDAM, UTRECHT, ZWOLLE, BUSSUM, FRYSKE_MARREN = "GM0363", "GM0344", "GM0193", "GM0381", "GM1940"
HOUR = 60.0  # minutes


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """The scenario landed at once, loaded family by family and built."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIALOOG_HOME", str(tmp_path_factory.mktemp("analysis") / "home"))
        patch.setenv("DIALOOG_CITIZEN_KEY", "test-key")
        settings = get_settings()
        shutil.copytree(LANDING, settings.landing)
        load_clean(settings)
        build_warehouse(settings)
        yield settings


def rows(settings: Settings, sql: str) -> list[dict[str, Any]]:
    return query_rows(settings.warehouse_path, sql)


def _shipped_population(year: int) -> dict[str, int]:
    with SHIPPED_POPULATION.open(encoding="utf-8") as lines:
        return {r["gm_code"]: int(r["inwoners"]) for r in csv.DictReader(lines) if r["jaar"] == str(year)}


# --- rpt_municipality_year ------------------------------------------------------------------------------


def test_population_and_size_class_at_the_boundaries(built: Settings) -> None:
    found = {(r["gm_code"], r["year"]): r for r in rows(built, """
        SELECT gm_code, year, existed_on_first_january, inhabitants, inhabitants_basis, size_class,
               questions, questions_per_10k
        FROM marts.rpt_municipality_year""")}
    # the landed file overrides the shipped 1 January 2015 figures of four municipalities
    assert found[BUSSUM, 2015] == {"gm_code": BUSSUM, "year": 2015, "existed_on_first_january": True,
                                      "inhabitants": 49_999, "inhabitants_basis": "1 januari", "size_class": "S",
                                      "questions": 1, "questions_per_10k": 10_000 / 49_999}
    assert (found[ZWOLLE, 2015]["inhabitants"], found[ZWOLLE, 2015]["size_class"]) == (50_000, "M")
    assert found[ZWOLLE, 2015]["questions_per_10k"] == 0.2
    assert (found[UTRECHT, 2015]["inhabitants"], found[UTRECHT, 2015]["size_class"]) == (99_999, "M")
    assert found[UTRECHT, 2015]["questions_per_10k"] == 30_000 / 99_999
    assert (found[AMSTERDAM, 2015]["inhabitants"], found[AMSTERDAM, 2015]["size_class"]) == (100_000, "L")
    assert found[AMSTERDAM, 2015]["questions_per_10k"] == 0.9
    # De Fryske Marren got its code on 1 July 2015: CBS has no 2015 figure for it, so no size class, and its
    # one question gives no rate per 10,000
    assert found[FRYSKE_MARREN, 2015] == {
        "gm_code": FRYSKE_MARREN, "year": 2015, "existed_on_first_january": False, "inhabitants": None,
        "inhabitants_basis": None, "size_class": None, "questions": 1, "questions_per_10k": None}
    # every other municipality keeps its shipped figure; 2020 is one of the years CBS gives only the average
    # population, except where a landed 1 January figure exists (Amsterdam)
    shipped_2015 = _shipped_population(2015)
    shipped_2020 = _shipped_population(2020)
    others = {k: r for k, r in found.items() if k[0] not in (AMSTERDAM, UTRECHT, ZWOLLE, BUSSUM, FRYSKE_MARREN)}
    assert {k[0]: r["inhabitants"] for k, r in others.items() if k[1] == 2015} == {
        code: n for code, n in shipped_2015.items() if code not in (AMSTERDAM, UTRECHT, ZWOLLE, BUSSUM)}
    assert {k[0]: r["inhabitants"] for k, r in others.items() if k[1] == 2020} == {
        code: n for code, n in shipped_2020.items() if code not in (AMSTERDAM, UTRECHT, ZWOLLE, FRYSKE_MARREN)}
    assert {r["inhabitants_basis"] for k, r in others.items() if k[1] == 2015} == {"1 januari"}
    assert {r["inhabitants_basis"] for k, r in others.items() if k[1] == 2020} == {"gemiddeld"}
    for code in (ZWOLLE, FRYSKE_MARREN, UTRECHT):
        assert (found[code, 2020]["inhabitants"], found[code, 2020]["inhabitants_basis"]) == (
            shipped_2020[code], "gemiddeld")
    assert (found[AMSTERDAM, 2020]["inhabitants"], found[AMSTERDAM, 2020]["inhabitants_basis"]) == (
        872_757, "1 januari")
    assert all(r["size_class"] == ("S" if r["inhabitants"] < 50_000 else "M" if r["inhabitants"] < 100_000 else "L")
               for r in others.values())


def test_response_norms_per_municipality(built: Settings) -> None:
    found = {r["gm_code"]: r for r in rows(built, """
        SELECT gm_code, questions, answered, answered_within_24h, pct_answered_within_24h,
               answered_within_working_day, avg_response_hours, median_response_hours,
               avg_business_response_hours, median_business_response_hours
        FROM marts.rpt_municipality_year WHERE year = 2015 AND questions > 0""")}
    # Amsterdam: 59, 60, 239, 240, 479, 480, 1440 and 1441 minutes on weekdays from 10:00, and one unanswered;
    # business minutes 59, 60, 239, 240, 420, 420, 480 (Wednesday 10-17 and Thursday 9-10) and 481
    assert found[AMSTERDAM] == {
        "gm_code": AMSTERDAM, "questions": 9, "answered": 8, "answered_within_24h": 7,
        "pct_answered_within_24h": 7 / 9, "answered_within_working_day": 7,
        "avg_response_hours": 4438 / (8 * HOUR), "median_response_hours": (240 + 479) / (2 * HOUR),
        "avg_business_response_hours": 2399 / (8 * HOUR), "median_business_response_hours": (240 + 420) / (2 * HOUR)}
    # Utrecht around Whit Monday (25 May 2015): Thursday 16:59 -> Friday 16:59 is 1440 minutes and exactly one
    # working day (1 + 479); Thursday 16:58 -> Friday 16:59 is one minute over both (1441, 481); Friday
    # 16:59 -> Tuesday 09:00 is 5281 minutes but one business minute, the Monday being a holiday
    assert found[UTRECHT] == {
        "gm_code": UTRECHT, "questions": 3, "answered": 3, "answered_within_24h": 1,
        "pct_answered_within_24h": 1 / 3, "answered_within_working_day": 2,
        "avg_response_hours": 8162 / (3 * HOUR), "median_response_hours": 1441 / HOUR,
        "avg_business_response_hours": 962 / (3 * HOUR), "median_business_response_hours": 480 / HOUR}
    assert found[BUSSUM] == {
        "gm_code": BUSSUM, "questions": 1, "answered": 0, "answered_within_24h": 0, "pct_answered_within_24h": 0.0,
        "answered_within_working_day": 0, "avg_response_hours": None, "median_response_hours": None,
        "avg_business_response_hours": None, "median_business_response_hours": None}
    assert (found[ZWOLLE]["answered_within_24h"], found[ZWOLLE]["answered_within_working_day"]) == (1, 1)
    assert found[ZWOLLE]["median_business_response_hours"] == 0.5
    silent = rows(built, """
        SELECT DISTINCT answered_within_24h, pct_answered_within_24h, answered_within_working_day
        FROM marts.rpt_municipality_year WHERE questions = 0""")
    assert silent == [{"answered_within_24h": 0, "pct_answered_within_24h": None, "answered_within_working_day": 0}]


def test_survey_answers_per_municipality(built: Settings) -> None:
    found = {r["gm_code"]: (r["self_rating"], r["self_reported_structural"]) for r in rows(built, """
        SELECT gm_code, self_rating, self_reported_structural FROM marts.rpt_municipality_year
        WHERE year = 2015 AND (self_rating IS NOT NULL OR self_reported_structural IS NOT NULL)""")}
    assert found == {BUSSUM: (7.5, True), AMSTERDAM: (6.3, False), ZWOLLE: (8.1, True), UTRECHT: (7.0, False)}


# --- rpt_national_year ----------------------------------------------------------------------------------


def test_national_survey_and_norms(built: Settings) -> None:
    found = {r["year"]: r for r in rows(built, """
        SELECT year, questions, answered, survey_responses, pct_comms_responsible, avg_self_rating_comms,
               pct_kcc_involved, avg_management_support, pct_self_reported_structural, pct_answered_within_24h,
               pct_answered_within_working_day, median_response_hours, median_business_response_hours
        FROM marts.rpt_national_year""")}
    # 15 questions, 13 answered; within 24 h 7 + 1 + 1 (Zwolle) + 1 (De Fryske Marren); within a working day
    # 7 + 2 + 1 + 1. Response minutes 30 59 60 90 239 240 [479] 480 1440 1440 1441 1441 5281, business minutes
    # 1 30 59 60 90 239 [240] 420 420 480 480 481 481. Survey: four answers, communicatie 7,5 and 8,1, KCC in
    # Bussum and Amsterdam, support 4, 4, 2 (Utrecht gave none), structural Bussum and Zwolle.
    assert found[2015] == {
        "year": 2015, "questions": 15, "answered": 13, "survey_responses": 4, "pct_comms_responsible": 0.5,
        "avg_self_rating_comms": 7.8, "pct_kcc_involved": 0.5, "avg_management_support": 10 / 3,
        "pct_self_reported_structural": 0.5, "pct_answered_within_24h": 10 / 15,
        "pct_answered_within_working_day": 11 / 15, "median_response_hours": 479 / HOUR,
        "median_business_response_hours": 240 / HOUR}
    # 2020 is opened by one Zwolle post: no questions, no survey
    assert found[2020] == {
        "year": 2020, "questions": 0, "answered": 0, "survey_responses": 0, "pct_comms_responsible": None,
        "avg_self_rating_comms": None, "pct_kcc_involved": None, "avg_management_support": None,
        "pct_self_reported_structural": None, "pct_answered_within_24h": None,
        "pct_answered_within_working_day": None, "median_response_hours": None,
        "median_business_response_hours": None}


# --- new marts -----------------------------------------------------------------------------------------

BUCKETS = ["<1h", "1-4h", "4-8h", "8-24h", ">24h", "unanswered"]


def test_response_buckets_at_their_bounds(built: Settings) -> None:
    found = rows(built, "SELECT * FROM marts.rpt_response_buckets ORDER BY gm_code, year, platform, bucket_order")
    by_group: dict[tuple[str, int, str], list[tuple[str, int, int]]] = {}
    for r in found:
        by_group.setdefault((r["gm_code"], r["year"], r["platform"]), []).append(
            (r["bucket"], r["bucket_order"], r["questions"]))
    # only municipality-years-platforms with questions, each with all six buckets, empty ones 0
    assert {k: [n for _, _, n in v] for k, v in by_group.items()} == {
        # 59 | 60, 239 | 240, 479 | 480, 1440 | 1441 | one unanswered
        (AMSTERDAM, 2015, "x"): [1, 2, 2, 2, 1, 1],
        # 1440 | 1441, 5281
        (UTRECHT, 2015, "x"): [0, 0, 0, 1, 2, 0],
        (ZWOLLE, 2015, "x"): [1, 0, 0, 0, 0, 0],  # 30
        (BUSSUM, 2015, "x"): [0, 0, 0, 0, 0, 1],
        (FRYSKE_MARREN, 2015, "x"): [0, 1, 0, 0, 0, 0],  # 90
    }
    assert all([(b, i) for b, i, _ in v] == list(zip(BUCKETS, range(1, 7), strict=True)) for v in by_group.values())
    # the buckets up to 8-24h are the questions answered within 24 h
    within = {r["gm_code"]: r["answered_within_24h"] for r in rows(
        built, "SELECT gm_code, answered_within_24h FROM marts.rpt_municipality_year WHERE year = 2015")}
    assert all(sum(n for _, i, n in v if i <= 4) == within[k[0]] for k, v in by_group.items())


def test_size_classes(built: Settings) -> None:
    found = {(r["size_class"], r["year"]): r for r in rows(built, "SELECT * FROM marts.rpt_size_class_year")}
    assert set(found) == {(c, y) for c in "SML" for y in (2015, 2020)}
    # municipalities of 1 January per class: the shipped figures with the landed ones in their place
    population = _shipped_population(2015) | {BUSSUM: 49_999, ZWOLLE: 50_000, UTRECHT: 99_999, AMSTERDAM: 100_000}
    classes = {c: sum(1 for n in population.values() if (n < 50_000) == (c == "S") and (n >= 100_000) == (c == "L"))
               for c in "SML"}
    assert sum(classes.values()) == 393  # the 2015 list; De Fryske Marren (1 July) is in no class
    # S: Bussum's one unanswered question. M: Zwolle 30 minutes, Utrecht 1440, 1441, 5281. L: Amsterdam.
    assert found["S", 2015] == {"size_class": "S", "year": 2015, "municipalities": classes["S"], "questions": 1,
                                "answered": 0, "answer_rate": 0.0, "median_response_hours": None,
                                "pct_answered_within_24h": 0.0, "pct_structural": 0.0}
    assert found["M", 2015] == {"size_class": "M", "year": 2015, "municipalities": classes["M"], "questions": 4,
                                "answered": 4, "answer_rate": 1.0, "median_response_hours": 1440.5 / HOUR,
                                "pct_answered_within_24h": 0.5, "pct_structural": 0.0}
    assert found["L", 2015] == {"size_class": "L", "year": 2015, "municipalities": classes["L"], "questions": 9,
                                "answered": 8, "answer_rate": 8 / 9, "median_response_hours": 359.5 / HOUR,
                                "pct_answered_within_24h": 7 / 9, "pct_structural": 0.0}
    assert found["L", 2020]["questions"] == 0 and found["L", 2020]["answer_rate"] is None
    assert found["L", 2020]["pct_answered_within_24h"] is None and found["L", 2020]["median_response_hours"] is None


def test_theme_years(built: Settings) -> None:
    found = {(r["theme"], r["year"]): r for r in rows(built, "SELECT * FROM marts.rpt_theme_year")}
    themes = ("crisis", "verkiezingen", "project", "kcc", "raad", "overig")
    assert set(found) == {(t, y) for t in themes for y in (2015, 2020)}  # never `algemeen`

    def theme(name: str, year: int, *counts: int, rate: float | None = None) -> dict[str, Any]:
        return dict(zip(("theme", "year", "municipalities", "channels", "questions", "answered", "answer_rate"),
                        (name, year, *counts, rate), strict=True))

    # Utrecht's channel is a KCC channel (open-ended); Amsterdam's crisis channel is active in 2015 only
    assert found["kcc", 2015] == theme("kcc", 2015, 1, 1, 3, 3, rate=1.0)
    assert found["crisis", 2015] == theme("crisis", 2015, 1, 1, 0, 0)
    assert found["kcc", 2020] == theme("kcc", 2020, 1, 1, 0, 0)
    assert found["crisis", 2020] == theme("crisis", 2020, 0, 0, 0, 0)
    assert all(r == theme(t, y, 0, 0, 0, 0) for (t, y), r in found.items() if t not in ("kcc", "crisis"))


def test_management_support_distribution(built: Settings) -> None:
    # 2015: Bussum 4, Amsterdam 4, Zwolle 2, Utrecht none; 2020 has no survey, so no rows
    assert [(r["year"], r["management_support"], r["responses"]) for r in rows(
        built, "SELECT * FROM marts.rpt_management_support_year ORDER BY year, management_support")] == [
        (2015, 1, 0), (2015, 2, 1), (2015, 3, 0), (2015, 4, 2), (2015, 5, 0)]


def test_national_change_since_the_previous_year(built: Settings) -> None:
    found = {(r["year"], r["measure"]): r for r in rows(built, "SELECT * FROM marts.rpt_national_year_change")}
    measures = ["municipalities", "without_x", "pct_with_facebook", "pct_structural", "questions", "answered",
                "answer_rate", "avg_response_hours", "median_response_hours", "pct_comms_responsible",
                "avg_self_rating_comms", "pct_kcc_involved", "pct_self_reported_structural"]
    assert sorted(found) == sorted((y, m) for y in (2015, 2020) for m in measures)
    assert [found[2015, m]["measure_order"] for m in measures] == list(range(1, 14))
    # the first year has no previous one
    assert all(found[2015, m]["previous_year"] is None and found[2015, m]["previous_value"] is None
               and found[2015, m]["change"] is None for m in measures)
    # 2015: 393 municipalities on 1 January, 4 of them on X (Amsterdam, Utrecht, Zwolle, Bussum); 2020: 355,
    # with X Amsterdam, Utrecht, Zwolle and De Fryske Marren
    assert {k: found[2020, "municipalities"][k] for k in ("value", "previous_year", "previous_value", "change")} == {
        "value": 355.0, "previous_year": 2015, "previous_value": 393.0, "change": -38.0}
    assert (found[2020, "without_x"]["value"], found[2020, "without_x"]["change"]) == (351.0, 351.0 - 389.0)
    assert (found[2020, "questions"]["previous_value"], found[2020, "questions"]["change"]) == (15.0, -15.0)
    # a rate over zero questions or no survey is null, and so is its change
    for measure in ("answer_rate", "avg_response_hours", "pct_kcc_involved", "avg_self_rating_comms"):
        assert found[2020, measure]["value"] is None and found[2020, measure]["change"] is None
    assert found[2020, "pct_kcc_involved"]["previous_value"] == 0.5


# --- deterministic marts --------------------------------------------------------------------------------


def _fingerprint(settings: Settings) -> dict[str, tuple[str, list[str]]]:
    """Per report mart its rows in key order, every float written as its exact hex form, and their hash."""
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
            "AND table_name LIKE 'rpt%' ORDER BY table_name").fetchall()]
        found = {}
        for table in tables:
            lines = [repr(tuple(v.hex() if isinstance(v, float) else v for v in row))
                     for row in con.execute(f"SELECT * FROM marts.{table} ORDER BY ALL").fetchall()]
            found[table] = (hashlib.sha256("\n".join(lines).encode()).hexdigest(), lines)
        return found
    finally:
        con.close()


def test_marts_are_the_same_to_the_last_bit_whatever_the_load_order(
        built: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same files, landed one at a time in reverse order and loaded after each, families in another
    order: the rows reach the warehouse in a different order, and every report mart is byte-identical."""
    monkeypatch.setenv("DIALOOG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DIALOOG_CITIZEN_KEY", "test-key")
    settings = get_settings()
    load_clean(settings, ("cbs",))
    for family, folder in (("survey", "survey"), ("social", "webcare_csv"), ("channels", "channels"),
                           ("cbs", "cbs_bevolking")):
        for path in sorted((LANDING / folder).glob("*"), reverse=True):
            target = settings.landing / folder / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
            load_clean(settings, (family,))
    build_warehouse(settings)
    first, second = _fingerprint(built), _fingerprint(settings)
    assert {"rpt_municipality_year", "rpt_national_year"} <= set(first)
    for table, (digest, lines) in first.items():
        assert second[table][0] == digest, (table, [pair for pair in zip(lines, second[table][1], strict=True)
                                                    if pair[0] != pair[1]][:5])


def test_marts_are_the_same_to_the_last_bit_whatever_the_row_order(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Demo exports (thousands of questions, response times to the second) built twice: the second time with
    every raw table's rows in another order, as another load order would leave them. Means over doubles added
    in that other order differ in their last digits (as `avg_response_hours` did, from one run to the next);
    the report marts must not."""
    from demo.generate import Generator

    monkeypatch.setenv("DIALOOG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DIALOOG_CITIZEN_KEY", "test-key")
    settings = get_settings()
    Generator(settings.home, 0.02, 42).run()
    con = warehouse.connect(settings)
    try:
        for family in ("cbs", "channels", "social", "survey"):
            for source in FAMILIES[family](con):
                load_source(con, source, settings)
    finally:
        con.close()
    build_warehouse(settings)
    first = _fingerprint(settings)
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_schema = 'raw' AND table_type = 'BASE TABLE'").fetchall()]
        for table in tables:
            con.execute(f"CREATE OR REPLACE TABLE raw.{table} AS "
                        f"SELECT * FROM raw.{table} AS t ORDER BY md5(t::varchar)")
    finally:
        con.close()
    build_warehouse(settings)
    second = _fingerprint(settings)
    [answered] = rows(settings, "SELECT count(*) AS n FROM marts.fct_questions WHERE is_answered")
    assert answered["n"] > 500
    for table, (digest, lines) in first.items():
        assert second[table][0] == digest, (table, [pair for pair in zip(lines, second[table][1], strict=True)
                                                    if pair[0] != pair[1]][:5])
