-- One row per municipal channel in the registry (latest registry file wins), with the municipality that
-- ran it and the code that holds its territory today.
select
    channels.channel_id::varchar as channel_id,
    channels.platform::varchar as platform,
    channels.account_id::varchar as account_id,
    channels.handle::varchar as handle,
    channels.gm_code::varchar as gm_code,
    coalesce(municipalities.successor_gm_code, channels.gm_code)::varchar as current_gm_code,
    channels.theme::varchar as theme,
    channels.is_theme_channel::boolean as is_theme_channel,
    channels.active_from::date as active_from,
    channels.active_to::date as active_to
from {{ ref('int_channels_deduplicated') }} as channels
left join {{ ref('dim_municipality') }} as municipalities on channels.gm_code = municipalities.gm_code
