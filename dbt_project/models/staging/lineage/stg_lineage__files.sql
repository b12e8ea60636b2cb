-- One loaded file of any source (the loaders' registry `raw._files`), with what it loaded. Load ids and
-- times stay behind: the marts carry no run timestamps.
with source as (
    select * from {{ source('lineage', 'files') }}
),

renamed as (
    select
        source_sha256,
        source,
        source_file,
        rows_loaded,
        rows_quarantined
    from source
)

select * from renamed
