-- What was observed per municipality and report year, the inputs of the maturity level: registry
-- channels active that year (active_from through active_to, open-ended when empty), messages by its
-- channels (posts and replies), its questions and how they were answered, the survey's answers, and its
-- population (CONTRACT.md §7). Response times are summed as exact integer microseconds and divided once,
-- so the averages are the same to the last bit whatever order the rows come in.
with channel_years as (
    select
        municipalities.year,
        municipalities.gm_code,
        count(channels.channel_id) as channels,
        count(channels.channel_id) filter (where channels.is_theme_channel) as theme_channels,
        coalesce(bool_or(channels.platform = 'x'), false) as has_x,
        coalesce(bool_or(channels.platform = 'facebook'), false) as has_facebook,
        coalesce(bool_or(channels.platform = 'instagram'), false) as has_instagram
    from {{ ref('int_municipalities_existing_by_year') }} as municipalities
    left join {{ ref('int_channels_deduplicated') }} as channels
        on
            municipalities.gm_code = channels.gm_code
            and coalesce(channels.active_from, make_date(municipalities.year, 1, 1))
            <= make_date(municipalities.year, 12, 31)
            and coalesce(channels.active_to, make_date(municipalities.year, 12, 31))
            >= make_date(municipalities.year, 1, 1)
    group by all
),

channel_messages as (
    select
        gm_code,
        local_year as year,
        count(*) as channel_messages
    from {{ ref('int_messages_addressed') }}
    where is_by_channel
    group by all
),

questions as (
    select
        questions.gm_code,
        questions.asked_year as year,
        count(*) as questions,
        count(times.question_id) as answered,
        count(*) filter (where times.response_us <= 1440 * 60000000::bigint) as answered_within_24h,
        count(*) filter (
            where times.business_response_us
            <= {{ (var('business_hours_end') - var('business_hours_start')) * 60 }} * 60000000::bigint
        ) as answered_within_working_day,
        sum(times.response_us)::double / (count(times.question_id) * 3600000000::bigint) as avg_response_hours,
        quantile_cont(times.response_us, 0.5) / 3600000000 as median_response_hours,
        sum(times.business_response_us)::double / (count(times.question_id) * 3600000000::bigint)
            as avg_business_response_hours,
        quantile_cont(times.business_response_us, 0.5) / 3600000000 as median_business_response_hours
    from {{ ref('int_questions_identified') }} as questions
    left join {{ ref('int_question_response_times') }} as times on questions.question_id = times.question_id
    group by all
),

survey as (
    select
        survey_year as year,
        gm_code,
        kcc_involved,
        self_rating,
        uses_structurally
    from {{ ref('int_survey_responses_ranked') }}
    where not is_superseded
)

select
    municipalities.year,
    municipalities.gm_code,
    municipalities.existed_on_first_january,
    channel_years.has_x,
    channel_years.has_facebook,
    channel_years.has_instagram,
    channel_years.channels,
    channel_years.theme_channels,
    coalesce(channel_messages.channel_messages, 0) as channel_messages,
    coalesce(questions.questions, 0) as questions,
    coalesce(questions.answered, 0) as answered,
    coalesce(questions.answered_within_24h, 0) as answered_within_24h,
    coalesce(questions.answered_within_working_day, 0) as answered_within_working_day,
    questions.avg_response_hours,
    questions.median_response_hours,
    questions.avg_business_response_hours,
    questions.median_business_response_hours,
    coalesce(survey.kcc_involved, false) as kcc_involved,
    survey.self_rating,
    survey.uses_structurally as self_reported_structural,
    population.inhabitants,
    population.inhabitants_basis
from {{ ref('int_municipalities_existing_by_year') }} as municipalities
inner join channel_years
    on municipalities.year = channel_years.year and municipalities.gm_code = channel_years.gm_code
left join channel_messages
    on municipalities.year = channel_messages.year and municipalities.gm_code = channel_messages.gm_code
left join questions on municipalities.year = questions.year and municipalities.gm_code = questions.gm_code
left join survey on municipalities.year = survey.year and municipalities.gm_code = survey.gm_code
left join {{ ref('int_municipality_population') }} as population
    on municipalities.year = population.year and municipalities.gm_code = population.gm_code
