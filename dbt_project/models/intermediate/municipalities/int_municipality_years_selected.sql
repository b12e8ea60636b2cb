-- The municipality list in force for each year: a landed list replaces the shipped one for its year,
-- and of several landed lists the last loaded wins (CONTRACT.md §2). The survey loader needs the same
-- lists at load time, before this model is built, and chooses them by the same rule from raw
-- (ingestion/survey/matching.py, _SELECTED_LISTS_SQL): change both together.
with ranked_files as (
    select
        year,
        source_file,
        dense_rank() over (
            partition by year order by is_shipped asc, max(loaded_at) desc, source_file desc
        ) as file_rank
    from {{ ref('stg_cbs__gemeenten') }}
    group by year, source_file, is_shipped
)

select
    gemeenten.year,
    gemeenten.gm_code,
    gemeenten.name,
    gemeenten.province_code,
    gemeenten.province_name,
    make_date(gemeenten.year, 1, 1) as reference_date,
    gemeenten.source_file
from {{ ref('stg_cbs__gemeenten') }} as gemeenten
inner join ranked_files
    on gemeenten.year = ranked_files.year and gemeenten.source_file = ranked_files.source_file
where ranked_files.file_rank = 1
