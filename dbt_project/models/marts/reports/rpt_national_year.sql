-- One row per report year: the national figures of the research. Municipality counts and shares are
-- over the municipalities of 1 January; questions and response times over every question of the year;
-- survey figures over that year's survey responses. Response times are summed as exact integer
-- microseconds and divided once, and survey means as exact decimals, so the same inputs give the same
-- figures to the last bit whatever order the rows come in (CONTRACT.md §7).
with municipalities as (
    select
        year,
        count(*) as municipalities,
        count(*) filter (where not has_x) as without_x,
        count(*) filter (where has_facebook) as with_facebook,
        count(*) filter (where is_structural) as structural
    from {{ ref('rpt_municipality_year') }}
    where existed_on_first_january
    group by year
),

questions as (
    select
        questions.asked_year as year,
        count(*) as questions,
        count(times.question_id) as answered,
        count(*) filter (where times.response_us <= 1440 * 60000000::bigint) as answered_within_24h,
        count(*) filter (
            where times.business_response_us
            <= {{ (var('business_hours_end') - var('business_hours_start')) * 60 }} * 60000000::bigint
        ) as answered_within_working_day,
        sum(times.response_us)::double / (count(times.question_id) * 3600000000::bigint) as avg_response_hours,
        quantile_cont(times.response_us, 0.5) / 3600000000 as median_response_hours,
        quantile_cont(times.business_response_us, 0.5) / 3600000000 as median_business_response_hours
    from {{ ref('fct_questions') }} as questions
    left join {{ ref('int_question_response_times') }} as times on questions.question_id = times.question_id
    group by questions.asked_year
),

survey as (
    select
        survey_year as year,
        count(*) as survey_responses,
        count(*) filter (where responsible_department = 'communicatie') / count(*) as pct_comms_responsible,
        sum(self_rating::decimal(38, 6)) filter (where responsible_department = 'communicatie')::double
        / count(self_rating) filter (where responsible_department = 'communicatie') as avg_self_rating_comms,
        count(*) filter (where kcc_involved) / count(*) as pct_kcc_involved,
        sum(management_support)::double / count(management_support) as avg_management_support,
        count(*) filter (where uses_structurally) / count(*) as pct_self_reported_structural
    from {{ ref('fct_survey_responses') }}
    group by survey_year
)

select
    municipalities.year::integer as year,
    municipalities.municipalities::integer as municipalities,
    municipalities.without_x::integer as without_x,
    (municipalities.with_facebook / municipalities.municipalities)::double as pct_with_facebook,
    (municipalities.structural / municipalities.municipalities)::double as pct_structural,
    coalesce(questions.questions, 0)::integer as questions,
    coalesce(questions.answered, 0)::integer as answered,
    (questions.answered / questions.questions)::double as answer_rate,
    questions.avg_response_hours::double as avg_response_hours,
    questions.median_response_hours::double as median_response_hours,
    survey.pct_comms_responsible::double as pct_comms_responsible,
    survey.avg_self_rating_comms::double as avg_self_rating_comms,
    coalesce(survey.survey_responses, 0)::integer as survey_responses,
    survey.pct_kcc_involved::double as pct_kcc_involved,
    survey.avg_management_support::double as avg_management_support,
    survey.pct_self_reported_structural::double as pct_self_reported_structural,
    (questions.answered_within_24h / questions.questions)::double as pct_answered_within_24h,
    (questions.answered_within_working_day / questions.questions)::double as pct_answered_within_working_day,
    questions.median_business_response_hours::double as median_business_response_hours
from municipalities
left join questions on municipalities.year = questions.year
left join survey on municipalities.year = survey.year
