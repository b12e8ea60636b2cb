-- Every code that ever merged, resolved to its current successor: chains A -> B -> C resolve to C.
with recursive mergers as (
    -- one successor per old code: the statement in force (the last loaded wins), the CBS loader's rule that
    -- the survey loader reads too (ingestion/cbs.py)
    select
        old_gm_code,
        new_gm_code,
        merged_on
    from {{ ref('stg_cbs__herindelingen_in_force') }}
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
