"""Measure the classifier on the labelled sets: precision, recall (with Wilson intervals), errors per
kind of message, and messages per second.

The labelled sets live in ``tests/fixtures/classifier/``:

- ``varied_dev.csv`` and ``varied_sealed.csv``: the varied set (``id, text, label, kind, platform,
  note``), split once by a hash of the text (:func:`is_sealed`). Its sealed part was measured twice in
  round 1 and is development data since round 2.
- ``varied_sealed_2.csv``: the sealed batch of round 2 (same columns), measured once in round 2 and
  development data since round 3 (:func:`read_sealed_2`).
- ``varied_dev_3.csv``: development messages written for round 3 (same columns; :func:`read_dev_3`).
- ``varied_sealed_3a.csv`` and ``varied_sealed_3b.csv``: the sealed batch 3, together the sealed part of
  round 3 (:func:`read_sealed`). Only measured, never read while tuning; this module prints its figures only,
  never its texts or which of its messages were wrong.
- ``labelled_messages.csv``: the project's first set (``id, text, is_question, category, split``),
  kept as a regression check.
- ``platforms_heldout.csv`` and ``platforms_train.csv``: messages of the platforms of issue [platforms]
  (Mastodon, Bluesky, Instagram; same columns as the varied set), split once by a salted hash of the text
  (:func:`is_platforms_heldout`). The held-out part joins the first set's held-out part: together they are
  the held-out set (:func:`read_heldout`).

Everything but the sealed batch 3 and the held-out set is development data (:func:`development_messages`),
what ``question_classifier.train`` trains on.

``python -m question_classifier.evaluate`` prints the figures; ``--report`` prints the Markdown tables of
docs/classifier.md (``--old-seeds DIR --old-code ROOT`` adds the figures of an earlier classifier). The test
suite uses the same functions.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from question_classifier.classifier import classify
from question_classifier.rules import DEFAULT_SEED_DIR, Rules, load_rules

#: The labelled sets, in the repository's test fixtures (the repository root: dbt_project/python/<package>/../../..).
FIXTURES: Path = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "classifier"
DEFAULT_LABELLED: Path = FIXTURES / "labelled_messages.csv"
DEFAULT_DEV: Path = FIXTURES / "varied_dev.csv"
#: The varied set's first sealed part: measured twice in round 1, development data since round 2.
DEFAULT_FIRST_SEALED: Path = FIXTURES / "varied_sealed.csv"
#: The sealed batch of round 2: measured once in round 2, development data since round 3.
DEFAULT_SEALED_2: Path = FIXTURES / "varied_sealed_2.csv"
#: Development messages written for round 3 (rhetorical questions, annoyed genuine questions, ...).
DEFAULT_DEV_3: Path = FIXTURES / "varied_dev_3.csv"
#: The sealed batch 3, in two files written apart: the sealed part of round 3, only measured.
DEFAULT_SEALED: tuple[Path, ...] = (FIXTURES / "varied_sealed_3a.csv", FIXTURES / "varied_sealed_3b.csv")
#: Share (in percent) of the varied set that the text hash puts in the sealed part.
SEALED_PERCENT = 37
#: The new platforms' messages (issue [platforms]): the held-out part and the part left for training.
DEFAULT_PLATFORMS_HELDOUT: Path = FIXTURES / "platforms_heldout.csv"
DEFAULT_PLATFORMS_TRAIN: Path = FIXTURES / "platforms_train.csv"
#: The platforms set's split: salt in front of the text, and the share (in percent) that is held out.
PLATFORMS_SALT = "platforms-2026\n"
PLATFORMS_HELDOUT_PERCENT = 50
#: The platforms of the platforms set, the "new platforms" of the held-out figures.
NEW_PLATFORMS = ("mastodon", "bluesky", "instagram")


@dataclass(frozen=True)
class Labelled:
    """One hand-labelled message of the labelled set."""

    message_id: str
    text: str
    is_question: bool
    category: str
    split: str
    platform: str = ""


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


def wilson(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval (95 % by default) of a proportion ``successes / total``."""
    if total == 0:
        return 0.0, 1.0
    share = successes / total
    centre = share + z * z / (2 * total)
    spread = z * math.sqrt(share * (1 - share) / total + z * z / (4 * total * total))
    scale = 1 + z * z / total
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


def precision_interval(metrics: Metrics) -> tuple[float, float]:
    """95 % Wilson interval of the precision."""
    return wilson(metrics.true_pos, metrics.true_pos + metrics.false_pos)


def recall_interval(metrics: Metrics) -> tuple[float, float]:
    """95 % Wilson interval of the recall."""
    return wilson(metrics.true_pos, metrics.true_pos + metrics.false_neg)


def is_sealed(text: str) -> bool:
    """Whether a message of the varied set belongs to its sealed part: the first 8 hex digits of the
    SHA-256 of its UTF-8 text, as a number, modulo 100 is below :data:`SEALED_PERCENT`."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % 100 < SEALED_PERCENT


def is_platforms_heldout(text: str) -> bool:
    """Whether a message of the platforms set is held out: the first 8 hex digits of the SHA-256 of
    :data:`PLATFORMS_SALT` and its UTF-8 text, as a number, modulo 100 is below
    :data:`PLATFORMS_HELDOUT_PERCENT`. The salt keeps this split independent of :func:`is_sealed`."""
    digest = hashlib.sha256((PLATFORMS_SALT + text).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 100 < PLATFORMS_HELDOUT_PERCENT


def read_varied(path: Path, split: str | None = None) -> list[Labelled]:
    """Read one part of the varied set (``id, text, label, kind, platform, note``); ``split`` is the
    hash's (:func:`is_sealed`) unless given."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return [
            Labelled(row["id"], row["text"], row["label"] == "1", row["kind"],
                     split or ("sealed" if is_sealed(row["text"]) else "dev"), row["platform"])
            for row in csv.DictReader(handle)
        ]


def read_sealed(paths: tuple[Path, ...] = DEFAULT_SEALED) -> list[Labelled]:
    """The sealed batch 3 (both files), every message in the sealed split. Measure it; never tune on it."""
    return [message for path in paths for message in read_varied(path, split="sealed")]


def read_sealed_2(path: Path = DEFAULT_SEALED_2) -> list[Labelled]:
    """The sealed batch of round 2, development data since round 3 (split ``dev``)."""
    return read_varied(path, split="dev")


def read_dev_3(path: Path = DEFAULT_DEV_3) -> list[Labelled]:
    """The development messages of round 3."""
    return read_varied(path, split="dev")


def development_messages() -> list[Labelled]:
    """Every labelled message the classifier may be tuned and trained on: the varied set (both parts), the
    first set, the new platforms' train part, the round-2 batch and the round-3 development messages. Never
    the sealed batch 3 nor the held-out set."""
    return (read_varied(DEFAULT_DEV) + read_varied(DEFAULT_FIRST_SEALED) + read_labelled(DEFAULT_LABELLED)
            + read_platforms(DEFAULT_PLATFORMS_TRAIN) + read_sealed_2() + read_dev_3())


def read_platforms(path: Path) -> list[Labelled]:
    """One part of the platforms set, each message in the split its hash says (``heldout`` or ``train``)."""
    return [Labelled(m.message_id, m.text, m.is_question, m.category,
                     "heldout" if is_platforms_heldout(m.text) else "train", m.platform)
            for m in read_varied(path, split="-")]


def read_heldout() -> list[Labelled]:
    """The held-out set: the first set's held-out part and the platforms set's held-out part."""
    first = [message for message in read_labelled(DEFAULT_LABELLED) if message.split == "heldout"]
    return first + read_platforms(DEFAULT_PLATFORMS_HELDOUT)


def read_labelled(path: Path = DEFAULT_LABELLED) -> list[Labelled]:
    """Read the labelled set (``id, text, is_question, category, split``)."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return [
            Labelled(row["id"], row["text"], row["is_question"] == "1", row["category"], row["split"])
            for row in csv.DictReader(handle)
        ]


Decide = Callable[[str], bool]


def decider(rules: Rules) -> Decide:
    """The classifier's yes/no decision with these rules."""
    return lambda text: classify(text, rules).is_question


def metrics_of(pairs: Iterable[tuple[bool, bool]]) -> Metrics:
    """Confusion counts of (predicted, labelled) pairs."""
    counts = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
    for pair in pairs:
        counts[pair] += 1
    return Metrics(counts[(True, True)], counts[(True, False)], counts[(False, True)], counts[(False, False)])


def measure(messages: list[Labelled], rules: Rules | Decide) -> Metrics:
    """Classify every message and count hits and misses against its label."""
    decide = decider(rules) if isinstance(rules, Rules) else rules
    return metrics_of((decide(message.text), message.is_question) for message in messages)


@dataclass(frozen=True)
class KindErrors:
    """How many messages of one kind there are and how many the classifier got wrong."""

    kind: str
    label: str
    total: int
    wrong: int

    @property
    def share_wrong(self) -> float:
        return self.wrong / self.total if self.total else 0.0


def errors_by_kind(messages: list[Labelled], rules: Rules | Decide) -> list[KindErrors]:
    """Per kind of message (``category``): its count and the messages decided against their label."""
    decide = decider(rules) if isinstance(rules, Rules) else rules
    totals: dict[str, int] = {}
    wrong: dict[str, int] = {}
    labels: dict[str, set[bool]] = {}
    for message in messages:
        totals[message.category] = totals.get(message.category, 0) + 1
        labels.setdefault(message.category, set()).add(message.is_question)
        wrong[message.category] = wrong.get(message.category, 0) + (decide(message.text) != message.is_question)
    def label(kind: str) -> str:
        return "/".join(str(int(value)) for value in sorted(labels[kind], reverse=True))
    return [KindErrors(kind, label(kind), totals[kind], wrong[kind]) for kind in sorted(totals)]


def throughput(texts: list[str], rules: Rules, repeat: int = 20) -> float:
    """Messages classified per second (one process, one core) over ``repeat`` passes of ``texts``."""
    started = time.perf_counter()
    for _ in range(repeat):
        for text in texts:
            classify(text, rules)
    elapsed = time.perf_counter() - started
    return len(texts) * repeat / elapsed if elapsed else float("inf")


def _interval(low_high: tuple[float, float]) -> str:
    return f"{low_high[0]:.3f}–{low_high[1]:.3f}"


def _row(name: str, messages: list[Labelled], decide: Decide) -> str:
    metrics = measure(messages, decide)
    return (f"| {name} | {len(messages)} | **{metrics.precision:.3f}** ({_interval(precision_interval(metrics))}) | "
            f"**{metrics.recall:.3f}** ({_interval(recall_interval(metrics))}) | {metrics.true_pos} | "
            f"{metrics.false_pos} | {metrics.false_neg} | {metrics.true_neg} |")


#: The parts ``--report`` can put first, with the per-kind table: the sealed batch 3, or the round-3
#: development messages (their one fresh measurement, before they were read; the sealed batch is then not read).
FOCUS_PARTS = ("sealed", "dev3")


def focus_messages(focus: str) -> tuple[str, list[Labelled]]:
    """The name and messages of the part ``--report`` puts first."""
    if focus == "sealed":
        return "sealed batch 3", read_sealed()
    return "varied_dev_3.csv", read_dev_3()


def report(rules: Rules, old: Rules | Decide | None = None, focus: str = "sealed",
           old_name: str = "round-2 classifier") -> str:
    """The Markdown tables of docs/classifier.md: overall figures per part with 95 % Wilson intervals, and
    errors per kind on the ``focus`` part (with the ``old`` classifier's, if given). Figures only: no text
    and no single error of any part is printed."""
    focus_name, focused = focus_messages(focus)
    first = read_labelled(DEFAULT_LABELLED)
    heldout = read_heldout()
    decide = decider(rules)
    before = decider(old) if isinstance(old, Rules) else old
    lines = ["| part | n | precision (95 % CI) | recall (95 % CI) | tp | fp | fn | tn |",
             "|---|---|---|---|---|---|---|---|"]
    if before is not None:
        lines.append(_row(f"{focus_name}, {old_name}", focused, before))
    lines.append(_row(f"**{focus_name}**", focused, decide))
    if focus != "dev3":
        lines.append(_row("varied_dev_3.csv (dev)", read_dev_3(), decide))
    lines += [_row("varied_sealed_2.csv (dev since round 3)", read_sealed_2(), decide),
              _row("varied_sealed.csv (dev since round 2)", read_varied(DEFAULT_FIRST_SEALED), decide),
              _row("dev", read_varied(DEFAULT_DEV), decide),
              _row("first set (train + held out)", first, decide),
              _row("new platforms, train part (trained on since round 3)", read_platforms(DEFAULT_PLATFORMS_TRAIN),
                   decide),
              _row("**held out** (first set's + new platforms')", heldout, decide)]
    lines.append(_row("held out, new platforms", [m for m in heldout if m.platform in NEW_PLATFORMS], decide))
    lines += [_row(f"held out, {platform}", [m for m in heldout if m.platform == platform], decide)
              for platform in NEW_PLATFORMS]
    lines += ["", f"Errors per kind, {focus_name}:", ""]
    header = "| kind | label | n | wrong | share wrong (95 % CI) |"
    rule = "|---|---|---|---|---|"
    if before is not None:
        header += " before: wrong | before: share |"
        rule += "---|---|"
    lines += [header, rule]
    previous = {k.kind: k for k in errors_by_kind(focused, before)} if before is not None else {}
    for kind in errors_by_kind(focused, decide):
        line = (f"| {kind.kind} | {kind.label} | {kind.total} | {kind.wrong} | {kind.share_wrong:.2f} "
                f"({_interval(wilson(kind.wrong, kind.total))}) |")
        if before is not None:
            line += f" {previous[kind.kind].wrong} | {previous[kind.kind].share_wrong:.2f} |"
        lines.append(line)
    return "\n".join(lines)


_OLD_CLASSIFIER = """
import importlib, json, sys
from pathlib import Path
package = importlib.import_module(sys.argv[2])
classify, load_rules = package.classify, package.load_rules
rules = load_rules(Path(sys.argv[1]))
print(json.dumps([classify(text, rules).is_question for text in json.load(sys.stdin)]))
"""


def _old_decider(seed_dir: Path, code_dir: Path | None, texts: list[str]) -> Decide:
    """The decisions of an earlier classifier on ``texts``: its seeds, run by its own code when
    ``code_dir`` (the root of a checkout of that version) is given, in a separate process."""
    if code_dir is None:
        return decider(load_rules(seed_dir))
    import json
    import os
    import subprocess
    import sys

    # the checkout's classifier, wherever that version kept it (ingestion/classify before it moved into the
    # dbt project); named explicitly, so an installed newer package is never picked up by mistake
    python_dir = code_dir / "dbt_project" / "python"
    package = "question_classifier" if (python_dir / "question_classifier").is_dir() else "ingestion.classify"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(python_dir), str(code_dir)))}
    done = subprocess.run([sys.executable, "-c", _OLD_CLASSIFIER, str(seed_dir.resolve()), package],
                          input=json.dumps(texts),
                          capture_output=True, text=True, check=True, cwd=code_dir, env=env)
    decided = dict(zip(texts, json.loads(done.stdout), strict=True))
    return decided.__getitem__


def main(argv: list[str] | None = None) -> None:
    """Print precision and recall per part of the labelled sets and the throughput, or the doc's tables."""
    parser = argparse.ArgumentParser(prog="python -m question_classifier.evaluate")
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEED_DIR)
    parser.add_argument("--report", action="store_true", help="print the Markdown tables of docs/classifier.md")
    parser.add_argument("--focus", choices=FOCUS_PARTS, default="sealed",
                        help="the part measured first and per kind: the sealed batch 3 (default), or the round-3 "
                             "development messages, in which case the sealed batch is not read at all")
    parser.add_argument("--old-seeds", type=Path, help="seed directory of an earlier classifier to compare with")
    parser.add_argument("--old-code", type=Path, help="checkout root holding that classifier (in "
                        "dbt_project/python/question_classifier, or ingestion/classify before it moved)")
    parser.add_argument("--old-name", default="round-2 classifier", help="how the report names that classifier")
    args = parser.parse_args(argv)
    rules = load_rules(args.seeds)
    if args.report:
        texts = [message.text for message in focus_messages(args.focus)[1]]
        old = _old_decider(args.old_seeds, args.old_code, texts) if args.old_seeds else None
        print(report(rules, old, args.focus, args.old_name))
        return
    parts = {}
    if args.focus == "sealed":
        parts["sealed 3"] = read_sealed()
    parts.update({"dev 3": read_dev_3(), "sealed 2 (dev)": read_sealed_2(),
                  "sealed 1 (dev)": read_varied(DEFAULT_FIRST_SEALED), "dev": read_varied(DEFAULT_DEV)})
    first = read_labelled(DEFAULT_LABELLED)
    parts.update({f"first {part}": [m for m in first if m.split == part] for part in ("train", "heldout")})
    heldout = read_heldout()
    parts["held out (all)"] = heldout
    parts["held out (new)"] = [m for m in heldout if m.platform in NEW_PLATFORMS]
    for platform in NEW_PLATFORMS:
        parts[f"held out {platform}"] = [m for m in heldout if m.platform == platform]
    parts["platforms train"] = read_platforms(DEFAULT_PLATFORMS_TRAIN)
    for part, messages in parts.items():
        metrics = measure(messages, rules)
        print(f"{part:19} n={len(messages):4} precision={metrics.precision:.3f} "
              f"{_interval(precision_interval(metrics))} recall={metrics.recall:.3f} "
              f"{_interval(recall_interval(metrics))} (tp={metrics.true_pos} fp={metrics.false_pos} "
              f"fn={metrics.false_neg} tn={metrics.true_neg})")
    texts = [message.text for messages in parts.values() for message in messages]
    print(f"throughput {throughput(texts, rules, repeat=5):,.0f} messages/s")


if __name__ == "__main__":
    main()
