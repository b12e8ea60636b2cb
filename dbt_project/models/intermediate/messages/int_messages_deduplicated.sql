-- One row per message (platform, message_id) across every export format. Where copies differ, the
-- platform's own export (X API, X archive, Facebook Graph) wins over a webcare-tool export; among copies
-- of one kind the latest loaded wins. The webcare copy still tells which channel the message was
-- exported for and its direction. Citizen identity leaves this model only as `author_key`: clear ids,
-- handles and mentions are resolved here to the channel ids they point to.
-- Incremental: a build recomputes the messages with a copy loaded since the last one
-- (int_increment_messages_changed): a message's row depends on its own copies and the channel registry only.
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_touched',
        touched_model='int_increment_messages_changed',
        touched_key='message_id'
    )
}}
-- depends_on: {{ ref('int_increment_messages_changed') }}
-- The changed messages' copies are read three times below (ranking, winners, mentions). In an incremental build
-- they are a few thousand, found by one scan of every copy: materialized. In a full build they are every copy:
-- not materialized, each reader takes only its columns (materializing whole copies spilled gigabytes).
with copies as {{ 'materialized' if is_incremental() else 'not materialized' }} (
    select *
    from ({{ social_message_copies() }}) as all_copies
    where
        {{ touched_only('all_copies.message_id', 'int_increment_messages_changed') }}
        -- in an incremental build the same copies by their raw id too: that probe is pushed into the scan of each raw
        -- table, before message_id is built for every copy (1.3 s of an hourly build at bench scale 10)
        and {{ touched_only('all_copies.platform_message_id', 'int_increment_messages_changed', 'platform_message_id') }}
),

ranked as materialized (
    -- One row per message, from the copies' keys alone: the winning copy, how many copies there are, and what
    -- the latest webcare copy says. Copies in order of preference: the platform's own export before a webcare
    -- copy, then the latest loaded; webcare copies come after the platform's, so the first webcare copy in
    -- that order is the latest one. A window over narrow rows, which spills to DuckDB's temp files under the
    -- memory ceiling (an aggregate keeping a struct per message held its states in memory: 540 MB at scale 1).
    select
        message_copy_id,
        source_system,
        count(*) over (partition by message_id) as copies,
        first_value(
            case
                when source_system = 'webcare_csv'
                    then struct_pack(channel_handle := channel_handle, direction := direction)
            end ignore nulls
        ) over (
            by_preference rows between unbounded preceding and unbounded following
        ) as latest_webcare_copy
    from copies
    window
        by_preference as (
            partition by message_id
            order by source_system = 'webcare_csv' asc, loaded_at desc, message_copy_id desc
        )
    qualify row_number() over by_preference = 1
),

winners as not materialized (
    -- A copy is one row of one source (message_copy_id is unique per source, tested in staging). Not
    -- materialized: each reader takes only its columns (materializing whole copies spilled gigabytes). The
    -- whole copies are only ever the probe side of this join: a hash table of them (a join that put them on
    -- its build side) did not fit the memory ceiling at scale 10.
    select
        copies.*,
        ranked.copies,
        -- the channel a webcare tool exported the message for, and as which direction
        struct_extract(ranked.latest_webcare_copy, 'channel_handle') as webcare_channel_handle,
        struct_extract(ranked.latest_webcare_copy, 'direction') as webcare_direction
    from copies
    inner join ranked
        on copies.message_copy_id = ranked.message_copy_id and copies.source_system = ranked.source_system
),

mentioned as (
    select
        message_id,
        platform,
        unnest(mentioned_handles) as handle,
        generate_subscripts(mentioned_handles, 1) as position
    from winners
),

channels as (
    select
        channel_id,
        platform,
        account_id,
        handle,
        is_handle_owner
    from {{ ref('int_channels_deduplicated') }}
),

mention_keys as (
    -- what a mention names: the handle of the channel that owns it, or an account id that is a DID (a Bluesky
    -- mention facet carries the DID, the registry's account_id; no X or Facebook mention holds a ':')
    select
        channel_id,
        platform,
        handle as mention_key
    from channels
    where is_handle_owner
    union all
    select
        channel_id,
        platform,
        account_id as mention_key
    from channels
    where starts_with(account_id, 'did:')
),

first_mentioned as (
    -- the first handle (or DID) in the text that is a channel of the same platform
    select
        mentioned.message_id,
        arg_min(mention_keys.channel_id, mentioned.position) as channel_id
    from mentioned
    inner join mention_keys
        on
            mentioned.platform = mention_keys.platform
            and mentioned.handle = mention_keys.mention_key
    group by mentioned.message_id
)

select
    winners.message_id,
    winners.platform,
    winners.platform_message_id,
    winners.created_at,
    winners.message_text,
    winners.in_reply_to_message_id,
    winners.conversation_id,
    winners.is_retweet
    or winners.retweeted_message_id is not null
    or coalesce(winners.message_text, '') like 'RT @%' as is_retweet,
    winners.author_key,
    coalesce(
        by_id.channel_id,
        by_handle.channel_id,
        case when winners.webcare_direction = 'uitgaand' then webcare_channel.channel_id end
    ) as author_channel_id,
    replied_account.channel_id as replied_channel_id,
    -- the page or account whose post a Graph comment is on (Facebook page, Instagram media owner)
    case
        when winners.source_system in ('facebook_graph', 'instagram_graph') then page.channel_id
    end as page_channel_id,
    case when winners.webcare_direction = 'inkomend' then webcare_channel.channel_id end as webcare_inbound_channel_id,
    first_mentioned.channel_id as mentioned_channel_id,
    winners.source_system,
    winners.copies
from winners
left join first_mentioned on winners.message_id = first_mentioned.message_id
left join channels as by_id
    on winners.platform = by_id.platform and winners.author_id = by_id.account_id
left join channels as by_handle
    on
        winners.author_id is null
        and winners.platform = by_handle.platform
        and winners.author_handle = by_handle.handle
        and by_handle.is_handle_owner
left join channels as replied_account
    on winners.platform = replied_account.platform and winners.in_reply_to_author_id = replied_account.account_id
left join channels as page
    on winners.platform = page.platform and winners.channel_account_id = page.account_id
left join channels as webcare_channel
    on
        winners.platform = webcare_channel.platform
        and winners.webcare_channel_handle = webcare_channel.handle
        and webcare_channel.is_handle_owner
