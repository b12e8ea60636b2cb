-- One row per theme other than `algemeen` and report year (CONTRACT.md §7): theme channels (crisis, KCC,
-- council, ...) active that year (active_from through active_to, open-ended when empty), the municipalities
-- running at least one, and the questions addressed to them. Every theme of the seed `channel_themes` has a
-- row in every report year (counts 0).
with themes as (
    select theme
    from {{ ref('channel_themes') }}
    where is_theme_channel
),

years as (
    select year
    from {{ ref('int_report_years') }}
),

active_channels as (
    select
        years.year,
        channels.theme,
        count(*) as channels,
        count(distinct channels.gm_code) as municipalities
    from {{ ref('dim_channel') }} as channels
    inner join years
        on
            coalesce(channels.active_from, make_date(years.year, 1, 1)) <= make_date(years.year, 12, 31)
            and coalesce(channels.active_to, make_date(years.year, 12, 31)) >= make_date(years.year, 1, 1)
    group by years.year, channels.theme
),

questions as (
    select
        questions.asked_year as year,
        channels.theme,
        count(*) as questions,
        count(*) filter (where questions.is_answered) as answered
    from {{ ref('fct_questions') }} as questions
    inner join {{ ref('dim_channel') }} as channels on questions.channel_id = channels.channel_id
    group by questions.asked_year, channels.theme
)

select
    themes.theme::varchar as theme,
    years.year::integer as year,
    coalesce(active_channels.municipalities, 0)::integer as municipalities,
    coalesce(active_channels.channels, 0)::integer as channels,
    coalesce(questions.questions, 0)::integer as questions,
    coalesce(questions.answered, 0)::integer as answered,
    (questions.answered / nullif(questions.questions, 0))::double as answer_rate
from themes
cross join years
left join active_channels on themes.theme = active_channels.theme and years.year = active_channels.year
left join questions on themes.theme = questions.theme and years.year = questions.year
