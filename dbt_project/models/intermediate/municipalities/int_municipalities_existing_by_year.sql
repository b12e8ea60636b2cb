-- Every municipality that existed at any moment of a report year, by the geography of that year: the
-- CBS list of 1 January, plus codes a merger created later in the year (as Amsterdam's 2022 merger with
-- Weesp would, had it made a new code). `existed_on_first_january` marks the ones in the 1 January list.
with listed as (
    select
        lists.year,
        lists.gm_code,
        true as existed_on_first_january
    from {{ ref('int_municipality_years_selected') }} as lists
    inner join {{ ref('int_report_years') }} as years on lists.year = years.year
),

created_during_year as (
    select distinct
        years.year,
        mergers.new_gm_code as gm_code,
        false as existed_on_first_january
    from {{ ref('stg_cbs__herindelingen') }} as mergers
    inner join {{ ref('int_report_years') }} as years
        on
            mergers.merged_on > make_date(years.year, 1, 1)
            and mergers.merged_on <= make_date(years.year, 12, 31)
)

select * from listed
union all
select * from created_during_year
where not exists (
        select 1
        from listed
        where listed.year = created_during_year.year and listed.gm_code = created_during_year.gm_code
    )
