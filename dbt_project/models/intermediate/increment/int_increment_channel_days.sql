-- The channel days whose row in fct_channel_activity this build recomputes: the channel and local day of every
-- touched message, now and in the previous build (a message can change channel when its parent arrives). Empty
-- in a full build.
-- depends_on: {{ ref('int_increment_messages_touched') }}, {{ ref('int_messages_addressed') }}
{% if increment_after() is not none %}
    select
        touched.previous_channel_id as channel_id,
        touched.previous_local_date as activity_date
    from {{ ref('int_increment_messages_touched') }} as touched
    where touched.previous_channel_id is not null
    union
    select
        addressed.channel_id,
        addressed.local_date as activity_date
    from {{ ref('int_messages_addressed') }} as addressed
    where
        addressed.channel_id is not null
        and addressed.message_id in (
            select touched.message_id from {{ ref('int_increment_messages_touched') }} as touched
        )
{% else %}
    select
        null::varchar as channel_id,
        null::date as activity_date
    where false
{% endif %}
