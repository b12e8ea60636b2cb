-- One row per loaded survey answer. A municipality may answer twice for a
-- year (a corrected resubmission or a second respondent): the later submission
-- counts (the later loaded file, then the later row in it); the earlier ones
-- stay visible here with is_superseded = true.
with responses as (
    select
        jaar as survey_year,
        gm_code,
        gemeente_as_typed as name_as_typed,
        gm_code_as_given,
        matched_name,
        match_method,
        match_score,
        verantwoordelijke_afdeling as responsible_department,
        rapportcijfer as self_rating,
        structureel as uses_structurally,
        kcc_betrokken as kcc_involved,
        steun_management as management_support,
        kanalen as channels,
        source_file,
        source_sha256,
        source_position,
        source_row,
        load_id,
        loaded_at
    from {{ source('survey', 'survey_responses') }}
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
    source_sha256 || ':' || source_row as response_id,
    submission_rank > 1 as is_superseded
from ranked
