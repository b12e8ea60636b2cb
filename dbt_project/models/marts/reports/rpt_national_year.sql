-- One row per report year: the national figures of the research. Municipality counts and shares are
-- over the municipalities of 1 January; questions and response times over every question of the year;
-- survey figures over that year's survey responses.
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
        asked_year as year,
        count(*) as questions,
        count(*) filter (where is_answered) as answered,
        avg(response_minutes / 60) as avg_response_hours,
        quantile_cont(response_minutes / 60, 0.5) as median_response_hours
    from {{ ref('fct_questions') }}
    group by asked_year
),

survey as (
    select
        survey_year as year,
        count(*) filter (where responsible_department = 'communicatie') / count(*) as pct_comms_responsible,
        avg(self_rating) filter (where responsible_department = 'communicatie') as avg_self_rating_comms
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
    survey.avg_self_rating_comms::double as avg_self_rating_comms
from municipalities
left join questions on municipalities.year = questions.year
left join survey on municipalities.year = survey.year
