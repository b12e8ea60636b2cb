-- The questions: inbound messages (not by a channel, addressed to one, not a retweet) that the
-- classifier took for a question to the municipality. Asked year and day are Dutch local time.
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
where classified.is_question and messages.is_inbound and not messages.is_retweet
