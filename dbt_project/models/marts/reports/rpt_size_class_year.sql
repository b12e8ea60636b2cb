-- One row per size class (S, M, L) and report year (CONTRACT.md §7): peers by size. Municipality counts
-- and the structural share are over the municipalities of 1 January of that class (as rpt_national_year);
-- questions, answers and response times over every municipality of the class that year. A municipality
-- without a known population is in no class. Every class has a row in every report year (counts 0).
with classes as (
    select unnest(['S', 'M', 'L']) as size_class
),

years as (
    select year
    from {{ ref('int_report_years') }}
),

municipalities as (
    select
        size_class,
        year,
        count(*) filter (where existed_on_first_january) as municipalities,
        count(*) filter (where existed_on_first_january and is_structural) as structural,
        sum(questions) as questions,
        sum(answered) as answered,
        sum(answered_within_24h) as answered_within_24h
    from {{ ref('rpt_municipality_year') }}
    where size_class is not null
    group by size_class, year
),

response_times as (
    select
        municipalities.size_class,
        municipalities.year,
        quantile_cont(questions.response_minutes, 0.5) / 60 as median_response_hours
    from {{ ref('fct_questions') }} as questions
    inner join {{ ref('rpt_municipality_year') }} as municipalities
        on questions.gm_code = municipalities.gm_code and questions.asked_year = municipalities.year
    where municipalities.size_class is not null and questions.is_answered
    group by municipalities.size_class, municipalities.year
)

select
    classes.size_class::varchar as size_class,
    years.year::integer as year,
    coalesce(municipalities.municipalities, 0)::integer as municipalities,
    coalesce(municipalities.questions, 0)::integer as questions,
    coalesce(municipalities.answered, 0)::integer as answered,
    (municipalities.answered / nullif(municipalities.questions, 0))::double as answer_rate,
    response_times.median_response_hours::double as median_response_hours,
    (municipalities.answered_within_24h / nullif(municipalities.questions, 0))::double as pct_answered_within_24h,
    (municipalities.structural / nullif(municipalities.municipalities, 0))::double as pct_structural
from classes
cross join years
left join municipalities on classes.size_class = municipalities.size_class and years.year = municipalities.year
left join response_times on classes.size_class = response_times.size_class and years.year = response_times.year
