-- One merger statement per code that merged away: the one in force, by the CBS loader's rule
-- (ingestion/cbs.py, the view raw.cbs_herindelingen_in_force), read here and by the survey loader.
with source as (
    select * from {{ source('cbs', 'cbs_herindelingen_in_force') }}
),

renamed as (
    select
        datum_ingang as merged_on,
        oude_gm_code as old_gm_code,
        nieuwe_gm_code as new_gm_code,
        oude_naam as old_name,
        nieuwe_naam as new_name,
        source_file,
        loaded_at
    from source
)

select * from renamed
