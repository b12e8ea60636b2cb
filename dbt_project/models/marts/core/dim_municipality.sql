-- One row per municipality code that existed from the first shipped list (2012) on, with its validity
-- and its current successor (itself while it exists).
with listed as (
    select
        gm_code,
        min(reference_date) as first_listed_on,
        max(year) as last_listed_year
    from {{ ref('int_municipality_years_selected') }}
    group by gm_code
),

latest_names as (
    select
        years.gm_code,
        years.name,
        years.province_code,
        years.province_name
    from {{ ref('int_municipality_years_selected') }} as years
    inner join listed on years.gm_code = listed.gm_code and years.year = listed.last_listed_year
),

created_by_merger as (
    select
        new_gm_code as gm_code,
        min(merged_on) as created_on
    from {{ ref('stg_cbs__herindelingen') }}
    group by new_gm_code
)

select
    listed.gm_code::varchar as gm_code,
    latest_names.name::varchar as name,
    latest_names.province_code::varchar as province_code,
    latest_names.province_name::varchar as province_name,
    least(listed.first_listed_on, coalesce(created_by_merger.created_on, listed.first_listed_on))::date
        as valid_from,
    successors.merged_on::date as valid_to,
    coalesce(successors.successor_gm_code, listed.gm_code)::varchar as successor_gm_code,
    (successors.gm_code is null)::boolean as is_current
from listed
inner join latest_names on listed.gm_code = latest_names.gm_code
left join created_by_merger on listed.gm_code = created_by_merger.gm_code
left join {{ ref('int_municipality_successors') }} as successors on listed.gm_code = successors.gm_code
