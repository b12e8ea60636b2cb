-- One loaded file of any source (the loaders' registry), keyed by its SHA-256: where a fact's lineage
-- (`fct_message_sources`, `fct_questions`, `fct_replies`) leads. No load times: the marts carry no run
-- timestamps, so unchanged input gives an identical table.
select
    source_sha256::varchar as source_sha256,
    source::varchar as source,
    source_file::varchar as source_file,
    rows_loaded::bigint as rows_loaded,
    rows_quarantined::bigint as rows_quarantined
from {{ ref('stg_lineage__files') }}
