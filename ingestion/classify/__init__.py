"""Dutch question classifier: is an inbound message a citizen's question to the municipality?

Rules and word lists are data (dbt seeds under ``dbt_project/seeds/classifier/``); this package reads
them and applies them. Pure Python, deterministic, no heavy imports::

    from ingestion.classify import classify, load_rules
    rules = load_rules()            # or load_rules(Path("dbt_project/seeds/classifier"))
    classify("@gemeente Wanneer wordt het oud papier opgehaald?", rules).is_question   # True
"""

from ingestion.classify.classifier import Classification, classify
from ingestion.classify.rules import DEFAULT_SEED_DIR, Rule, Rules, RulesError, load_rules

__all__ = ["DEFAULT_SEED_DIR", "Classification", "Rule", "Rules", "RulesError", "classify", "load_rules"]
