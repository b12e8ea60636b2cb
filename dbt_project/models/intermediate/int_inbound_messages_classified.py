"""Every inbound message that is not a native retweet, classified as a question or not, with the reason.

The rules are the classifier seeds (`dbt_project/seeds/classifier/`), read from the warehouse with
`rules_from_rows`, so the seed tables are the single source of the rules the decisions were made with.
The classifier (`ingestion/classify`) is deterministic: the same messages and seeds give the same table.
Retweets and messages by municipal channels never reach it (CONTRACT.md §3).
"""

from typing import Any

import duckdb
import pyarrow as pa

from ingestion.classify import classify, rules_from_rows


def _rows(relation: duckdb.DuckDBPyRelation) -> list[dict[str, Any]]:
    """Rows of a DuckDB relation as dicts (no pandas: missing text stays None, never NaN)."""
    return [dict(zip(relation.columns, values, strict=True)) for values in relation.fetchall()]


def model(dbt: Any, session: duckdb.DuckDBPyConnection) -> pa.Table:
    """Inbound, non-retweet messages with is_question, the classifier's score and its reason."""
    dbt.config(materialized="table")
    # dbt finds refs by reading the code, so each seed is named literally
    seeds = (dbt.ref("negative_patterns"), dbt.ref("question_signals"), dbt.ref("request_phrases"),
             dbt.ref("text_markers"))
    rules = rules_from_rows((row for seed in seeds for row in _rows(seed)), source="dbt seeds")
    inbound = (
        dbt.ref("int_messages_addressed")
        .filter("is_inbound and not is_retweet")
        .project("message_id, message_text")
        .order("message_id")
    )
    ids, questions, scores, reasons = [], [], [], []
    for message_id, text in inbound.fetchall():
        decision = classify(text or "", rules)
        ids.append(message_id)
        questions.append(decision.is_question)
        scores.append(decision.score)
        reasons.append(decision.reason)
    return pa.table({
        "message_id": pa.array(ids, pa.string()),
        "is_question": pa.array(questions, pa.bool_()),
        "classifier_score": pa.array(scores, pa.int32()),
        "classifier_reason": pa.array(reasons, pa.string()),
    })
