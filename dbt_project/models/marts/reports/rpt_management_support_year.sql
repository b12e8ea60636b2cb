-- One row per survey year and management support level 1–5 (CONTRACT.md §7, a project addition): how many
-- of that year's survey responses gave each level, the distribution behind "management's reluctance".
-- Every level has a row in every survey year (0 when nobody gave it); a response without a level, or with
-- one outside 1–5 (reported by the data-quality suite), is in no row but counts in
-- rpt_national_year.survey_responses.
with years as (
    select distinct survey_year as year
    from {{ ref('fct_survey_responses') }}
),

levels as (
    select unnest(range(1, 6)) as management_support
),

counted as (
    select
        survey_year as year,
        management_support,
        count(*) as responses
    from {{ ref('fct_survey_responses') }}
    where management_support between 1 and 5
    group by survey_year, management_support
)

select
    years.year::integer as year,
    levels.management_support::integer as management_support,
    coalesce(counted.responses, 0)::integer as responses
from years
cross join levels
left join counted on years.year = counted.year and levels.management_support = counted.management_support
