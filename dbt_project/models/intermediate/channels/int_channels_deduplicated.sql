-- One row per municipal channel (platform, account_id): a channel listed in several registry files takes
-- its row from the latest loaded file (then the last line of it). `is_handle_owner` marks, per platform
-- and handle, the one channel a handle resolves to (handle-only exports, mentions): the most recently
-- started one, so a handle passed on to a new account resolves to the new account. A channel on a platform the
-- platform registry (seed `platforms`) lacks is left out: the channels load suite reports its row as an error
-- (`platform_known`), and no platform figure counts it until the registry or the row is fixed.
with ranked as (
    select
        *,
        row_number() over (
            partition by channel_id
            order by
                loaded_at desc,
                source_file desc,
                try_cast(regexp_extract(source_position, '[0-9]+') as integer) desc nulls last
        ) as registry_rank
    from {{ ref('stg_channels__channels') }}
    where platform in (select platforms.platform from {{ ref('platforms') }} as platforms)
),

latest as (
    select *
    from ranked
    where registry_rank = 1
)

select
    latest.channel_id,
    latest.platform,
    latest.account_id,
    latest.handle,
    latest.gm_code,
    latest.theme,
    coalesce(themes.is_theme_channel, latest.theme != 'algemeen') as is_theme_channel,
    latest.active_from,
    latest.active_to,
    latest.handle is not null and row_number() over (
        partition by latest.platform, latest.handle
        order by latest.active_from desc nulls last, latest.channel_id asc
    ) = 1 as is_handle_owner,
    latest.source_file
from latest
left join {{ ref('channel_themes') }} as themes on latest.theme = themes.theme
