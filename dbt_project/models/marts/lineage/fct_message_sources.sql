-- Every copy of every question and reply in the facts: the file it came from (name, SHA-256, position in
-- the file) and whether it is the copy the deduplication kept (`int_messages_deduplicated`). Narrow on
-- purpose: the copies of all messages are read for their key and lineage columns only, the questions and
-- replies are the hash join's small side, and only their copies are ranked, in the deduplication's order
-- (platform export before webcare export, then latest loaded, then copy id): a message's copies are all
-- here, so its first copy is the one int_messages_deduplicated kept (a test on the model checks it).
-- Incremental: a build recomputes the rows of int_increment_traced_messages (touched messages, and the replies
-- of touched questions before and after it).
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_touched',
        on_schema_change='fail',
        touched_model='int_increment_traced_messages',
        touched_key='message_id'
    )
}}
-- depends_on: {{ ref('int_increment_traced_messages') }}
with all_traced as (
    select
        question_id as message_id,
        'question' as message_role,
        gm_code,
        asked_year as year
    from {{ ref('int_questions_identified') }}
    union all
    -- a reply that answers two questions of a citizen is one message
    select distinct
        reply_id as message_id,
        'reply' as message_role,
        gm_code,
        year(timezone('Europe/Amsterdam', replied_at)) as year
    from {{ ref('int_replies_matched') }}
),

traced as (
    select * from all_traced
    where {{ touched_only('message_id', 'int_increment_traced_messages') }}
),

{% if is_incremental() %}
    traced_raw_ids as (
        -- every id a copy of a traced message can have on its platform: a message_id is `<platform>:<raw id>`
        -- (staging), so its raw id is what follows one of its ':'; every such ending is taken, so no platform code
        -- or raw id is assumed to be free of ':'. A few thousand ids, probed inside the scan of every raw table
        -- before message_id is built for each of its copies (3.0 s -> 1.1 s at bench scale 10).
        select distinct
            array_to_string(list_slice(split.parts, ends.part + 1, len(split.parts)), ':') as platform_message_id
        from (select string_split(traced.message_id, ':') as parts from traced) as split,
            lateral (select unnest(range(1, len(split.parts))) as part) as ends
    ),
{% endif %}

copies as (
    -- every copy of every message (in an incremental build: of those that can be traced), its key and lineage
    -- columns only
    select *
    from (
        {{ social_message_copies(
            'message_id, platform_message_id, message_copy_id, source_system, source_file, source_position, loaded_at'
        ) }}
    ) as all_copies
    {% if is_incremental() -%}
        where all_copies.platform_message_id in (select traced_raw_ids.platform_message_id from traced_raw_ids)
    {%- endif %}
),

traced_copies as (
    select
        traced.*,
        copies.source_system,
        copies.source_file,
        copies.source_position,
        -- message_copy_id is `<source_sha256>:<source_position>` (staging)
        left(
            copies.message_copy_id, length(copies.message_copy_id) - length(copies.source_position) - 1
        ) as source_sha256,
        row_number() over (
            partition by copies.message_id
            order by copies.source_system = 'webcare_csv' asc, copies.loaded_at desc, copies.message_copy_id desc
        ) as copy_rank,
        count(*) over (partition by copies.message_id) as copies
    from copies
    inner join traced on copies.message_id = traced.message_id
)

select
    message_id::varchar as message_id,
    message_role::varchar as message_role,
    gm_code::varchar as gm_code,
    year::integer as year,
    source_system::varchar as source_system,
    source_file::varchar as source_file,
    source_sha256::varchar as source_sha256,
    source_position::varchar as source_position,
    (copy_rank = 1)::boolean as is_winning_copy,
    copies::integer as copies
from traced_copies
