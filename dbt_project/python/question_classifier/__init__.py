"""Dutch question classifier: is an inbound message a citizen's question to the municipality?

Rules and word lists are data (dbt seeds under ``dbt_project/seeds/classifier/``); this package reads
them and applies them. Pure Python, deterministic, no heavy imports::

    from question_classifier import classify, load_rules
    rules = load_rules()            # or load_rules(Path("dbt_project/seeds/classifier"))
    classify("@gemeente Wanneer wordt het oud papier opgehaald?", rules).is_question   # True

In a dbt Python model the seed tables can be used instead of the files:
``rules_from_rows(row for seed in seeds for row in seed.to_dict("records"))``.
"""

from question_classifier.classifier import Classification, classify
from question_classifier.rules import DEFAULT_SEED_DIR, Rule, Rules, RulesError, load_rules, rules_from_rows

__all__ = [
    "DEFAULT_SEED_DIR",
    "Classification",
    "Rule",
    "Rules",
    "RulesError",
    "classify",
    "load_rules",
    "rules_from_rows",
]
