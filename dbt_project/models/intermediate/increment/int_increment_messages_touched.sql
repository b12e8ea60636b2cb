-- The messages whose thread, channel or question decision this build recomputes: the changed messages
-- and every reply below them (a new parent can give a reply its thread, or the channel it is addressed
-- to), with the thread, channel and day each had in the previous build (`previous_*`, read before
-- int_messages_addressed replaces them), so questions and channel days they leave are recomputed too.
-- Empty in a full build.
-- depends_on: {{ ref('int_increment_messages_changed') }}, {{ ref('int_messages_deduplicated') }}
{%- set previous = previous_build_of('int_messages_addressed') %}
{% if increment_after() is not none %}
    with recursive replies as materialized (
        -- the links from a reply to its parent, for the walk down (narrow: two keys per reply)
        select
            message_id,
            in_reply_to_message_id
        from {{ ref('int_messages_deduplicated') }}
        where in_reply_to_message_id is not null
    ),

    touched (message_id) as (
        select message_id from {{ ref('int_increment_messages_changed') }}
        union
        -- `union`: a message reached twice (or a loop in bad data) is walked once
        select replies.message_id
        from touched
        inner join replies on touched.message_id = replies.in_reply_to_message_id
    )

    select
        touched.message_id,
        {% if previous is not none -%}
            previous.thread_id as previous_thread_id,
            previous.channel_id as previous_channel_id,
            previous.local_date as previous_local_date
        {%- else -%}
            null::varchar as previous_thread_id,
            null::varchar as previous_channel_id,
            null::date as previous_local_date
        {%- endif %}
    from touched
    {% if previous is not none -%}
        left join {{ previous }} as previous on touched.message_id = previous.message_id
    {%- endif %}
{% else %}
    select
        null::varchar as message_id,
        null::varchar as previous_thread_id,
        null::varchar as previous_channel_id,
        null::date as previous_local_date
    where false
{% endif %}
