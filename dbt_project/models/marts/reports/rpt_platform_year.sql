-- One row per platform of the platform registry and report year (CONTRACT.md §7): how many municipalities
-- were present, parked or had left the platform (int_channel_states_by_year: one state per municipality),
-- and the questions asked on the platform that year, how many were answered and how fast. Every registry
-- platform has a row in every report year (counts 0). Response times are taken as exact integer
-- microseconds, as rpt_national_year, so the median is the same to the last bit whatever the row order.
with platforms as (
    select platform
    from {{ ref('platforms') }}
),

years as (
    select year
    from {{ ref('int_report_years') }}
),

states as (
    select
        platform,
        year,
        count(*) filter (where state = 'present') as present,
        count(*) filter (where state = 'left') as "left",
        count(*) filter (where state = 'parked') as parked
    from {{ ref('int_channel_states_by_year') }}
    group by platform, year
),

questions as (
    select
        questions.platform,
        questions.asked_year as year,
        count(*) as questions,
        count(times.question_id) as answered,
        quantile_cont(times.response_us, 0.5) / 3600000000 as median_response_hours
    from {{ ref('fct_questions') }} as questions
    left join {{ ref('int_question_response_times') }} as times on questions.question_id = times.question_id
    group by questions.platform, questions.asked_year
)

select
    platforms.platform::varchar as platform,
    years.year::integer as year,
    coalesce(states.present, 0)::integer as present,
    coalesce(states."left", 0)::integer as "left",
    coalesce(states.parked, 0)::integer as parked,
    coalesce(questions.questions, 0)::integer as questions,
    coalesce(questions.answered, 0)::integer as answered,
    (questions.answered / nullif(questions.questions, 0))::double as answer_rate,
    questions.median_response_hours::double as median_response_hours
from platforms
cross join years
left join states on platforms.platform = states.platform and years.year = states.year
left join questions on platforms.platform = questions.platform and years.year = questions.year
