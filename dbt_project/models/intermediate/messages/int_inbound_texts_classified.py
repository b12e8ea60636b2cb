"""Every distinct text of an inbound message that is not a native retweet, classified as a question or not,
with the reason (`int_inbound_messages_classified` gives each message its text's decision).

The rules are the classifier seeds (`dbt_project/seeds/classifier/`), read from the warehouse and turned
into rules with `rules_from_rows`, so the seed tables are the single source of the rules the decisions were made with.
The classifier (`python/question_classifier` of this project) is deterministic: the same texts and seeds give
the same table.
Retweets and messages by municipal channels never reach it (CONTRACT.md §3). A missing text is classified
as the empty text.

The texts stream through in batches (`batch_texts` in dbt_project.yml, 100,000), each classified over every core
(`python/question_classifier/batch.py`), and the model returns a record batch reader that DuckDB writes as it reads:
the build's memory does not grow with the number of texts (at scale 10, fetching every inbound message
into Python made the build peak at 2,660 MB; streaming, 1,435 MB).

Incremental: a build classifies only the texts of the touched messages (`int_increment_messages_touched`) that
are not decided yet, and appends them. A decision depends on the text and the rules alone, and a change to the
rules (the seeds, the classifier's code) makes steps.plan order a full build. A text no message has any more
keeps its row: nothing reads a text without its message.
"""

from collections.abc import Iterator
from typing import Any

import duckdb
import pyarrow as pa

from question_classifier.batch import classify_all

SCHEMA = pa.schema([
    ("message_text", pa.string()),
    ("is_question", pa.bool_()),
    ("classifier_score", pa.int32()),
    ("classifier_reason", pa.string()),
])


def _rows(relation: duckdb.DuckDBPyRelation) -> list[dict[str, Any]]:
    """Rows of a DuckDB relation as dicts (no pandas: missing text stays None, never NaN)."""
    return [dict(zip(relation.columns, values, strict=True)) for values in relation.fetchall()]


def model(dbt: Any, session: duckdb.DuckDBPyConnection) -> pa.RecordBatchReader:
    """Distinct inbound, non-retweet texts with is_question, the classifier's score and its reason."""
    dbt.config(materialized="incremental", incremental_strategy="append")
    batch_texts = int(dbt.config.get("batch_texts"))
    # dbt finds refs by reading the code, so each seed is named literally
    seeds = (dbt.ref("negative_patterns"), dbt.ref("question_signals"), dbt.ref("request_phrases"),
             dbt.ref("text_markers"))
    rule_rows = [row for seed in seeds for row in _rows(seed)]
    texts = (
        dbt.ref("int_messages_addressed")
        .filter("is_inbound and not is_retweet")
        .project("coalesce(message_text, '') as message_text")
        .distinct()
    )
    if dbt.is_incremental:
        touched = dbt.ref("int_increment_messages_touched").project("message_id")
        decided = session.sql(f"select message_text from {dbt.this}")
        texts = (
            dbt.ref("int_messages_addressed")
            .filter("is_inbound and not is_retweet")
            .join(touched, "message_id", how="semi")
            .project("coalesce(message_text, '') as message_text")
            .distinct()
            .join(decided, "message_text", how="anti")
        )

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in texts.to_arrow_reader(batch_texts):
            column = batch.column("message_text")
            decisions = classify_all(column.to_pylist(), rule_rows, source="dbt seeds")
            yield pa.record_batch([
                column,
                pa.array([d.is_question for d in decisions], pa.bool_()),
                pa.array([d.score for d in decisions], pa.int32()),
                pa.array([d.reason for d in decisions], pa.string()),
            ], schema=SCHEMA)

    return pa.RecordBatchReader.from_batches(SCHEMA, batches())
