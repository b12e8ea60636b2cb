"""The charts of the dashboard bundle, written as compact specifications of Superset chart parameters.

Each helper returns a :class:`Chart` whose ``params`` are what Superset's Explore view saves for that chart
type; :func:`query_of` derives the saved query (``query_context``) from them, so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .datasets import COUNT, HOURS, PCT, Dataset


@dataclass(frozen=True)
class Chart:
    """One chart: a fixed UUID, a Dutch title, its dataset and the Superset parameters."""

    key: str
    uuid: str
    name: str
    dataset: Dataset
    params: dict[str, Any]
    description: str | None = None

    @property
    def viz_type(self) -> str:
        return str(self.params["viz_type"])


def where(subject: str, operator: str, comparator: Any = None) -> dict[str, Any]:
    """A simple WHERE filter as Superset's adhoc filter control writes it."""
    return {
        "clause": "WHERE",
        "expressionType": "SIMPLE",
        "subject": subject,
        "operator": operator,
        "comparator": comparator,
        "filterOptionName": f"filter_{subject}_{operator}".lower().replace(" ", "_"),
        "isExtra": False,
        "isNew": False,
        "sqlExpression": None,
    }


def _base(viz_type: str, filters: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {"datasource": "1__table", "viz_type": viz_type, "adhoc_filters": filters or []}


def _tail() -> dict[str, Any]:
    return {"extra_form_data": {}, "dashboards": []}


def big_number(
    key: str,
    uuid: str,
    name: str,
    dataset: Dataset,
    metric: str,
    subtitle: str,
    fmt: str = COUNT,
    filters: list[dict[str, Any]] | None = None,
) -> Chart:
    """A single figure in large type."""
    params = _base("big_number_total", filters) | {
        "metric": metric,
        "subtitle": subtitle,
        "header_font_size": 0.4,
        "subtitle_font_size": 0.15,
        "show_metric_name": False,
        "y_axis_format": fmt,
        "time_format": "smart_date",
        "force_timestamp_formatting": False,
    }
    return Chart(key, uuid, name, dataset, params | _tail())


def bar(  # noqa: PLR0913 - one argument per chart setting
    key: str,
    uuid: str,
    name: str,
    dataset: Dataset,
    x_axis: str | dict[str, Any],
    metrics: list[str],
    groupby: list[str] | None = None,
    fmt: str = COUNT,
    stack: bool = False,
    filters: list[dict[str, Any]] | None = None,
    share: bool = False,
    description: str | None = None,
) -> Chart:
    """Vertical bars per category (``share``: each bar split into shares that add up to 100 %)."""
    temporal = isinstance(x_axis, dict)
    params = _base("echarts_timeseries_bar", filters) | {
        "x_axis": x_axis["sqlExpression"] if temporal else x_axis,
        "time_grain_sqla": x_axis["timeGrain"] if temporal else None,
        "xAxisForceCategorical": not temporal,
        "x_axis_sort_asc": True,
        # Series in name order (maturity 0-4, Gemeente before Landelijk), whatever the data.
        "sort_series_type": "name",
        "sort_series_ascending": True,
        "metrics": metrics,
        "groupby": groupby or [],
        "contributionMode": "row" if share else None,
        "order_desc": True,
        "row_limit": 1000,
        "truncate_metric": True,
        "show_empty_columns": True,
        "orientation": "vertical",
        "color_scheme": "supersetColors",
        "show_value": True,
        "stack": "Stack" if stack or share else None,
        "only_total": True,
        "show_legend": True,
        "legendType": "plain",
        "legendOrientation": "top",
        "x_axis_time_format": "%d-%m-%Y %H:%M" if temporal else "smart_date",
        "y_axis_format": PCT if share else fmt,
        "y_axis_bounds": [None, None],
        "rich_tooltip": True,
        "tooltipTimeFormat": "smart_date",
    }
    return Chart(key, uuid, name, dataset, params | _tail(), description)


def table(  # noqa: PLR0913 - one argument per chart setting
    key: str,
    uuid: str,
    name: str,
    dataset: Dataset,
    groupby: list[str],
    metrics: list[str],
    filters: list[dict[str, Any]] | None = None,
    page_length: int = 0,
    description: str | None = None,
) -> Chart:
    """A table of metrics per group, sorted by the groups."""
    params = _base("table", filters) | {
        "query_mode": "aggregate",
        "groupby": groupby,
        "metrics": metrics,
        "all_columns": [],
        "percent_metrics": [],
        "timeseries_limit_metric": None,
        "order_by_cols": [],
        "order_desc": False,
        "row_limit": 1000,
        "server_pagination": False,
        "page_length": page_length,
        "include_search": False,
        "show_totals": False,
        "show_cell_bars": False,
        "color_pn": False,
        "table_timestamp_format": "%d-%m-%Y",
    }
    return Chart(key, uuid, name, dataset, params | _tail(), description)


def listing(  # noqa: PLR0913 - one argument per chart setting
    key: str,
    uuid: str,
    name: str,
    dataset: Dataset,
    columns: list[str],
    order_by: list[tuple[str, bool]],
    filters: list[dict[str, Any]] | None = None,
    formats: dict[str, str] | None = None,
    page_length: int = 20,
    description: str | None = None,
    timestamp_format: str = "%d-%m-%Y %H:%M",
    row_limit: int = 1000,
) -> Chart:
    """A table of rows as they are (``order_by``: column and ascending); ``formats``: d3 per column; at most
    ``row_limit`` rows."""
    params = _base("table", filters) | {
        "query_mode": "raw",
        "all_columns": columns,
        "order_by_cols": [f'["{column}", {str(asc).lower()}]' for column, asc in order_by],
        "column_config": {col: {"d3NumberFormat": fmt} for col, fmt in (formats or {}).items()},
        "row_limit": row_limit,
        "server_pagination": False,
        "page_length": page_length,
        "include_search": page_length > 0,
        "show_cell_bars": False,
        "table_timestamp_format": timestamp_format,
        "allow_rearrange_columns": False,
    }
    return Chart(key, uuid, name, dataset, params | _tail(), description)


def pivot(
    key: str,
    uuid: str,
    name: str,
    dataset: Dataset,
    rows: list[str],
    columns: list[str],
    metrics: list[str],
    filters: list[dict[str, Any]] | None = None,
    description: str | None = None,
) -> Chart:
    """A pivot table: ``rows`` down, ``columns`` across, each metric in its dataset format."""
    params = _base("pivot_table_v2", filters) | {
        "groupbyRows": rows,
        "groupbyColumns": columns,
        "metrics": metrics,
        "metricsLayout": "COLUMNS",
        "aggregateFunction": "Sum",
        "rowOrder": "key_a_to_z",
        "colOrder": "key_a_to_z",
        "valueFormat": "SMART_NUMBER",
        "date_format": "smart_date",
        "combineMetric": False,
        "transposePivot": False,
        "rowTotals": False,
        "colTotals": False,
        "rowSubTotals": False,
        "colSubTotals": False,
        "row_limit": 10000,
        "order_desc": True,
        "series_limit": 0,
    }
    return Chart(key, uuid, name, dataset, params | _tail(), description)


def sunburst(
    key: str,
    uuid: str,
    name: str,
    dataset: Dataset,
    levels: list[str],
    metric: str,
    filters: list[dict[str, Any]] | None = None,
    description: str | None = None,
) -> Chart:
    """Rings from the inside out, one per level, sized by the metric."""
    params = _base("sunburst_v2", filters) | {
        "columns": levels,
        "metric": metric,
        "secondary_metric": None,
        "row_limit": 1000,
        "color_scheme": "supersetColors",
        "linear_color_scheme": "superset_seq_1",
        "show_labels": True,
        "show_labels_threshold": 0,
        "show_total": True,
        "label_type": "key",
        "number_format": COUNT,
        "date_format": "smart_date",
    }
    return Chart(key, uuid, name, dataset, params | _tail(), description)


def histogram(
    key: str,
    uuid: str,
    name: str,
    dataset: Dataset,
    column: str,
    bins: int,
    filters: list[dict[str, Any]] | None = None,
    description: str | None = None,
) -> Chart:
    """The distribution of one numeric column in equal bins."""
    params = _base("histogram_v2", filters) | {
        "column": column,
        "groupby": [],
        "bins": bins,
        "normalize": False,
        "cumulative": False,
        "row_limit": 50000,
        "color_scheme": "supersetColors",
        "show_value": False,
        "show_legend": False,
        "x_axis_title": "reactietijd (uur)",
        "y_axis_title": "vragen",
        "x_axis_format": HOURS,
        "y_axis_format": COUNT,
    }
    return Chart(key, uuid, name, dataset, params | _tail(), description)


def bubble(  # noqa: PLR0913 - one argument per chart setting
    key: str,
    uuid: str,
    name: str,
    dataset: Dataset,
    entity: str,
    x: tuple[str, str, str],
    y: tuple[str, str, str],
    size: str,
    filters: list[dict[str, Any]] | None = None,
    description: str | None = None,
) -> Chart:
    """One bubble per ``entity`` at (``x``, ``y``), each a (metric, axis title, d3 format), sized by ``size``."""
    params = _base("bubble_v2", filters) | {
        "entity": entity,
        "x": x[0],
        "y": y[0],
        "size": size,
        "series": None,
        "row_limit": 1000,
        "color_scheme": "supersetColors",
        "show_legend": False,
        "max_bubble_size": "10",
        "opacity": 0.6,
        "x_axis_label": x[1],
        "y_axis_label": y[1],
        # Room between the axis titles and the tick labels (the default 30 px put "antwoordpercentage" over
        # the y axis's percentages).
        "x_axis_title_margin": 30,
        "y_axis_title_margin": 50,
        "xAxisFormat": x[2],
        "y_axis_format": y[2],
        "tooltipSizeFormat": COUNT,
        "truncateXAxis": True,
        "truncateYAxis": True,
        "xAxisLabelRotation": 0,
        "logXAxis": False,
        "logYAxis": False,
    }
    return Chart(key, uuid, name, dataset, params | _tail(), description)


def _query_filters(params: dict[str, Any]) -> list[dict[str, Any]]:
    filters = []
    for adhoc in params["adhoc_filters"]:
        query = {"col": adhoc["subject"], "op": adhoc["operator"]}
        if adhoc["comparator"] is not None:
            query["val"] = adhoc["comparator"]
        filters.append(query)
    return filters


def _columns_and_metrics(params: dict[str, Any]) -> tuple[list[Any], list[str], list[Any]]:
    """What a chart type asks the database for: columns, metrics and order."""
    viz = params["viz_type"]
    if viz == "big_number_total":
        return [], [params["metric"]], []
    if viz == "pivot_table_v2":
        return [*params["groupbyRows"], *params["groupbyColumns"]], list(params["metrics"]), []
    if viz == "sunburst_v2":
        return list(params["columns"]), [params["metric"]], [[params["metric"], False]]
    if viz == "bubble_v2":
        return [params["entity"]], [params["x"], params["y"], params["size"]], []
    if viz == "histogram_v2":
        return [params["column"], *params["groupby"]], [], []
    if viz == "table" and params["query_mode"] == "raw":
        order = [[col, asc] for col, asc in (_parse_order(o) for o in params["order_by_cols"])]
        return list(params["all_columns"]), [], order
    if viz == "table":
        return list(params["groupby"]), list(params["metrics"]), [[col, True] for col in params["groupby"]]
    # A bar chart: the x axis first (as a base axis when it is a time with a grain), then the series.
    x_axis: Any = params["x_axis"]
    if params["time_grain_sqla"]:
        x_axis = {
            "timeGrain": params["time_grain_sqla"],
            "columnType": "BASE_AXIS",
            "sqlExpression": x_axis,
            "label": x_axis,
            "expressionType": "SQL",
        }
    return [x_axis, *params["groupby"]], list(params["metrics"]), [[params["metrics"][0], False]]


def _parse_order(order: str) -> tuple[str, bool]:
    column, asc = order.strip("[]").split(", ")
    return column.strip('"'), asc == "true"


def query_of(chart: Chart) -> dict[str, Any]:
    """The saved query context of a chart: what the chart data API runs for it."""
    columns, metrics, orderby = _columns_and_metrics(chart.params)
    query = {
        "filters": _query_filters(chart.params),
        "extras": {"having": "", "where": ""},
        "applied_time_extras": {},
        "columns": columns,
        "metrics": metrics,
        "orderby": orderby,
        "annotation_layers": [],
        "row_limit": chart.params.get("row_limit", 10),
        "series_limit": 0,
        "order_desc": True,
        "url_params": {},
        "custom_params": {},
        "custom_form_data": {},
        "post_processing": [],
    }
    return {
        "datasource": {"id": 1, "type": "table"},
        "force": False,
        "queries": [query],
        "form_data": chart.params,
        "result_format": "json",
        "result_type": "full",
    }
