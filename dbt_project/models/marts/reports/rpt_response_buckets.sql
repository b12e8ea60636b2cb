-- One row per municipality, year, platform and response-time bucket (CONTRACT.md §7): how fast questions
-- were answered, on `response_minutes` to the first reply. Every municipality-year-platform with at least
-- one question has all six buckets, empty ones with 0, so a distribution always shows every bucket;
-- `bucket_order` sorts them from fast to unanswered. '<1h' through '8-24h' add up to
-- rpt_municipality_year.answered_within_24h.
with buckets as (
    select
        unnest(range(1, 7)) as bucket_order,
        unnest(['<1h', '1-4h', '4-8h', '8-24h', '>24h', 'unanswered']) as bucket
),

questions as (
    select
        gm_code,
        asked_year as year,
        platform,
        case
            when not is_answered then 'unanswered'
            when response_minutes < 60 then '<1h'
            when response_minutes < 240 then '1-4h'
            when response_minutes < 480 then '4-8h'
            when response_minutes <= 1440 then '8-24h'
            else '>24h'
        end as bucket
    from {{ ref('fct_questions') }}
),

counted as (
    select
        gm_code,
        year,
        platform,
        bucket,
        count(*) as questions
    from questions
    group by gm_code, year, platform, bucket
),

groups as (
    select distinct
        gm_code,
        year,
        platform
    from questions
)

select
    groups.gm_code::varchar as gm_code,
    groups.year::integer as year,
    groups.platform::varchar as platform,
    buckets.bucket::varchar as bucket,
    buckets.bucket_order::integer as bucket_order,
    coalesce(counted.questions, 0)::integer as questions
from groups
cross join buckets
left join counted
    on
        groups.gm_code = counted.gm_code
        and groups.year = counted.year
        and groups.platform = counted.platform
        and buckets.bucket = counted.bucket
