-- The messages whose thread, channel or question decision this build recomputes: the changed messages, their
-- replies (a reply is addressed to the author of the message it answers, and a reply that does not name its
-- thread takes its parent's), and below those every reply that does not name its thread either (its thread
-- is found by walking up to the first message that names one: int_message_threads). With the thread, channel
-- and day each had in the previous build (`previous_*`, read before int_messages_addressed replaces them), so
-- questions and channel days they leave are recomputed too. Empty in a full build.
-- depends_on: {{ ref('int_increment_messages_changed') }}, {{ ref('int_messages_deduplicated') }}
{%- set previous = previous_build_of('int_messages_addressed') %}
{% if increment_after() is not none %}
    with recursive changed as (
        select message_id from {{ ref('int_increment_messages_changed') }}
    ),

    replies as materialized (
        -- one scan of all messages, probing the (small) changed set
        select
            message_id,
            conversation_id is null as names_no_thread
        from {{ ref('int_messages_deduplicated') }}
        where in_reply_to_message_id in (select changed.message_id from changed)
    ),

    unthreaded_replies as materialized (
        -- the links from a reply that names no thread to its parent, for the walk down (narrow: two keys each;
        -- a tenth of all messages at bench scale 10)
        select
            message_id,
            in_reply_to_message_id
        from {{ ref('int_messages_deduplicated') }}
        where conversation_id is null and in_reply_to_message_id is not null
    ),

    below (message_id) as (
        select message_id from replies
        where names_no_thread
        union
        -- `union`: a message reached twice (or a loop in bad data) is walked once
        select unthreaded_replies.message_id
        from below
        inner join unthreaded_replies on below.message_id = unthreaded_replies.in_reply_to_message_id
    ),

    touched as materialized (
        select message_id from changed
        union
        select message_id from replies
        union
        select message_id from below
    )

    {% if previous is not none -%}
        , previous as (
            -- only the touched messages' rows: a join to all of them would hash every message
            select
                message_id,
                thread_id,
                channel_id,
                local_date
            from {{ previous }}
            where message_id in (select touched.message_id from touched)
        )
    {%- endif %}

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
        left join previous on touched.message_id = previous.message_id
    {%- endif %}
{% else %}
    select
        null::varchar as message_id,
        null::varchar as previous_thread_id,
        null::varchar as previous_channel_id,
        null::date as previous_local_date
    where false
{% endif %}
