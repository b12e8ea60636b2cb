-- One row per loaded survey answer, ranked within its municipality and year. A municipality may answer
-- twice for a year (a corrected resubmission or a second respondent): the later submission counts (the
-- later loaded file, then the later row in it); the earlier ones stay here with is_superseded = true.
with responses as (
    select * from {{ ref('stg_survey__responses') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by survey_year, gm_code
            order by loaded_at desc, source_file desc, source_row desc
        ) as submission_rank
    from responses
)

select
    *,
    submission_rank > 1 as is_superseded
from ranked
