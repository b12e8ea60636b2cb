"""Tests of the Dutch question classifier: edge rules, seed loading, and the measure on held-out data."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest

from ingestion.classify import DEFAULT_SEED_DIR, Rules, RulesError, classify, load_rules, rules_from_rows
from ingestion.classify.evaluate import DEFAULT_LABELLED, measure, read_labelled, throughput

TARGET = 0.9


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(DEFAULT_SEED_DIR)


def test_heldout_precision_and_recall_reach_target(rules: Rules, capsys: pytest.CaptureFixture[str]) -> None:
    messages = read_labelled(DEFAULT_LABELLED)
    report = []
    for part in ("train", "heldout"):
        metrics = measure([message for message in messages if message.split == part], rules)
        report.append((part, metrics))
    speed = throughput([message.text for message in messages], rules, repeat=3)
    with capsys.disabled():
        for part, metrics in report:
            figures = f"precision={metrics.precision:.3f} recall={metrics.recall:.3f}"
            print(f"\nclassifier {part}: {figures}", metrics)
        print(f"classifier throughput: {speed:,.0f} messages/s")
    heldout = dict(report)["heldout"]
    assert heldout.precision >= TARGET, f"held-out precision {heldout.precision:.3f} < {TARGET}"
    assert heldout.recall >= TARGET, f"held-out recall {heldout.recall:.3f} < {TARGET}"


def test_labelled_set_is_large_varied_and_split() -> None:
    messages = read_labelled(DEFAULT_LABELLED)
    splits = Counter(message.split for message in messages)
    assert len(messages) >= 650
    assert set(splits) == {"train", "heldout"}
    assert 0.35 <= splits["heldout"] / len(messages) <= 0.45
    assert len({message.message_id for message in messages}) == len(messages)
    assert len({message.text for message in messages}) == len(messages)
    categories = Counter(message.category for message in messages)
    for needed in ("retweet", "url_qmark", "citizen_question", "rhetorical", "sarcasm", "exclamation",
                   "question_no_mark", "request", "question_en", "question_before_rt", "thanks", "complaint"):
        assert categories[needed] >= 5, needed


@pytest.mark.parametrize(
    "text",
    [
        "RT @gemeenteutrecht: Wanneer wordt uw afval opgehaald? Kijk op https://t.co/a8Ks9",
        "rt @zaanstad: kunt u uw grofvuil online aanmelden?",
        "RT@Gemeente050 Hoe gaat het met de schade in uw wijk?",
    ],
)
def test_native_retweet_is_never_a_question(rules: Rules, text: str) -> None:
    result = classify(text, rules)
    assert not result.is_question
    assert "retweet" in result.reason


def test_own_text_before_rt_is_judged_alone(rules: Rules) -> None:
    asked = classify("Geldt dit ook voor Bennekom? RT @Gemeente_Ede: Vanaf 1 juli nieuwe afvalregels", rules)
    assert asked.is_question
    assert "own text before RT @" in asked.reason
    cheered = classify("Eindelijk!! RT @burger_jan: @gemeente wanneer wordt de brug gemaakt?", rules)
    assert not cheered.is_question


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Het raadsvoorstel staat hier: https://ris.gemeente.nl/document?id=8812&type=pdf", False),
        ("@gemeente zie https://www.youtube.com/watch?v=Xy7dQ2 dit gebeurde gisteren", False),
        ("Klopt dit? https://www.parool.nl/nieuws?id=3", True),
    ],
)
def test_question_mark_inside_url_does_not_count(rules: Rules, text: str, expected: bool) -> None:
    assert classify(text, rules).is_question is expected


@pytest.mark.parametrize(
    "text",
    [
        "Wat een prachtige kerstmarkt dit jaar!",
        "@gemeente wat een chaos op de Biltstraat",
        "Hoe mooi is het park!",
    ],
)
def test_exclamation_is_not_a_question(rules: Rules, text: str) -> None:
    result = classify(text, rules)
    assert not result.is_question
    assert "neg_exclaim" in result.reason


@pytest.mark.parametrize(
    "text",
    [
        "@buurman weet jij of de milieustraat vandaag open is?",
        "@gemeente @sanne heb jij dit ook gehad met je parkeervergunning?",
        "Anja van Dijk heb jij dit gezien? Ze gaan de speeltuin weghalen",
    ],
)
def test_question_to_another_citizen_is_not_a_question(rules: Rules, text: str) -> None:
    result = classify(text, rules)
    assert not result.is_question
    assert "neg_citizen" in result.reason or "neg_name_tag" in result.reason


@pytest.mark.parametrize(
    "text",
    [
        "Graag weten wanneer de Dorpsstraat weer open gaat",
        "@gemeente Kunt u de lantaarnpaal voor nummer 41 repareren",
        "Wilt u de lantaarnpaal repareren",
        "Weet iemand bij de gemeente wanneer de bladkorven komen",
        "mag ik mijn caravan voor de deur parkeren",
        "Is het mogelijk om de aanslag in termijnen te betalen",
        "@gemeente Wanneer gaat het zwembad V&amp;D open?",
    ],
)
def test_questions_and_requests_without_question_mark(rules: Rules, text: str) -> None:
    assert classify(text, rules).is_question


@pytest.mark.parametrize(
    "text",
    [
        "Hoe moeilijk kan het zijn om een stoep vlak te leggen?",
        "Goed bezig gemeente, weer de hele straat open 👏",
        "@gemeente Dank voor de snelle reactie!",
        "De lantaarnpaal in de Merelstraat is al een week kapot.",
        "",
        "   ",
    ],
)
def test_rhetoric_sarcasm_thanks_and_complaints_are_not_questions(rules: Rules, text: str) -> None:
    assert not classify(text, rules).is_question


def test_reason_names_seed_rules_and_is_deterministic(rules: Rules) -> None:
    text = "@gemeente Wanneer wordt het grofvuil opgehaald?"
    first, second = classify(text, rules), classify(text, rules)
    assert first == second
    known = {rule.rule_id for rule in rules.scoring}
    assert first.rule_ids and set(first.rule_ids) <= known
    assert first.reason.startswith("question: ") and "q_mark (+2)" in first.reason


def _copy_seeds(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(DEFAULT_SEED_DIR, target, ignore=shutil.ignore_patterns("*.yml"))
    return target


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ('bad_re,request,any,"(unclosed",3,x\n', "invalid pattern"),
        ("q_mark,request,any,x,3,duplicate\n", "duplicate rule id"),
        ("odd,request,everywhere,x,3,x\n", "unknown scope"),
        ("heavy,request,any,x,three,x\n", "non-integer weight"),
        ("rt_again,retweet,marker,x,0,x\n", "defined twice"),
    ],
)
def test_load_rules_rejects_bad_rows(tmp_path: Path, row: str, message: str) -> None:
    seeds = _copy_seeds(tmp_path)
    with (seeds / "request_phrases.csv").open("a", encoding="utf-8") as handle:
        handle.write(row)
    with pytest.raises(RulesError, match=message):
        load_rules(seeds)


def test_load_rules_needs_columns_and_markers(tmp_path: Path) -> None:
    seeds = _copy_seeds(tmp_path)
    (seeds / "text_markers.csv").unlink()
    with pytest.raises(RulesError, match="missing text markers"):
        load_rules(seeds)
    (seeds / "request_phrases.csv").write_text("rule_id,pattern\nx,y\n", encoding="utf-8")
    with pytest.raises(RulesError, match="missing columns"):
        load_rules(seeds)
    with pytest.raises(RulesError, match="no classifier seeds"):
        load_rules(tmp_path / "empty")


def test_rules_from_warehouse_rows_decide_like_the_files(rules: Rules) -> None:
    rows = []
    for path in sorted(DEFAULT_SEED_DIR.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows += [dict(row, weight=int(row["weight"])) for row in csv.DictReader(handle)]
    from_rows = rules_from_rows(rows)
    for message in read_labelled(DEFAULT_LABELLED)[:200]:
        assert classify(message.text, from_rows) == classify(message.text, rules)
