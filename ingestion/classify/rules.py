"""Classifier rules: the seed CSVs under ``dbt_project/seeds/classifier/`` read into compiled regexes.

Every seed has the columns ``rule_id, kind, scope, pattern, weight, note``. ``scope`` says where a pattern
is tried: ``start`` at the start of every sentence or clause, ``any`` anywhere in the cleaned text,
``marker`` for the text markers that shape the cleaning itself (retweet, URL, leading mentions,
greeting). Patterns are Python regexes, matched case-insensitively unless they say ``(?-i:...)``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from ingestion.settings import PROJECT_ROOT

#: Where the seeds live in the repo (the dbt project loads the same files as seeds).
DEFAULT_SEED_DIR: Path = PROJECT_ROOT / "dbt_project" / "seeds" / "classifier"

SEED_COLUMNS: tuple[str, ...] = ("rule_id", "kind", "scope", "pattern", "weight", "note")
SCOPES: frozenset[str] = frozenset({"start", "any", "marker"})
#: Text markers the cleaning needs, each exactly once (kind of a ``marker`` row).
MARKER_KINDS: tuple[str, ...] = ("retweet", "url", "leading_mention", "greeting")


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

    start_rules: tuple[Rule, ...]
    any_rules: tuple[Rule, ...]
    markers: dict[str, Rule]


def _compile(rule_id: str, pattern: str, source: str) -> re.Pattern[str]:
    """Compile one seed pattern, naming the rule if it is not a valid regex."""
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise RulesError(f"{source}: rule {rule_id!r} has an invalid pattern: {exc}") from exc


def _read_seed(path: Path) -> list[Rule]:
    """Read one seed CSV into rules, rejecting missing columns, unknown scopes and bad weights."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = set(SEED_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise RulesError(f"{path.name}: missing columns {sorted(missing)}")
        rules = []
        for row in reader:
            rule_id, scope = row["rule_id"].strip(), row["scope"].strip()
            if scope not in SCOPES:
                raise RulesError(f"{path.name}: rule {rule_id!r} has unknown scope {scope!r}")
            try:
                weight = int(row["weight"])
            except ValueError as exc:
                raise RulesError(f"{path.name}: rule {rule_id!r} has a non-integer weight") from exc
            regex = _compile(rule_id, row["pattern"], path.name)
            rules.append(Rule(rule_id, row["kind"].strip(), scope, regex, weight, path.name))
    return rules


def load_rules(seed_dir: Path = DEFAULT_SEED_DIR) -> Rules:
    """Load every ``*.csv`` seed in ``seed_dir`` into :class:`Rules` (rule ids must be unique)."""
    paths = sorted(Path(seed_dir).glob("*.csv"))
    if not paths:
        raise RulesError(f"no classifier seeds in {seed_dir}")
    rules = [rule for path in paths for rule in _read_seed(path)]
    seen: set[str] = set()
    for rule in rules:
        if rule.rule_id in seen:
            raise RulesError(f"duplicate rule id {rule.rule_id!r}")
        seen.add(rule.rule_id)
    markers = {rule.kind: rule for rule in rules if rule.scope == "marker"}
    absent = [kind for kind in MARKER_KINDS if kind not in markers]
    if absent:
        raise RulesError(f"missing text markers {absent}")
    return Rules(
        start_rules=tuple(rule for rule in rules if rule.scope == "start"),
        any_rules=tuple(rule for rule in rules if rule.scope == "any"),
        markers=markers,
    )
