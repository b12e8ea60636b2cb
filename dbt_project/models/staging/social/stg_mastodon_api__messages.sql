-- One copy of a message in one loaded Mastodon API body (statuses, notifications, contexts). A reply names its
-- parent by an id that is unique on the harvesting server only; the loader turned it into the parent's uri when
-- the parent was in the same body, and kept `<server>/<id>` keys (in_reply_to_key, status_key) for the others:
-- here they are looked up over every loaded API copy, so a reply in a statuses page finds its question in a
-- notifications page. The key carries the server, so the same id on two servers names two statuses.
with messages as (
    {{ stg_social_messages('mastodon_api_messages') }}
),

keys as (
    select
        source_sha256 || ':' || source_position as message_copy_id,
        in_reply_to_key
    from {{ source('social', 'mastodon_api_messages') }}
    where in_reply_to_key is not null
),

statuses as (
    -- one uri per server-local id (a server's id names one status; min() only makes the pick deterministic)
    select
        status_key,
        min(message_id) as parent_uri
    from {{ source('social', 'mastodon_api_messages') }}
    where status_key is not null
    group by status_key
)

select
    messages.* replace (
        coalesce(messages.in_reply_to_message_id, 'mastodon:' || statuses.parent_uri) as in_reply_to_message_id
    )
from messages
left join keys on messages.message_copy_id = keys.message_copy_id
left join statuses on keys.in_reply_to_key = statuses.status_key
