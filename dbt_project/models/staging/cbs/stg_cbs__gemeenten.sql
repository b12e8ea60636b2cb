-- One row per municipality per loaded CBS list; several lists of one year may exist (shipped and landed).
with source as (
    select * from {{ source('cbs', 'cbs_gemeenten') }}
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
