-- One row per municipality of the CBS list in force for each year; which list is in force is the CBS
-- loader's rule (ingestion/cbs.py, the view raw.cbs_gemeenten_in_force), read here and by the survey loader.
with source as (
    select * from {{ source('cbs', 'cbs_gemeenten_in_force') }}
),

renamed as (
    select
        jaar as year,
        gm_code,
        gemeentenaam as name,
        pv_code as province_code,
        provincienaam as province_name,
        source_file,
        source_file like 'shipped:%' as is_shipped,
        loaded_at
    from source
)

select * from renamed
