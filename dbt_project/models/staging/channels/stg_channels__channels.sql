-- One registry row of one loaded registry file. A channel listed in several files has several rows here;
-- intermediate models choose one per channel_id (the latest loaded file).
with source as (
    select * from {{ source('channels', 'channels') }}
),

normalised as (
    select
        *,
        case lower(trim(platform)) when 'twitter' then 'x' else lower(trim(platform)) end as platform_name
    from source
)

select
    source_sha256 || ':' || source_position as registry_row_id,
    platform_name || ':' || account_id as channel_id,
    platform_name as platform,
    account_id,
    nullif(lower(ltrim(trim(handle), '@')), '') as handle,
    upper(trim(gm_code)) as gm_code,
    lower(trim(theme)) as theme,
    active_from,
    active_to,
    source_file,
    source_position,
    load_id,
    loaded_at
from normalised
