-- The messages this build's increment brings: every message with a copy loaded after `increment_after`
-- (a new message, a late reply, a message re-delivered in a later file), with its id on its platform (the raw
-- id, which int_messages_deduplicated filters every copy by before it builds the message_id of each). Empty in a
-- full build.
-- depends_on: {% for model in var('social_message_models') %}{{ ref(model) }} {% endfor %}
{% if increment_after() is not none %}
    select distinct
        copies.message_id,
        copies.platform_message_id
    from ({{ social_message_copies('message_id, platform_message_id, loaded_at') }}) as copies
    where copies.loaded_at > '{{ increment_after() }}'::timestamptz
{% else %}
    select
        null::varchar as message_id,
        null::varchar as platform_message_id
    where false
{% endif %}
