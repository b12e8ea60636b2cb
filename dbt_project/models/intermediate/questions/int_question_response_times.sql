-- Per answered question its first reply and the time to it: minutes between the two UTC instants, and
-- business minutes: only the minutes Monday–Friday between the vars `business_hours_start` and
-- `business_hours_end` on the Europe/Amsterdam wall clock (so each day's window is right on either side
-- of a clock change), not on a Dutch public holiday (seed `dutch_public_holidays`). Both are first taken
-- as exact integer microseconds (`response_us`, `business_response_us`), so sums and averages over them
-- do not depend on the order in which the rows are added (CONTRACT.md §7, deterministic marts).
-- Incremental: a build recomputes the touched questions (int_increment_questions).
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_touched',
        touched_model='int_increment_questions',
        touched_key='question_id'
    )
}}
-- depends_on: {{ ref('int_increment_questions') }}
with answered as (
    select
        questions.question_id,
        questions.asked_at,
        replies.reply_id,
        replies.replied_at
    from {{ ref('int_questions_identified') }} as questions
    inner join {{ ref('int_replies_matched') }} as replies
        on questions.question_id = replies.question_id and replies.reply_rank = 1
    where {{ touched_only('questions.question_id', 'int_increment_questions', 'question_id') }}
),

waiting_days as (
    -- every local day the wait touches
    select
        question_id,
        asked_at,
        replied_at,
        unnest(generate_series(
            timezone('Europe/Amsterdam', asked_at)::date,
            timezone('Europe/Amsterdam', replied_at)::date,
            interval 1 day
        ))::date as waiting_day
    from answered
),

business_windows as (
    select
        waiting_days.*,
        timezone(
            'Europe/Amsterdam',
            waiting_days.waiting_day + to_minutes(cast({{ var('business_hours_start') }} * 60 as bigint))
        ) as opens_at,
        timezone(
            'Europe/Amsterdam',
            waiting_days.waiting_day + to_minutes(cast({{ var('business_hours_end') }} * 60 as bigint))
        ) as closes_at
    from waiting_days
    left join {{ ref('dutch_public_holidays') }} as holidays on waiting_days.waiting_day = holidays.holiday_date
    where isodow(waiting_days.waiting_day) <= 5 and holidays.holiday_date is null
),

business as (
    select
        question_id,
        sum(greatest(0, epoch_us(least(closes_at, replied_at)) - epoch_us(greatest(opens_at, asked_at))))
            as business_response_us
    from business_windows
    group by question_id
)

select
    answered.question_id,
    answered.reply_id as first_reply_id,
    answered.replied_at as first_reply_at,
    (epoch_us(answered.replied_at) - epoch_us(answered.asked_at))::bigint as response_us,
    coalesce(business.business_response_us, 0)::bigint as business_response_us,
    ((epoch_us(answered.replied_at) - epoch_us(answered.asked_at)) / 60000000)::double as response_minutes,
    (coalesce(business.business_response_us, 0) / 60000000)::double as business_response_minutes
from answered
left join business on answered.question_id = business.question_id
