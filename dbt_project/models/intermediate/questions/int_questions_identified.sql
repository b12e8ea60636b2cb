-- The questions: inbound messages (not by a channel, addressed to one, not a retweet) that the
-- classifier took for a question to the municipality. Asked year and day are Dutch local time.
-- Incremental: a build recomputes the touched messages (one may have become, or stopped being, a question).
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_touched',
        touched_model='int_increment_messages_touched',
        touched_key='question_id',
        touched_model_key='message_id'
    )
}}
-- depends_on: {{ ref('int_increment_messages_touched') }}
select
    messages.message_id as question_id,
    messages.platform,
    messages.channel_id,
    messages.gm_code,
    messages.created_at as asked_at,
    messages.local_year as asked_year,
    messages.local_date as asked_date,
    messages.author_key as citizen_key,
    messages.thread_id,
    classified.classifier_score,
    classified.classifier_reason
from {{ ref('int_messages_addressed') }} as messages
inner join {{ ref('int_inbound_messages_classified') }} as classified
    on messages.message_id = classified.message_id
where
    classified.is_question and messages.is_inbound and not messages.is_retweet
    and {{ touched_only('messages.message_id') }}
