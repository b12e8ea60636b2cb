-- The messages whose thread, channel or question decision this build recomputes
-- (int_increment_messages_reached: the changed messages, their replies, and the replies below those that do not
-- name their thread), with the thread, channel and day each had in the previous build (`previous_*`, read before
-- int_messages_addressed replaces them), so questions and channel days they leave are recomputed too. Empty in a
-- full build.
-- depends_on: {{ ref('int_increment_messages_reached') }}
{%- set previous = previous_build_of('int_messages_addressed') %}
{% if increment_after() is not none %}
    with touched as (
        select message_id from {{ ref('int_increment_messages_reached') }}
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
