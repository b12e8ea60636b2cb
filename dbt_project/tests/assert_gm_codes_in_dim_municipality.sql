-- Every municipality code in the channel, question and report marts is a known municipality.
-- A warning, as the channel suite's `municipality_existed` rule is an error, not fatal (CONTRACT.md §6):
-- a registry row with an unknown code is reported, and does not stop the build or the publish.
{{ config(severity='warn') }}
with used as (
    select
        'dim_channel' as model,
        gm_code
    from {{ ref('dim_channel') }}
    union all
    select
        'dim_channel.current_gm_code' as model,
        current_gm_code as gm_code
    from {{ ref('dim_channel') }}
    union all
    select
        'fct_questions' as model,
        gm_code
    from {{ ref('fct_questions') }}
    union all
    select
        'fct_questions.current_gm_code' as model,
        current_gm_code as gm_code
    from {{ ref('fct_questions') }}
    union all
    select
        'fct_replies' as model,
        gm_code
    from {{ ref('fct_replies') }}
    union all
    select
        'fct_channel_activity' as model,
        gm_code
    from {{ ref('fct_channel_activity') }}
    union all
    select
        'rpt_municipality_year' as model,
        gm_code
    from {{ ref('rpt_municipality_year') }}
)

select distinct
    used.model,
    used.gm_code
from used
left join {{ ref('dim_municipality') }} as municipalities on used.gm_code = municipalities.gm_code
where municipalities.gm_code is null
