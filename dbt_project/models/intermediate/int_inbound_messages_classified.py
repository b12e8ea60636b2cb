"""Every inbound message that is not a native retweet, classified as a question or not, with the reason.

The rules are the classifier seeds (`dbt_project/seeds/classifier/`), read from the warehouse and turned
into rules with `rules_from_rows`, so the seed tables are the single source of the rules the decisions were made with.
The classifier (`ingestion/classify`) is deterministic: the same messages and seeds give the same table.
Retweets and messages by municipal channels never reach it (CONTRACT.md §3).
"""

from typing import Any

import duckdb
import pyarrow as pa

from ingestion.classify.batch import classify_all


def _rows(relation: duckdb.DuckDBPyRelation) -> list[dict[str, Any]]:
    """Rows of a DuckDB relation as dicts (no pandas: missing text stays None, never NaN)."""
    return [dict(zip(relation.columns, values, strict=True)) for values in relation.fetchall()]


def model(dbt: Any, session: duckdb.DuckDBPyConnection) -> pa.Table:
    """Inbound, non-retweet messages with is_question, the classifier's score and its reason."""
    dbt.config(materialized="table")
    # dbt finds refs by reading the code, so each seed is named literally
    seeds = (dbt.ref("negative_patterns"), dbt.ref("question_signals"), dbt.ref("request_phrases"),
             dbt.ref("text_markers"))
    rule_rows = [row for seed in seeds for row in _rows(seed)]
    inbound = (
        dbt.ref("int_messages_addressed")
        .filter("is_inbound and not is_retweet")
        .project("message_id, message_text")
        .order("message_id")
    )
    messages = inbound.fetchall()
    # each distinct text once, over every core (ingestion/classify/batch.py)
    decisions = classify_all([text for _, text in messages], rule_rows, source="dbt seeds")
    return pa.table({
        "message_id": pa.array([message_id for message_id, _ in messages], pa.string()),
        "is_question": pa.array([d.is_question for d in decisions], pa.bool_()),
        "classifier_score": pa.array([d.score for d in decisions], pa.int32()),
        "classifier_reason": pa.array([d.reason for d in decisions], pa.string()),
    })
