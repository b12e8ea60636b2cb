-- The answer that counts per municipality and survey year: the latest
-- submission (int_survey_responses_ranked keeps the ones it replaced).
select
    cast(survey_year as integer) as survey_year,
    cast(gm_code as varchar) as gm_code,
    cast(responsible_department as varchar) as responsible_department,
    cast(self_rating as double) as self_rating,
    cast(uses_structurally as boolean) as uses_structurally,
    cast(kcc_involved as boolean) as kcc_involved,
    cast(management_support as integer) as management_support
from {{ ref('int_survey_responses_ranked') }}
where not is_superseded
