-- Every question, reply and activity row names a channel of the registry (dim_channel).
with used as (
    select
        'fct_questions' as model,
        question_id as row_id,
        channel_id
    from {{ ref('fct_questions') }}
    union all
    select
        'fct_replies' as model,
        reply_id as row_id,
        channel_id
    from {{ ref('fct_replies') }}
    union all
    select
        'fct_channel_activity' as model,
        activity_date::varchar as row_id,
        channel_id
    from {{ ref('fct_channel_activity') }}
)

select
    used.model,
    used.row_id,
    used.channel_id
from used
left join {{ ref('dim_channel') }} as channels on used.channel_id = channels.channel_id
where channels.channel_id is null
