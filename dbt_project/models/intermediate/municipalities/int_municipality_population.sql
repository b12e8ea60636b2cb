-- One population figure per municipality and year (CONTRACT.md §7): CBS's population on 1 January of the
-- year, else the year's average population (the shipped figures of 2019–2023). Of several figures for one
-- municipality and year, a 1 January figure beats an average; then a landed file beats the shipped one,
-- the last loaded file an earlier one, and the later line of a file an earlier one. A landed file without
-- `peilmoment` (CONTRACT.md §2: `gm_code, jaar, inwoners`) gives 1 January figures.
with figures as (
    select
        gm_code,
        year,
        inhabitants,
        case
            when lower(measured_at_kind) like '%gemiddeld%' then 'gemiddeld' else '1 januari'
        end as inhabitants_basis,
        is_shipped,
        loaded_at,
        source_file,
        try_cast(regexp_extract(source_position, '[0-9]+') as integer) as source_line
    from {{ ref('stg_cbs__bevolking') }}
    where inhabitants is not null
),

ranked as (
    select
        *,
        row_number() over (
            partition by gm_code, year
            order by
                inhabitants_basis = '1 januari' desc,
                is_shipped asc,
                loaded_at desc,
                source_file desc,
                source_line desc nulls last
        ) as figure_rank
    from figures
)

select
    gm_code,
    year,
    inhabitants,
    inhabitants_basis
from ranked
where figure_rank = 1
