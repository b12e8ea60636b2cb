"""Dashboard documents: the position tree (rows, charts, markdown, section headers) and native filters."""

from __future__ import annotations

from typing import Any

from .charts import Chart
from .dashboards import Dashboard, NativeFilter


def _element(kind: str, key: str, parents: list[str], meta: dict[str, Any]) -> dict[str, Any]:
    return {"children": [], "id": key, "meta": meta, "parents": parents, "type": kind}


def position(dashboard: Dashboard, chart_ids: dict[str, int]) -> dict[str, Any]:
    """The layout tree: every row and header under the grid, every chart or markdown in its row."""
    grid = ["ROOT_ID", "GRID_ID"]
    tree: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"children": ["GRID_ID"], "id": "ROOT_ID", "type": "ROOT"},
        "GRID_ID": {"children": [], "id": "GRID_ID", "parents": ["ROOT_ID"], "type": "GRID"},
        "HEADER_ID": {"id": "HEADER_ID", "meta": {"text": dashboard.title}, "type": "HEADER"},
    }
    for number, row in enumerate(dashboard.rows, start=1):
        if isinstance(row, str):
            key = f"HEADER-{number}"
            meta = {"text": row, "headerSize": "MEDIUM_HEADER", "background": "BACKGROUND_TRANSPARENT"}
            tree[key] = _element("HEADER", key, grid, meta)
            tree["GRID_ID"]["children"].append(key)
            continue
        row_key = f"ROW-{number}"
        tree[row_key] = _element("ROW", row_key, grid, {"background": "BACKGROUND_TRANSPARENT"})
        tree["GRID_ID"]["children"].append(row_key)
        for column, (item, width, height) in enumerate(row, start=1):
            parents = [*grid, row_key]
            if isinstance(item, Chart):
                key = f"CHART-{item.key}"
                meta = {
                    "chartId": chart_ids[item.uuid],
                    "height": height,
                    "sliceName": item.name,
                    "uuid": item.uuid,
                    "width": width,
                }
                tree[key] = _element("CHART", key, parents, meta)
            else:
                key = f"MARKDOWN-{number}-{column}"
                tree[key] = _element("MARKDOWN", key, parents, {"code": item, "height": height, "width": width})
            tree[row_key]["children"].append(key)
    return tree


def native_filter(spec: NativeFilter, chart_ids: dict[str, int]) -> dict[str, Any]:
    """A native value filter; its scope excludes charts by their position chart id (remapped on import).

    ``latest``: one value, always; the first of the options sorted descending (the latest year with data),
    applied before the charts load (``requiredFirst``).
    """
    if spec.default is None:
        mask: dict[str, Any] = {"extraFormData": {}, "filterState": {}}
    else:
        mask = {
            "extraFormData": {"filters": [{"col": spec.column, "op": "IN", "val": [spec.default]}]},
            "filterState": {"value": [spec.default], "label": spec.default},
        }
    single = spec.default is not None or spec.latest
    controls: dict[str, Any] = {
        "enableEmptyFilter": single,
        "defaultToFirstItem": spec.latest,
        "multiSelect": not single,
        "searchAllOptions": False,
        "inverseSelection": False,
    }
    if spec.latest:
        controls["sortAscending"] = False
    doc: dict[str, Any] = {
        "id": spec.filter_id,
        "name": spec.name,
        "filterType": "filter_select",
        "type": "NATIVE_FILTER",
        "description": spec.description,
        "targets": [{"column": {"name": spec.column}, "datasetUuid": spec.dataset.uuid}],
        "controlValues": controls,
        "defaultDataMask": mask | {"ownState": {}},
        "cascadeParentIds": [],
        "scope": {"rootPath": ["ROOT_ID"], "excluded": [chart_ids[c.uuid] for c in spec.excluded]},
        "tabsInScope": [],
    }
    if spec.latest:
        doc["requiredFirst"] = True
    return doc


def dashboard_doc(dashboard: Dashboard, chart_ids: dict[str, int]) -> dict[str, Any]:
    """A dashboard as Superset's export writes it."""
    return {
        "dashboard_title": dashboard.title,
        "description": None,
        "css": "",
        "slug": dashboard.slug,
        "certified_by": "",
        "certification_details": "",
        "published": True,
        "uuid": dashboard.uuid,
        "position": position(dashboard, chart_ids),
        "metadata": {
            "color_scheme": "supersetColors",
            "cross_filters_enabled": False,
            "refresh_frequency": 0,
            "expanded_slices": {},
            "label_colors": {},
            "shared_label_colors": [],
            "map_label_colors": {},
            "color_scheme_domain": [],
            "timed_refresh_immune_slices": [],
            "default_filters": "{}",
            "chart_configuration": {},
            "global_chart_configuration": {},
            "filter_bar_orientation": "HORIZONTAL",
            "native_filter_configuration": [native_filter(f, chart_ids) for f in dashboard.native_filters],
        },
        "version": "1.0.0",
    }
