-- One merger statement (old code into new code on a date) per loaded CBS file.
with source as (
    select * from {{ source('cbs', 'cbs_herindelingen') }}
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
