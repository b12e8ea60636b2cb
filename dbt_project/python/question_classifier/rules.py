"""Classifier rules: the seed CSVs under ``dbt_project/seeds/classifier/`` read into compiled regexes.

Every seed has the columns ``rule_id, kind, scope, pattern, weight, note``. ``scope`` says where a pattern
is tried: ``start`` at the start of every sentence or clause, ``any`` anywhere in the cleaned text,
``mention`` on the @handles a message starts with (a reply's addressees, an Instagram tag), ``marker``
for the text markers that shape the cleaning itself (retweet, URL, leading mentions, greeting, and the
optional quotation: a quoted question ``"Waar blijft de bus?"`` is removed like a URL). Patterns are
Python regexes, matched case-insensitively unless they say ``(?-i:...)``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from question_classifier.model import Model, load_model

#: Where the seeds live: the seed folder of the dbt project this package belongs to (dbt loads the same files).
DEFAULT_SEED_DIR: Path = Path(__file__).resolve().parents[2] / "seeds" / "classifier"

SEED_COLUMNS: tuple[str, ...] = ("rule_id", "kind", "scope", "pattern", "weight", "note")
SCOPES: frozenset[str] = frozenset({"start", "any", "mention", "marker"})
#: Text markers the cleaning needs, each exactly once (kind of a ``marker`` row).
MARKER_KINDS: tuple[str, ...] = ("retweet", "url", "leading_mention", "greeting")
#: Text markers the cleaning uses when present (at most once each).
OPTIONAL_MARKER_KINDS: tuple[str, ...] = ("quotation",)


class RulesError(ValueError):
    """A seed file is missing, malformed, or holds an invalid rule."""


@dataclass(frozen=True)
class Rule:
    """One scoring rule: a compiled pattern and the weight it adds when it matches."""

    rule_id: str
    kind: str
    scope: str
    regex: re.Pattern[str]
    weight: int
    source: str


@dataclass(frozen=True)
class Rules:
    """All rules of one seed directory, ready to classify with."""

    positive: tuple[Rule, ...]
    negative: tuple[Rule, ...]
    markers: dict[str, Rule]
    #: The n-gram model (``model_weights.json`` of this package), one more signal; ``None``: rules only.
    model: Model | None = None

    @property
    def scoring(self) -> tuple[Rule, ...]:
        """Every scoring rule, positive first, each in seed order."""
        return self.positive + self.negative


def _compile(rule_id: str, pattern: str, source: str) -> re.Pattern[str]:
    """Compile one seed pattern, naming the rule if it is not a valid regex."""
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise RulesError(f"{source}: rule {rule_id!r} has an invalid pattern: {exc}") from exc


def _rule(row: Mapping[str, object], source: str) -> Rule:
    """One seed row as a rule, rejecting an unknown scope, a bad weight or an invalid pattern."""
    rule_id, scope = str(row["rule_id"]).strip(), str(row["scope"]).strip()
    if scope not in SCOPES:
        raise RulesError(f"{source}: rule {rule_id!r} has unknown scope {scope!r}")
    try:
        weight = int(str(row["weight"]))
    except ValueError as exc:
        raise RulesError(f"{source}: rule {rule_id!r} has a non-integer weight") from exc
    regex = _compile(rule_id, str(row["pattern"]), source)
    return Rule(rule_id, str(row["kind"]).strip(), scope, regex, weight, source)


def _read_seed(path: Path) -> list[Rule]:
    """Read one seed CSV into rules."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = set(SEED_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise RulesError(f"{path.name}: missing columns {sorted(missing)}")
        return [_rule(row, path.name) for row in reader]


def _markers(rules: list[Rule]) -> dict[str, Rule]:
    """The text markers by kind: the required ones exactly once, the optional ones at most once."""
    markers: dict[str, Rule] = {}
    for rule in (rule for rule in rules if rule.scope == "marker"):
        if rule.kind in markers:
            raise RulesError(f"text marker {rule.kind!r} is defined twice")
        markers[rule.kind] = rule
    unknown = sorted(set(markers) - set(MARKER_KINDS) - set(OPTIONAL_MARKER_KINDS))
    if unknown:
        raise RulesError(f"unknown text markers {unknown}")
    absent = [kind for kind in MARKER_KINDS if kind not in markers]
    if absent:
        raise RulesError(f"missing text markers {absent}")
    return markers


def load_rules(seed_dir: Path = DEFAULT_SEED_DIR, model: Model | None | bool = True) -> Rules:
    """Load every ``*.csv`` seed in ``seed_dir`` into :class:`Rules` (rule ids must be unique), with the
    stored n-gram model (``model=True``), a given one, or none (``False``)."""
    paths = sorted(Path(seed_dir).glob("*.csv"))
    if not paths:
        raise RulesError(f"no classifier seeds in {seed_dir}")
    return _assemble([rule for path in paths for rule in _read_seed(path)], model)


def rules_from_rows(rows: Iterable[Mapping[str, object]], source: str = "warehouse",
                    model: Model | None | bool = True) -> Rules:
    """Build :class:`Rules` from seed rows already loaded elsewhere (e.g. the seed tables in dbt), with
    the stored n-gram model as :func:`load_rules`."""
    return _assemble([_rule(row, source) for row in rows], model)


def _assemble(rules: list[Rule], model: Model | None | bool = True) -> Rules:
    """Check rule ids are unique and the markers complete, and split the scoring rules by sign."""
    seen: set[str] = set()
    for rule in rules:
        if rule.rule_id in seen:
            raise RulesError(f"duplicate rule id {rule.rule_id!r}")
        seen.add(rule.rule_id)
    markers = _markers(rules)
    scoring = [rule for rule in rules if rule.scope != "marker" and rule.weight != 0]
    return Rules(
        positive=tuple(rule for rule in scoring if rule.weight > 0),
        negative=tuple(rule for rule in scoring if rule.weight < 0),
        markers=markers,
        model=load_model() if model is True else (model or None),
    )
