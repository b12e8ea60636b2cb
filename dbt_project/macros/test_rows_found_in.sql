{#-
    Rows of the model whose values of `columns` (none of them null) no row of `to` has, among the rows of `to`
    where `to_where` holds (all, when not given): a `relationships` test over one or several columns, compared
    column by column.
    Why not `relationships` with an expression (`a || ' ' || b`) as its column and field: that computes the
    expression for every row of `to` each build, and finds the matches by hashing all of them: 1.3 s of an hourly
    build at bench scale 10 (15 M messages), whose model side holds a few thousand rows (get_where_subquery). Here
    the rows of `to` are first probed by the first column alone, which DuckDB pushes into the table's scan.
-#}
{% test rows_found_in(model, to, columns, to_where=none) %}
with child as (
    select {{ columns | join(', ') }}
    from {{ model }}
    where {% for column in columns %}{{ column }} is not null{{ ' and ' if not loop.last }}{% endfor %}
),

parent as (
    select {{ columns | join(', ') }}
    from {{ to }}
    where
        {{ columns[0] }} in (select child.{{ columns[0] }} from child)
        {%- if to_where %} and ({{ to_where }}){% endif %}
)

select child.*
from child
where not exists (
    select 1
    from parent
    where {% for column in columns %}parent.{{ column }} = child.{{ column }}{{ ' and ' if not loop.last }}{% endfor %}
)
{% endtest %}
