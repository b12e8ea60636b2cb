-- One row per loaded survey answer, renamed to English; every answer, also one a later submission replaced
-- (int_survey_responses_ranked says which submission counts).
with source as (
    select * from {{ source('survey', 'survey_responses') }}
),

renamed as (
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
        loaded_at,
        source_sha256 || ':' || source_row as response_id
    from source
)

select * from renamed
