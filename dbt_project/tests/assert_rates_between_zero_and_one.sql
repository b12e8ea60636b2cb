-- Rates and shares are fractions 0–1 (CONTRACT.md §4), and answered never exceeds questions.
select
    'rpt_municipality_year' as model,
    gm_code || ' ' || year as row_id
from {{ ref('rpt_municipality_year') }}
where answer_rate not between 0 and 1 or answered > questions
union all
select
    'rpt_national_year' as model,
    year::varchar as row_id
from {{ ref('rpt_national_year') }}
where
    answer_rate not between 0 and 1
    or pct_with_facebook not between 0 and 1
    or pct_structural not between 0 and 1
    or pct_comms_responsible not between 0 and 1
    or answered > questions
    or without_x > municipalities
