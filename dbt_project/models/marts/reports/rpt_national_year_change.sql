-- One row per report year and headline measure of rpt_national_year (CONTRACT.md §7, a project addition):
-- the measure's value, its value in the previous year present in rpt_national_year (`previous_year`; null
-- for the first), and the change (value − previous_value; null when either is null). Counts are given as
-- doubles, like the rates, so one column holds every measure.
{% set measures = [
    "municipalities", "without_x", "pct_with_facebook", "pct_structural", "questions", "answered",
    "answer_rate", "avg_response_hours", "median_response_hours", "pct_comms_responsible",
    "avg_self_rating_comms", "pct_kcc_involved", "pct_self_reported_structural",
] %}
with measured as (
    {% for measure in measures %}
        select
            year,
            {{ loop.index }} as measure_order,
            '{{ measure }}' as measure,
            {{ measure }}::double as value
        from {{ ref('rpt_national_year') }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

with_previous as (
    select
        *,
        lag(year) over (partition by measure order by year) as previous_year,
        lag(value) over (partition by measure order by year) as previous_value
    from measured
)

select
    year::integer as year,
    measure::varchar as measure,
    measure_order::integer as measure_order,
    value::double as value,
    previous_year::integer as previous_year,
    previous_value::double as previous_value,
    (value - previous_value)::double as change
from with_previous
