"""The generated landing zone: byte-identical per seed, calibrated, parseable by the project's Sources."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from demo import bad_day
from demo.__main__ import DEMO_SCALE, main
from demo.measure import Landing, measure_landing
from demo.targets import TARGETS


def file_hashes(landing: Path) -> dict[str, str]:
    return {str(p.relative_to(landing)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(landing.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes(demo_home: Path, tmp_path: Path) -> None:
    assert main(["--home", str(tmp_path), "--scale", str(DEMO_SCALE), "--seed", "42"]) == 0
    first, second = file_hashes(demo_home / "landing"), file_hashes(tmp_path / "landing")
    assert len(first) > 1000
    assert first == second


def test_landing_has_every_source(demo_home: Path) -> None:
    landing = demo_home / "landing"
    counts = Counter(p.relative_to(landing).parts[0] for p in landing.rglob("*") if p.is_file())
    assert set(counts) == {"channels", "x_api", "x_archive", "facebook_graph", "webcare_csv", "survey",
                           "instagram_graph", "mastodon_api", "mastodon_archive", "bluesky"}
    assert counts["survey"] == 5 and counts["channels"] == 1 and counts["x_archive"] >= 3  # 4 years + 1 late


def test_a_bad_day_that_changes_no_figure(demo_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bad files an auditor sees (demo/bad_day.py): the truncated page is rejected whole, the
    webcare row with a date that does not exist is rejected alone, and the late survey holds a 2014 answer again
    (loaded; a warning) plus an unknown municipality (rejected)."""
    from ingestion.framework import FileRejected, Record, RowRejected
    from ingestion.social import SOURCES
    from ingestion.survey.source import survey_source

    monkeypatch.setenv("DIALOOG_HOME", str(demo_home))
    landing = demo_home / "landing"
    parse = {source.name: source.parse for source in (*SOURCES, survey_source())}
    with pytest.raises(FileRejected):
        list(parse["x_api"](landing / bad_day.TRUNCATED_PAGE))
    assert [type(item) for item in parse["webcare_csv"](landing / bad_day.IMPOSSIBLE_DATE)] == [RowRejected]
    parsed = list(parse["survey"](landing / bad_day.LATE_SURVEY))
    assert [type(item) for item in parsed] == [Record, RowRejected]
    late = (landing / bad_day.LATE_SURVEY).read_text(encoding="utf-8-sig").splitlines()
    original = (landing / "survey" / "enquete-sociale-media-2014.csv").read_text(encoding="utf-8-sig").splitlines()
    assert late[:2] == original[:2] and late[2].startswith(bad_day.UNKNOWN_MUNICIPALITY + ";")
    assert "Atlantis" in parsed[1].reason or "Atlantis" in parsed[1].content


@pytest.mark.parametrize("year", sorted(TARGETS))
def test_files_reproduce_the_research_figures(demo_home: Path, year: int) -> None:
    figures = measure_landing(demo_home / "landing")[str(year)]
    target = TARGETS[year]
    assert figures["municipalities"] == {2013: 408, 2014: 403, 2024: 342}[year]
    assert figures["without_x"] == target.without_x
    assert figures["pct_with_facebook"] == target.with_facebook / figures["municipalities"]
    assert figures["pct_structural"] == target.structural / figures["municipalities"]
    assert figures["answer_rate"] == pytest.approx(target.answer_rate, abs=0.001)
    assert figures["avg_response_hours"] == pytest.approx(target.avg_response_hours, abs=0.5)
    assert figures["pct_comms_responsible"] == pytest.approx(target.comms_responses / target.survey_responses)
    assert figures["avg_self_rating_comms"] == pytest.approx(target.avg_self_rating_comms, abs=1e-9)
    assert figures["survey_rows_unmatched"] == 0


def test_research_year_2014_matches_the_article(demo_home: Path) -> None:
    figures = measure_landing(demo_home / "landing")["2014"]
    assert figures["without_x"] == 13
    assert round(figures["pct_with_facebook"], 2) == 0.75
    assert round(figures["answer_rate"], 2) == 0.20
    assert round(figures["pct_structural"], 2) == 0.20
    assert round(figures["pct_comms_responsible"], 2) == 0.70
    assert round(figures["avg_self_rating_comms"], 1) == 7.2
    assert abs(figures["avg_response_hours"] - 24) < 1


def test_manifest_records_intended_figures(demo_home: Path) -> None:
    manifest = json.loads((demo_home / "demo" / "manifest.json").read_text())
    assert manifest["intended"]["2014"]["without_x"] == 13
    assert sum(manifest["messages"].values()) > 50_000


def test_message_ids_are_unique_and_2014_tweets_fit_140(demo_home: Path) -> None:
    landing = demo_home / "landing"
    ids: Counter[str] = Counter()
    for path in (landing / "x_api").rglob("*.json"):
        if bad_day.is_bad_day(landing, path):
            continue
        for tweet in json.loads(path.read_text(encoding="utf-8"))["data"]:
            ids[tweet["id"]] += 1
            if tweet["created_at"] < "2015":
                assert len(tweet["text"]) <= 140, tweet["text"]
    assert max(ids.values()) == 1


def test_every_landed_file_parses_without_rejections(demo_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ingestion.channels import CHANNELS
    from ingestion.framework import RowRejected, default_discover
    from ingestion.social import SOURCES
    from ingestion.survey.source import survey_source

    monkeypatch.setenv("DIALOOG_HOME", str(demo_home))
    for source in (*SOURCES, CHANNELS, survey_source()):
        units = list((source.discover or default_discover)(demo_home / "landing" / source.name))
        assert units, source.name
        rows = rejected = 0
        for unit in units:
            if bad_day.is_bad_day(demo_home / "landing", unit):
                continue
            for item in source.parse(unit):
                rejected += isinstance(item, RowRejected)
                rows += not isinstance(item, RowRejected)
        assert rows > 0 and rejected == 0, (source.name, rows, rejected)


def test_project_classifier_agrees_with_intended_labels(demo_home: Path) -> None:
    from demo.labels import is_intended_question
    from question_classifier.classifier import classify
    from question_classifier.rules import load_rules

    zone = Landing(demo_home / "landing")
    zone.read_x_api()
    zone.read_facebook()
    zone.read_webcare()
    rules = load_rules()
    pairs = [((not m.retweet) and is_intended_question(m.text), classify(m.text, rules).is_question)
             for m in zone.messages.values() if m.inbound]
    agreement = sum(a == b for a, b in pairs) / len(pairs)
    assert agreement >= 0.999, agreement
