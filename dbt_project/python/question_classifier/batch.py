"""Classify many messages at once: every distinct text once, spread over the machine's cores.

The dbt model ``int_inbound_messages_classified`` classifies every inbound message of a build. Many
messages share a text (short replies, copied complaints, template-like posts), and the classifier is
deterministic, so each distinct text is classified once and its decision reused. Large batches are split
over worker processes (``python -m question_classifier.batch``, fed the seed rows and texts on stdin),
because the regexes hold the GIL. Workers are plain subprocesses rather than a multiprocessing pool: a
spawned pool re-imports the parent's ``__main__`` (dbt, seconds), and forking dbt's threaded process is
not safe.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from question_classifier.classifier import Classification, classify
from question_classifier.rules import Rules, rules_from_rows

#: Below this many distinct texts per extra process, starting one costs more than it saves.
MIN_TEXTS_PER_WORKER = 5_000

RuleRows = Sequence[Mapping[str, object]]


def worker_count(distinct_texts: int, cpus: int | None = None) -> int:
    """How many processes (this one included) to classify ``distinct_texts`` texts with."""
    if cpus is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cpus, distinct_texts // MIN_TEXTS_PER_WORKER))


def classify_all(texts: Sequence[str | None], rule_rows: RuleRows, workers: int | None = None,
                 source: str = "warehouse") -> list[Classification]:
    """The decision for each text, in order; ``None`` is an empty text. ``workers`` overrides the number
    of processes (default: by batch size and CPU count)."""
    rows = [dict(row) for row in rule_rows]
    rules = rules_from_rows(rows, source=source)
    distinct = list(dict.fromkeys(text or "" for text in texts))
    count = workers if workers is not None else worker_count(len(distinct))
    chunks = [distinct[start::count] for start in range(count)]
    started = [(chunk, _start_worker(rows, chunk, source)) for chunk in chunks[1:] if chunk]
    try:
        decided = {text: classify(text, rules) for text in chunks[0]}
        for chunk, worker in started:
            decided.update(zip(chunk, _finish_worker(worker), strict=True))
    finally:
        for _, worker in started:  # after a failure, no worker is left waiting to be read
            if worker.process.poll() is None:
                worker.process.kill()
                worker.process.wait()
    return [decided[text or ""] for text in texts]


@dataclass
class _Worker:
    """A running worker process and the file its error output goes to."""

    process: subprocess.Popen[bytes]
    errors: IO[bytes]


def _start_worker(rows: list[dict[str, object]], texts: list[str], source: str) -> _Worker:
    """Start a worker process and hand it the rules and its texts."""
    # the folder holding this package (the dbt project's python/), so the worker imports this very code
    # whatever the parent's sys.path was made of (dbt adds the folder through the profile's module_paths)
    package_root = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
    # stderr to a file: a pipe nobody reads until the end could fill up and stall the worker
    errors = tempfile.TemporaryFile()
    process = subprocess.Popen([sys.executable, "-m", "question_classifier.batch"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=errors, env={**os.environ, "PYTHONPATH": path})
    assert process.stdin is not None
    try:
        pickle.dump((rows, texts, source), process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        process.stdin.close()
    except BrokenPipeError:
        pass  # the worker died at start: _finish_worker reports its error
    return _Worker(process, errors)


def _finish_worker(worker: _Worker) -> list[Classification]:
    """The decisions of a worker, in the order of its texts; raises if the worker failed."""
    process = worker.process
    assert process.stdout is not None
    with process.stdout, worker.errors:
        output = process.stdout.read()
        if process.wait() != 0:
            worker.errors.seek(0)
            lines = worker.errors.read().decode("utf-8", "replace").strip().splitlines()
            raise RuntimeError(f"classifier worker failed (exit {process.returncode}): "
                               f"{lines[-1] if lines else 'no error output'}")
    return [Classification(*fields) for fields in pickle.loads(output)]


def _classify_chunk(rules: Rules, texts: list[str]) -> list[tuple[bool, str, int, tuple[str, ...]]]:
    """Decisions as plain tuples (cheaper to pickle than dataclasses)."""
    decisions = (classify(text, rules) for text in texts)
    return [(d.is_question, d.reason, d.score, d.rule_ids) for d in decisions]


def main() -> None:
    """Worker: read (rule rows, texts, source) from stdin, write their decisions to stdout."""
    rows, texts, source = pickle.load(sys.stdin.buffer)
    decisions = _classify_chunk(rules_from_rows(rows, source=source), texts)
    pickle.dump(decisions, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
