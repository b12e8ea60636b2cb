-- The messages whose thread, channel or question decision this build recomputes (int_increment_messages_touched
-- adds what each was before): the changed messages, their replies (a reply is addressed to the author of the message
-- it answers, and a reply that does not name its thread takes its parent's), and below those every reply that does
-- not name its thread either (its thread is found by walking up to the first message that names one:
-- int_message_threads). A table of its own so that the model reading the previous build's rows of these messages
-- knows how few they are: in one query DuckDB took the walk's result for the bigger side and hashed all 15 M
-- previous rows at bench scale 10 (3.4 s of an hourly build). Empty in a full build.
-- depends_on: {{ ref('int_increment_messages_changed') }}, {{ ref('int_messages_deduplicated') }}
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

    select message_id from touched
{% else %}
    select null::varchar as message_id
    where false
{% endif %}
