-- A reply comes after its question. A negative time means a copy with whole-minute times (webcare) met
-- one with seconds, or a clock error in an export: worth a look, not a reason to stop the build.
{{ config(severity='warn') }}
select
    reply_id,
    question_id,
    response_minutes
from {{ ref('fct_replies') }}
where response_minutes < 0
