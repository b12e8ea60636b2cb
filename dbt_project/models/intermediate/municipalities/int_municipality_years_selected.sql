-- The municipality list in force for each year (CONTRACT.md §2: a landed list replaces the shipped one for its
-- year, and of several landed lists the last loaded wins). The rule is the CBS loader's, written once in the
-- view that stg_cbs__gemeenten_in_force reads (ingestion/cbs.py); the survey loader reads the same view.
select
    year,
    gm_code,
    name,
    province_code,
    province_name,
    make_date(year, 1, 1) as reference_date,
    source_file
from {{ ref('stg_cbs__gemeenten_in_force') }}
