-- One row per platform of the platform registry (seed `platforms`): its code, its name on dashboards and its
-- place in lists, so dashboards list every platform from the registry and none from their own code.
select
    platform::varchar as platform,
    display_name::varchar as display_name,
    sort_order::integer as sort_order
from {{ ref('platforms') }}
