-- Every inbound message that is not a native retweet, with its text's decision
-- (`int_inbound_texts_classified`: the classifier decides each distinct text once).
-- Incremental: a build recomputes the touched messages.
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_touched',
        touched_model='int_increment_messages_touched',
        touched_key='message_id'
    )
}}
-- depends_on: {{ ref('int_increment_messages_touched') }}
select
    messages.message_id,
    classified.is_question,
    classified.classifier_score,
    classified.classifier_reason
from {{ ref('int_messages_addressed') }} as messages
inner join {{ ref('int_inbound_texts_classified') }} as classified
    on coalesce(messages.message_text, '') = classified.message_text
where messages.is_inbound and not messages.is_retweet and {{ touched_only('messages.message_id') }}
