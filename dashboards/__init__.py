"""Superset's dashboards as code: datasets, charts and dashboards in Python, written to ``superset/bundle/``.

``python -m dashboards`` (from the project root, in .venv/pipeline or .venv/bi: it needs only PyYAML) rewrites the
YAML bundle that superset/provision.py imports; ``--check`` only reports whether the committed YAML is current.
The YAML stays committed so the bundle imports without this code (UI, ``superset import-dashboards``), and the
Superset image carries only the YAML. A top-level package, not under superset/: there ``superset`` would be
Superset itself in the bi environment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from .charts import Chart, query_of
from .dashboards import DASHBOARDS
from .datasets import DATASETS, Dataset
from .layout import dashboard_doc

BUNDLE_DIR = Path(__file__).resolve().parent.parent / "superset" / "bundle"
DATABASE_UUID = "74af8a11-5d01-4e7a-b3f8-d084ba39fa80"
DATABASE_FOLDER = "dialoog_warehouse"


def dataset_doc(dataset: Dataset) -> dict[str, Any]:
    """A dataset as Superset's export writes it."""
    return {
        "table_name": dataset.table,
        "schema": dataset.schema,
        "catalog": None,
        "description": dataset.description,
        "main_dttm_col": dataset.main_dttm_col,
        "sql": dataset.sql,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "cache_timeout": None,
        "normalize_columns": False,
        "always_filter_main_dttm": False,
        "extra": None,
        "uuid": dataset.uuid,
        "database_uuid": DATABASE_UUID,
        "version": "1.0.0",
        "metrics": [
            {
                "metric_name": m.name,
                "verbose_name": m.label,
                "metric_type": None,
                "expression": m.expression,
                "description": m.description,
                "d3format": m.d3format,
                "extra": None,
                "warning_text": None,
            }
            for m in dataset.metrics
        ],
        "columns": [
            {
                "column_name": c.name,
                "verbose_name": c.label,
                "type": c.type,
                "is_dttm": c.is_dttm,
                "groupby": True,
                "filterable": True,
                "is_active": True,
                "expression": c.expression,
                "description": c.description,
            }
            for c in dataset.columns
        ],
    }


def chart_doc(chart: Chart) -> dict[str, Any]:
    """A chart with its saved query, as Superset's export writes it."""
    return {
        "slice_name": chart.name,
        "description": chart.description,
        "certified_by": None,
        "certification_details": None,
        "viz_type": chart.viz_type,
        "params": chart.params,
        "query_context": json.dumps(query_of(chart), ensure_ascii=False),
        "cache_timeout": None,
        "uuid": chart.uuid,
        "version": "1.0.0",
        "dataset_uuid": chart.dataset.uuid,
    }


def _dump(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110)


def render() -> dict[str, str]:
    """Every file of the bundle by its path under ``bundle/``."""
    files = {"metadata.yaml": (BUNDLE_DIR / "metadata.yaml").read_text(encoding="utf-8")}
    database = f"databases/{DATABASE_FOLDER}.yaml"
    files[database] = (BUNDLE_DIR / database).read_text(encoding="utf-8")
    for dataset in DATASETS:
        files[f"datasets/{DATABASE_FOLDER}/{dataset.table}.yaml"] = _dump(dataset_doc(dataset))
    charts = [chart for dashboard in DASHBOARDS for chart in dashboard.charts]
    # Position chart ids only link a dashboard's layout to its filters; import replaces them.
    chart_ids = {chart.uuid: number for number, chart in enumerate(charts, start=1)}
    for chart in charts:
        files[f"charts/{chart.key}.yaml"] = _dump(chart_doc(chart))
    for dashboard in DASHBOARDS:
        files[f"dashboards/{dashboard.slug}.yaml"] = _dump(dashboard_doc(dashboard, chart_ids))
    return files


def stale_and_changed(files: dict[str, str]) -> tuple[list[Path], list[str]]:
    """Committed YAML files that are no longer rendered, and rendered files that differ from the committed."""
    stale = [p for p in BUNDLE_DIR.rglob("*.yaml") if p.relative_to(BUNDLE_DIR).as_posix() not in files]
    changed = [
        name
        for name, text in files.items()
        if not (BUNDLE_DIR / name).exists() or (BUNDLE_DIR / name).read_text(encoding="utf-8") != text
    ]
    return stale, changed


def write(files: dict[str, str]) -> None:
    """Make ``bundle/`` hold exactly ``files``."""
    stale, changed = stale_and_changed(files)
    for path in stale:
        path.unlink()
    for name in changed:
        (BUNDLE_DIR / name).parent.mkdir(parents=True, exist_ok=True)
        (BUNDLE_DIR / name).write_text(files[name], encoding="utf-8")
