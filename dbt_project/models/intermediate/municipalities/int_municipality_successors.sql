-- Every code that ever merged, resolved to its current successor: chains A -> B -> C resolve to C.
with recursive mergers as (
    -- one successor per old code: the last loaded statement of the merger wins (the survey loader applies
    -- the same rule to raw at load time: ingestion/survey/matching.py, _MERGERS_SQL)
    select
        old_gm_code,
        new_gm_code,
        merged_on
    from {{ ref('stg_cbs__herindelingen') }}
    qualify row_number() over (partition by old_gm_code order by loaded_at desc, merged_on desc) = 1
),

chains as (
    select
        old_gm_code,
        new_gm_code,
        merged_on,
        1 as depth
    from mergers
    union all
    select
        chains.old_gm_code,
        mergers.new_gm_code,
        chains.merged_on,
        chains.depth + 1 as depth
    from chains
    inner join mergers on chains.new_gm_code = mergers.old_gm_code
    where chains.depth < 20
)

select
    old_gm_code as gm_code,
    merged_on,
    new_gm_code as successor_gm_code,
    depth as merger_steps
from chains
qualify row_number() over (partition by old_gm_code order by depth desc) = 1
