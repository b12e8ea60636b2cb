-- One loaded file of any source (the loaders' registry `raw._files`), with what it loaded and when (`loaded_at`:
-- an incremental build takes the files loaded after the previous one). Load ids stay behind, and the marts carry
-- no load times.
with source as (
    select * from {{ source('lineage', 'files') }}
),

renamed as (
    select
        source_sha256,
        source,
        source_file,
        rows_loaded,
        rows_quarantined,
        loaded_at
    from source
)

select * from renamed
