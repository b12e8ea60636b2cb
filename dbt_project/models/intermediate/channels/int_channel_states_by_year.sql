-- One row per municipality, platform and report year in which the municipality had a channel of that platform
-- (CONTRACT.md §7), with its one state that year:
-- `present` a channel of the platform active that year (active_from through active_to, open-ended when empty)
--           wrote at least one message that year (a post or a reply, Dutch local year);
-- `left`    otherwise, when its last channel of the platform ended (`active_to`) that year: none of its
--           channels of the platform is open-ended, and the latest `active_to` lies in that year;
-- `parked`  otherwise, when it had a channel of the platform active that year (kept, silent).
-- One state per row, so a municipality is counted in at most one of the three. The municipality is the one
-- that ran the channel (the geography of that year, as rpt_theme_year).
with years as (
    select year
    from {{ ref('int_report_years') }}
),

channels as (
    select
        channel_id,
        platform,
        gm_code,
        active_from,
        active_to
    from {{ ref('int_channels_deduplicated') }}
),

writing as (
    -- the channels that wrote a message in a year
    select distinct
        channel_id,
        local_year as year
    from {{ ref('int_messages_addressed') }}
    where is_by_channel
),

active as (
    select
        years.year,
        channels.gm_code,
        channels.platform,
        bool_or(writing.channel_id is not null) as has_written
    from channels
    inner join years
        on
            coalesce(channels.active_from, make_date(years.year, 1, 1)) <= make_date(years.year, 12, 31)
            and coalesce(channels.active_to, make_date(years.year, 12, 31)) >= make_date(years.year, 1, 1)
    left join writing on channels.channel_id = writing.channel_id and years.year = writing.year
    group by years.year, channels.gm_code, channels.platform
),

departures as (
    -- the year a municipality's last channel of a platform ended; none while one of them is open-ended
    select
        gm_code,
        platform,
        year(max(active_to)) as year
    from channels
    group by gm_code, platform
    having count(*) = count(active_to)
),

municipality_years as (
    select
        year,
        gm_code,
        platform
    from active
    union
    select
        departures.year,
        departures.gm_code,
        departures.platform
    from departures
    inner join years on departures.year = years.year
)

select
    municipality_years.gm_code::varchar as gm_code,
    municipality_years.platform::varchar as platform,
    municipality_years.year::integer as year,
    (
        case
            when active.has_written then 'present'
            when departures.year is not null then 'left'
            else 'parked'
        end
    )::varchar as state
from municipality_years
left join active
    on
        municipality_years.year = active.year
        and municipality_years.gm_code = active.gm_code
        and municipality_years.platform = active.platform
left join departures
    on
        municipality_years.year = departures.year
        and municipality_years.gm_code = departures.gm_code
        and municipality_years.platform = departures.platform
