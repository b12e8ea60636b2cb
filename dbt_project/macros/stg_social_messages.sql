{#-
    The staging select shared by the four social message tables (one raw schema, ingestion/social/messages.py):
    rename and key only. Platforms, handles, mentions and directions arrive normalised: the loaders normalise them
    once, as they load (both readers of every format, tests/ingestion/social; a handle's pseudonym is computed
    from its normalised form). author_id / author_handle / mentioned_handles / in_reply_to_author_id can name
    citizens: they stay in staging only so intermediate models can tell municipal channels from
    citizens; past staging a citizen is only author_key.
-#}
{% macro stg_social_messages(raw_table) %}
with source as (
    select * from {{ source('social', raw_table) }}
)

select
    source_sha256 || ':' || source_position as message_copy_id,
    platform || ':' || message_id as message_id,
    message_id as platform_message_id,
    platform,
    created_at,
    text as message_text,
    platform || ':' || in_reply_to_id as in_reply_to_message_id,
    platform || ':' || conversation_id as conversation_id,
    platform || ':' || retweeted_id as retweeted_message_id,
    platform || ':' || quoted_id as quoted_message_id,
    is_retweet,
    author_key,
    author_id,
    author_handle,
    in_reply_to_author_id,
    mentions as mentioned_handles,
    channel_account_id,
    channel_handle,
    direction,
    source_system,
    source_file,
    source_position,
    load_id,
    loaded_at
from source
{% endmacro %}
