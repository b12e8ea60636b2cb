-- One registry row of one loaded registry file. A channel listed in several files has several rows here;
-- intermediate models choose one per channel_id (the latest loaded file). The loader (ingestion/channels.py)
-- validates and normalises every value as it loads (GM0363, twitter -> x, handles lowercased without @): passed
-- through here.
with source as (
    select * from {{ source('channels', 'channels') }}
)

select
    source_sha256 || ':' || source_position as registry_row_id,
    platform || ':' || account_id as channel_id,
    platform,
    account_id,
    handle,
    gm_code,
    theme,
    active_from,
    active_to,
    source_file,
    source_position,
    load_id,
    loaded_at
from source
