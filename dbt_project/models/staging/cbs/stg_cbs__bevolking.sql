-- One row per municipality per year per loaded CBS population file (shipped and landed).
with source as (
    select * from {{ source('cbs', 'cbs_bevolking') }}
),

renamed as (
    select
        gm_code,
        jaar as year,
        inwoners as inhabitants,
        peilmoment as measured_at_kind,
        source_file,
        source_position,
        source_file like 'shipped:%' as is_shipped,
        loaded_at
    from source
)

select * from renamed
