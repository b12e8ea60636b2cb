-- One row per channel and Dutch local day with any message by or to it: what the channel posted, how
-- often it replied, and what it received.
-- Incremental: a build recomputes the channel days of the touched messages (int_increment_channel_days).
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_touched',
        on_schema_change='fail',
        touched_model='int_increment_channel_days',
        touched_key=['channel_id', 'activity_date']
    )
}}
-- depends_on: {{ ref('int_increment_channel_days') }}
with messages as (
    select
        messages.channel_id,
        messages.local_date as activity_date,
        messages.is_by_channel and messages.in_reply_to_message_id is null as is_post,
        messages.is_by_channel and messages.in_reply_to_message_id is not null as is_reply,
        messages.is_inbound,
        questions.question_id is not null as is_question
    from {{ ref('int_messages_addressed') }} as messages
    left join {{ ref('int_questions_identified') }} as questions
        on messages.message_id = questions.question_id
    where
        messages.channel_id is not null
        and {{ touched_only(
            ['messages.channel_id', 'messages.local_date'],
            'int_increment_channel_days',
            ['channel_id', 'activity_date']
        ) }}
)

select
    messages.channel_id::varchar as channel_id,
    channels.gm_code::varchar as gm_code,
    messages.activity_date::date as activity_date,
    count(*) filter (where messages.is_post)::integer as posts,
    count(*) filter (where messages.is_reply)::integer as replies,
    count(*) filter (where messages.is_inbound)::integer as inbound_messages,
    count(*) filter (where messages.is_question)::integer as questions
from messages
inner join {{ ref('int_channels_deduplicated') }} as channels on messages.channel_id = channels.channel_id
group by all
