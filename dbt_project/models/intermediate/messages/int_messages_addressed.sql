-- Every message with the channel it belongs to: the channel that wrote it, or for a message by anyone
-- else the channel it is addressed to (CONTRACT.md §3, inbound message). Of several addressed channels
-- the most specific wins: the author of the message replied to, the account replied to (X), the page
-- commented on (Facebook), the channel a webcare tool exported it for as `inkomend`, the first channel
-- mentioned. A message neither by nor to a channel keeps a null channel (e.g. citizens among themselves).
-- Local day and year are Europe/Amsterdam (CONTRACT.md §3).
-- Incremental: a build recomputes the touched messages (a new parent can change a reply's channel or thread).
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_touched',
        touched_model='int_increment_messages_touched',
        touched_key='message_id'
    )
}}
-- depends_on: {{ ref('int_increment_messages_touched') }}
with messages as (
    select * from {{ ref('int_messages_deduplicated') }}
    where {{ touched_only('message_id') }}
),

replied_to as (
    -- the channel (if any) that wrote each message replied to. Narrow on purpose: joining whole messages
    -- to whole messages built a hash table of wide rows, out of memory under 1 GB at scale 10.
    select
        message_id,
        author_channel_id
    from {{ ref('int_messages_deduplicated') }}
    where message_id in (select replies.in_reply_to_message_id from messages as replies)
),

addressed as (
    select
        messages.*,
        coalesce(messages.conversation_id, threads.thread_id) as thread_id,
        messages.author_channel_id is not null as is_by_channel,
        coalesce(
            parents.author_channel_id,
            messages.replied_channel_id,
            messages.page_channel_id,
            messages.webcare_inbound_channel_id,
            messages.mentioned_channel_id
        ) as addressed_candidate
    from messages
    left join replied_to as parents on messages.in_reply_to_message_id = parents.message_id
    -- only the messages that do not name their thread are in int_message_threads
    left join {{ ref('int_message_threads') }} as threads on messages.message_id = threads.message_id
)

select
    addressed.message_id,
    addressed.platform,
    addressed.created_at,
    timezone('Europe/Amsterdam', addressed.created_at)::date as local_date,
    year(timezone('Europe/Amsterdam', addressed.created_at))::integer as local_year,
    addressed.message_text,
    addressed.in_reply_to_message_id,
    addressed.thread_id,
    addressed.is_retweet,
    addressed.author_key,
    addressed.is_by_channel,
    not addressed.is_by_channel and addressed.addressed_candidate is not null as is_inbound,
    case
        when addressed.is_by_channel then addressed.author_channel_id else addressed.addressed_candidate
    end as channel_id,
    channels.gm_code,
    addressed.source_system
from addressed
left join {{ ref('int_channels_deduplicated') }} as channels
    on
        channels.channel_id
        = case when addressed.is_by_channel then addressed.author_channel_id else addressed.addressed_candidate end
