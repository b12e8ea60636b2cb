-- rpt_national_year agrees with rpt_municipality_year: its municipalities are the 1 January rows, and its
-- questions are the questions of all municipality rows (a question to a channel whose municipality did not
-- exist that year — a registry error — would be counted nationally only).
{{ config(severity='warn') }}
with by_municipality as (
    select
        year,
        count(*) filter (where existed_on_first_january) as municipalities,
        sum(questions) as questions,
        sum(answered) as answered
    from {{ ref('rpt_municipality_year') }}
    group by year
)

select national.year
from {{ ref('rpt_national_year') }} as national
left join by_municipality on national.year = by_municipality.year
where national.municipalities is distinct from by_municipality.municipalities
    or national.questions is distinct from by_municipality.questions
    or national.answered is distinct from by_municipality.answered
