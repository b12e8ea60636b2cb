-- One row per municipality and report year, for every municipality that existed at any moment of the
-- year (by that year's geography, also without channels), with its maturity level (CONTRACT.md §4):
-- 0 no channel; 1 present; 2 broadcasting (>= maturity_broadcast_min_messages messages by its channels);
-- 3 conversing (2, at least one question, answer rate >= maturity_converse_min_answer_rate);
-- 4 integrated (3, KCC involved per the survey, median response < maturity_integrated_max_median_hours).
-- Peers by size and response norms (CONTRACT.md §7): inhabitants and size class, questions per 10,000
-- inhabitants, questions answered within 24 hours and within one working day, business response hours,
-- and the year's survey answers.
with measured as (
    select
        *,
        case when questions > 0 then answered / questions end as answer_rate
    from {{ ref('int_municipality_years_measured') }}
),

levels as (
    select
        *,
        case
            when channels = 0 then 0
            when channel_messages < {{ var('maturity_broadcast_min_messages') }} then 1
            when questions = 0 or answer_rate < {{ var('maturity_converse_min_answer_rate') }} then 2
            when not kcc_involved
                or not median_response_hours < {{ var('maturity_integrated_max_median_hours') }} then 3
            else 4
        end as maturity_level
    from measured
)

select
    gm_code::varchar as gm_code,
    year::integer as year,
    existed_on_first_january::boolean as existed_on_first_january,
    has_x::boolean as has_x,
    has_facebook::boolean as has_facebook,
    has_instagram::boolean as has_instagram,
    channels::integer as channels,
    theme_channels::integer as theme_channels,
    channel_messages::integer as channel_messages,
    questions::integer as questions,
    answered::integer as answered,
    answer_rate::double as answer_rate,
    avg_response_hours::double as avg_response_hours,
    median_response_hours::double as median_response_hours,
    kcc_involved::boolean as kcc_involved,
    maturity_level::integer as maturity_level,
    (maturity_level >= 3)::boolean as is_structural,
    inhabitants::bigint as inhabitants,
    inhabitants_basis::varchar as inhabitants_basis,
    (
        case
            when inhabitants < {{ var('size_class_m_min_inhabitants') }} then 'S'
            when inhabitants < {{ var('size_class_l_min_inhabitants') }} then 'M'
            when inhabitants >= {{ var('size_class_l_min_inhabitants') }} then 'L'
        end
    )::varchar as size_class,
    (questions * 10000 / nullif(inhabitants, 0))::double as questions_per_10k,
    answered_within_24h::integer as answered_within_24h,
    (case when questions > 0 then answered_within_24h / questions end)::double as pct_answered_within_24h,
    answered_within_working_day::integer as answered_within_working_day,
    avg_business_response_hours::double as avg_business_response_hours,
    median_business_response_hours::double as median_business_response_hours,
    self_rating::double as self_rating,
    self_reported_structural::boolean as self_reported_structural
from levels
