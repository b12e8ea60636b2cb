{#-
    The staging select shared by the four social message tables (one raw schema, ingestion/social/common.py):
    rename, cast and normalise only. author_id / author_handle / mentioned_handles / in_reply_to_author_id
    can name citizens: they stay in staging only so intermediate models can tell municipal channels from
    citizens; past staging a citizen is only author_key.
-#}
{% macro stg_social_messages(raw_table) %}
with source as (
    select * from {{ source('social', raw_table) }}
),

normalised as (
    select
        *,
        case lower(trim(platform)) when 'twitter' then 'x' else lower(trim(platform)) end as platform_name
    from source
)

select
    source_sha256 || ':' || source_position as message_copy_id,
    platform_name || ':' || message_id as message_id,
    message_id as platform_message_id,
    platform_name as platform,
    created_at,
    text as message_text,
    platform_name || ':' || in_reply_to_id as in_reply_to_message_id,
    platform_name || ':' || conversation_id as conversation_id,
    platform_name || ':' || retweeted_id as retweeted_message_id,
    platform_name || ':' || quoted_id as quoted_message_id,
    is_retweet,
    author_key,
    author_id,
    nullif(lower(ltrim(trim(author_handle), '@')), '') as author_handle,
    in_reply_to_author_id,
    list_transform(mentions, lambda h: lower(ltrim(h, '@'))) as mentioned_handles,
    channel_account_id,
    nullif(lower(ltrim(trim(channel_handle), '@')), '') as channel_handle,
    lower(direction) as direction,
    source_system,
    source_file,
    source_position,
    load_id,
    loaded_at
from normalised
{% endmacro %}
