-- One row per question (CONTRACT.md §3): who it was addressed to, when, whether and how fast it was
-- answered, why the classifier took it for a question, and the file its kept copy came from
-- (all its copies: fct_message_sources).
-- Incremental: a build recomputes the touched questions (int_increment_questions).
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_touched',
        on_schema_change='fail',
        touched_model='int_increment_questions',
        touched_key='question_id'
    )
}}
-- depends_on: {{ ref('int_increment_questions') }}
select
    questions.question_id::varchar as question_id,
    questions.platform::varchar as platform,
    questions.channel_id::varchar as channel_id,
    questions.gm_code::varchar as gm_code,
    coalesce(municipalities.successor_gm_code, questions.gm_code)::varchar as current_gm_code,
    questions.asked_at::timestamptz as asked_at,
    questions.asked_year::integer as asked_year,
    questions.citizen_key::varchar as citizen_key,
    (times.question_id is not null)::boolean as is_answered,
    times.first_reply_id::varchar as first_reply_id,
    times.first_reply_at::timestamptz as first_reply_at,
    times.response_minutes::double as response_minutes,
    times.business_response_minutes::double as business_response_minutes,
    questions.classifier_reason::varchar as classifier_reason,
    origin.source_file::varchar as source_file,
    origin.source_sha256::varchar as source_sha256,
    origin.source_position::varchar as source_position
from {{ ref('int_questions_identified') }} as questions
left join {{ ref('int_question_response_times') }} as times on questions.question_id = times.question_id
left join {{ ref('fct_message_sources') }} as origin
    on questions.question_id = origin.message_id and origin.is_winning_copy
left join {{ ref('dim_municipality') }} as municipalities on questions.gm_code = municipalities.gm_code
where {{ touched_only('questions.question_id', 'int_increment_questions', 'question_id') }}
