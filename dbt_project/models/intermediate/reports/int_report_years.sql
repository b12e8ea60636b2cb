-- The years the report tables cover: the years for which messages were collected — at least one post
-- by a municipal channel (a message that replies to nothing) or one question — or the survey has
-- responses, and for which a CBS municipality list is loaded. Replies and follow-ups that spill into the
-- first days of the next year do not open that year on their own, and neither does the registry: an
-- open-ended channel is active in every year, and a year without collected messages would report no
-- questions and 0 % structural for lack of data, not for lack of conversation.
with observed as (
    select local_year as year
    from {{ ref('int_messages_addressed') }}
    where is_by_channel and in_reply_to_message_id is null
    union
    select asked_year as year
    from {{ ref('int_questions_identified') }}
    union
    select survey_year as year
    from {{ ref('int_survey_responses_ranked') }}
    where not is_superseded
)

select distinct observed.year::integer as year
from observed
inner join {{ ref('int_municipality_years_selected') }} as lists on observed.year = lists.year
