"""Measure the classifier on a labelled set: precision, recall and messages per second.

Run ``python -m ingestion.classify.evaluate [labelled.csv] [seed_dir]`` to print the figures of both
parts (train, heldout) of the labelled set; the test suite uses the same functions.
"""

from __future__ import annotations

import csv
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ingestion.classify.classifier import classify
from ingestion.classify.rules import DEFAULT_SEED_DIR, Rules, load_rules
from ingestion.settings import PROJECT_ROOT

DEFAULT_LABELLED: Path = PROJECT_ROOT / "tests" / "fixtures" / "classifier" / "labelled_messages.csv"


@dataclass(frozen=True)
class Labelled:
    """One hand-labelled message of the labelled set."""

    message_id: str
    text: str
    is_question: bool
    category: str
    split: str


@dataclass(frozen=True)
class Metrics:
    """Confusion counts of one part of the labelled set, with precision and recall."""

    true_pos: int
    false_pos: int
    false_neg: int
    true_neg: int

    @property
    def precision(self) -> float:
        predicted = self.true_pos + self.false_pos
        return self.true_pos / predicted if predicted else 0.0

    @property
    def recall(self) -> float:
        actual = self.true_pos + self.false_neg
        return self.true_pos / actual if actual else 0.0


def read_labelled(path: Path = DEFAULT_LABELLED) -> list[Labelled]:
    """Read the labelled set (``id, text, is_question, category, split``)."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return [
            Labelled(row["id"], row["text"], row["is_question"] == "1", row["category"], row["split"])
            for row in csv.DictReader(handle)
        ]


def measure(messages: list[Labelled], rules: Rules) -> Metrics:
    """Classify every message and count hits and misses against its label."""
    counts = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
    for message in messages:
        counts[(classify(message.text, rules).is_question, message.is_question)] += 1
    return Metrics(counts[(True, True)], counts[(True, False)], counts[(False, True)], counts[(False, False)])


def throughput(texts: list[str], rules: Rules, repeat: int = 20) -> float:
    """Messages classified per second (one process, one core) over ``repeat`` passes of ``texts``."""
    started = time.perf_counter()
    for _ in range(repeat):
        for text in texts:
            classify(text, rules)
    elapsed = time.perf_counter() - started
    return len(texts) * repeat / elapsed if elapsed else float("inf")


def main(argv: list[str]) -> None:
    """Print precision and recall per part of the labelled set and the throughput."""
    labelled = Path(argv[0]) if argv else DEFAULT_LABELLED
    rules = load_rules(Path(argv[1]) if len(argv) > 1 else DEFAULT_SEED_DIR)
    messages = read_labelled(labelled)
    for part in ("train", "heldout"):
        subset = [message for message in messages if message.split == part]
        metrics = measure(subset, rules)
        print(
            f"{part:8} n={len(subset):4} precision={metrics.precision:.3f} recall={metrics.recall:.3f} "
            f"(tp={metrics.true_pos} fp={metrics.false_pos} fn={metrics.false_neg} tn={metrics.true_neg})"
        )
    print(f"throughput {throughput([message.text for message in messages], rules):,.0f} messages/s")


if __name__ == "__main__":
    main(sys.argv[1:])
