"""The batch classifier behind the dbt model `int_inbound_messages_classified`: the same decisions as one
`classify` call per message, whether a text repeats, is missing, or is decided in a worker process."""

from __future__ import annotations

import csv

import pytest

from question_classifier import DEFAULT_SEED_DIR, Classification, batch, classify, load_rules
from question_classifier.batch import classify_all, worker_count
from question_classifier.evaluate import read_labelled

RuleRows = list[dict[str, object]]


@pytest.fixture(scope="module")
def rule_rows() -> RuleRows:
    """The classifier seeds as rows, as the dbt model reads them from the seed tables."""
    return [row for path in sorted(DEFAULT_SEED_DIR.glob("*.csv"))
            for row in csv.DictReader(path.open(encoding="utf-8", newline=""))]


def test_worker_processes_decide_as_one_process(rule_rows: RuleRows) -> None:
    texts: list[str | None] = [message.text for message in read_labelled()]
    texts += [None, "", texts[0], texts[1]]  # missing text, and repeats decided once and reused
    rules = load_rules(DEFAULT_SEED_DIR)
    expected = [classify(text or "", rules) for text in texts]
    assert classify_all(texts, rule_rows, workers=1) == expected
    assert classify_all(texts, rule_rows, workers=3) == expected


def test_a_failing_worker_fails_the_batch(rule_rows: RuleRows, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", "/nonexistent")
    monkeypatch.setattr(batch.sys, "executable", "/bin/false")
    with pytest.raises(RuntimeError, match="classifier worker failed"):
        classify_all(["Wanneer gaat het zwembad open?", "Mooi zo!"], rule_rows, workers=2)


def test_small_batches_stay_in_process() -> None:
    assert worker_count(100, cpus=2) == 1
    assert worker_count(batch.MIN_TEXTS_PER_WORKER * 2, cpus=2) == 2
    assert worker_count(batch.MIN_TEXTS_PER_WORKER * 10, cpus=2) == 2
    assert worker_count(batch.MIN_TEXTS_PER_WORKER * 10, cpus=1) == 1


def test_decisions_keep_the_reason(rule_rows: RuleRows) -> None:
    [decision] = classify_all(["@gemeente Wanneer wordt het oud papier opgehaald?"], rule_rows)
    assert isinstance(decision, Classification) and decision.is_question
    assert decision.reason.startswith("question: ")
