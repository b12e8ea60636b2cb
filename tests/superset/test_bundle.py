"""The committed dashboard bundle is consistent: every UUID reference resolves, saved queries match."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.settings import PROJECT_ROOT
from dashboards import render, stale_and_changed
from dashboards.dashboards import DASHBOARDS, LANDELIJK
from dashboards.datasets import DATASETS, RPT_PLATFORM_YEAR, Dataset

BUNDLE = PROJECT_ROOT / "superset" / "bundle"


def _load(folder: str) -> dict[str, dict[str, Any]]:
    """The YAML documents of one bundle folder, by UUID."""
    docs = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((BUNDLE / folder).rglob("*.yaml"))]
    assert docs, f"no YAML under {folder}/"
    by_uuid = {str(doc["uuid"]): doc for doc in docs}
    assert len(by_uuid) == len(docs), f"duplicate UUID in {folder}/"
    return by_uuid


def provision_module() -> Any:
    spec = importlib.util.spec_from_file_location("dialoog_provision", PROJECT_ROOT / "superset" / "provision.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bundle() -> dict[str, dict[str, dict[str, Any]]]:
    return {name: _load(name) for name in ("databases", "datasets", "charts", "dashboards")}


def _dashboard_charts(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [el["meta"] for el in dashboard["position"].values() if isinstance(el, dict) and el["type"] == "CHART"]


def test_metadata_declares_the_import_version() -> None:
    metadata = yaml.safe_load((BUNDLE / "metadata.yaml").read_text())
    assert metadata["version"] == "1.0.0"
    assert "type" not in metadata  # so both the dashboard and the assets import accept it


def test_every_uuid_reference_resolves(bundle: dict[str, dict[str, dict[str, Any]]]) -> None:
    all_uuids = [u for docs in bundle.values() for u in docs]
    assert len(all_uuids) == len(set(all_uuids))
    for dataset in bundle["datasets"].values():
        assert str(dataset["database_uuid"]) in bundle["databases"], dataset["table_name"]
    for chart in bundle["charts"].values():
        assert str(chart["dataset_uuid"]) in bundle["datasets"], chart["slice_name"]
    for dashboard in bundle["dashboards"].values():
        for meta in _dashboard_charts(dashboard):
            assert meta["uuid"] in bundle["charts"], (dashboard["dashboard_title"], meta)
            assert meta["sliceName"] == bundle["charts"][meta["uuid"]]["slice_name"]
        for native_filter in dashboard["metadata"].get("native_filter_configuration", []):
            for target in native_filter["targets"]:
                assert target["datasetUuid"] in bundle["datasets"], native_filter["name"]


def test_every_chart_is_on_a_dashboard(bundle: dict[str, dict[str, dict[str, Any]]]) -> None:
    placed = {meta["uuid"] for d in bundle["dashboards"].values() for meta in _dashboard_charts(d)}
    assert placed == set(bundle["charts"])


def test_position_tree_is_well_formed(bundle: dict[str, dict[str, dict[str, Any]]]) -> None:
    for dashboard in bundle["dashboards"].values():
        position = dashboard["position"]
        for key, element in position.items():
            if not isinstance(element, dict) or element["type"] in ("ROOT", "HEADER"):
                continue
            assert element["id"] == key
            assert element["parents"][-1] in position and key in position[element["parents"][-1]]["children"]


def test_saved_queries_match_the_chart_settings(bundle: dict[str, dict[str, dict[str, Any]]]) -> None:
    """The saved query (used by the chart data API and reports) must ask what the chart shows."""
    for chart in bundle["charts"].values():
        context = json.loads(chart["query_context"])
        assert context["form_data"] == chart["params"], chart["slice_name"]
        assert chart["params"]["viz_type"] == chart["viz_type"]
        dataset = bundle["datasets"][str(chart["dataset_uuid"])]
        known = {c["column_name"] for c in dataset["columns"]} | {m["metric_name"] for m in dataset["metrics"]}
        for query in context["queries"]:
            columns = {c["sqlExpression"] if isinstance(c, dict) else c for c in query["columns"]}
            used = columns | set(query["metrics"]) | {f["col"] for f in query["filters"]}
            assert used <= known, (chart["slice_name"], used - known)


def test_warehouse_uri_is_filled_in_read_only(tmp_path: Path) -> None:
    provision = provision_module()
    home = tmp_path / "home"
    first = provision.build_bundle(home, tmp_path / "a.zip")
    provision.build_bundle(home, tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    database = yaml.safe_load(next(v for k, v in first.items() if k.startswith("databases/")))
    assert database["sqlalchemy_uri"] == f"duckdb:///{home}/serving/warehouse.duckdb"
    assert database["sqlalchemy_uri"].startswith("duckdb:////")
    assert database["extra"]["engine_params"]["connect_args"]["read_only"] is True
    assert not any("${" in text for text in first.values())
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert "dialoog_dashboards/metadata.yaml" in archive.namelist()


def test_bundle_is_written_from_its_source() -> None:
    """The committed YAML is what ``python -m dashboards`` writes (run it after an edit)."""
    stale, changed = stale_and_changed(render())
    assert (stale, changed) == ([], [])


def _mart_columns() -> dict[str, set[str]]:
    """Every mart's columns as its dbt YAML declares them (the enforced contracts)."""
    columns: dict[str, set[str]] = {}
    for path in (PROJECT_ROOT / "dbt_project" / "models" / "marts").rglob("*.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            columns[model["name"]] = {c["name"] for c in model.get("columns", [])}
    return columns


def test_dataset_columns_exist_in_the_mart_contracts() -> None:
    marts = _mart_columns()
    for dataset in DATASETS:
        if dataset.schema != "marts" or dataset.sql is not None:
            continue
        physical = {c.name for c in dataset.columns if c.expression is None}
        assert physical <= marts[dataset.table], (dataset.table, physical - marts[dataset.table])


def _chart_fields(params: dict[str, Any]) -> tuple[set[str], set[str]]:
    """The columns and saved metrics a chart's settings name."""
    columns: set[str] = set()
    for key in ("groupby", "all_columns", "columns", "groupbyRows", "groupbyColumns"):
        columns |= set(params.get(key) or [])
    columns |= {params[key] for key in ("x_axis", "column", "entity") if params.get(key)}
    columns |= {f["subject"] for f in params["adhoc_filters"]}
    metrics = set(params.get("metrics") or [])
    if params["viz_type"] == "bubble_v2":
        metrics |= {params["x"], params["y"], params["size"]}
    metrics |= {params["metric"]} if params.get("metric") else set()
    return columns, metrics


def test_every_chart_names_columns_and_metrics_of_its_dataset() -> None:
    marts = _mart_columns()
    for dashboard in DASHBOARDS:
        for chart in dashboard.charts:
            columns, metrics = _chart_fields(chart.params)
            dataset = chart.dataset
            known = {c.name for c in dataset.columns}
            assert columns <= known, (chart.name, columns - known)
            assert metrics <= {m.name for m in dataset.metrics}, chart.name
            # A column straight from a mart must be in that mart's contract.
            if dataset.schema == "marts" and dataset.sql is None:
                plain = {c.name for c in dataset.columns if c.expression is None and c.name in columns}
                assert plain <= marts[dataset.table], chart.name


def test_native_filters_reach_every_chart_in_scope() -> None:
    """A filter on a column that a chart's dataset lacks would be dropped silently for that chart."""
    for dashboard in DASHBOARDS:
        for native_filter in dashboard.native_filters:
            assert native_filter.column in {c.name for c in native_filter.dataset.columns}
            for chart in dashboard.charts:
                if chart not in native_filter.excluded:
                    names = {c.name for c in chart.dataset.columns}
                    assert native_filter.column in names, (dashboard.title, chart.name)


def _tables_read(dataset: Dataset) -> set[str]:
    """The warehouse tables a dataset reads: its own, its SQL's and its calculated columns' subqueries."""
    texts = [dataset.sql or f"{dataset.schema}.{dataset.table}"] + [c.expression or "" for c in dataset.columns]
    return {m.group(2) for text in texts for m in re.finditer(r"\b(marts|dq)\.(\w+)", text)}


def test_dbt_exposures_name_what_each_dashboard_reads() -> None:
    path = PROJECT_ROOT / "dbt_project" / "models" / "exposures" / "_dashboards__exposures.yml"
    exposures = {e["name"]: e for e in yaml.safe_load(path.read_text(encoding="utf-8"))["exposures"]}
    for dashboard in DASHBOARDS:
        exposure = exposures[dashboard.slug.replace("-", "_")]
        assert exposure["label"] == dashboard.title and exposure["type"] == "dashboard"
        assert exposure["url"] == f"http://localhost:8088/superset/dashboard/{dashboard.slug}/"
        datasets = [c.dataset for c in dashboard.charts] + [f.dataset for f in dashboard.native_filters]
        read = set().union(*(_tables_read(d) for d in datasets))
        named = {re.search(r"'(\w+)'\)$", ref).group(1) for ref in exposure["depends_on"]}
        assert named == read, (dashboard.slug, named ^ read)


def test_auditors_may_query_the_lineage_route_without_citizen_data() -> None:
    """The Auditor's marts tables (superset/provision.py) are those of docs/lineage.md's query, and none of them
    holds citizen data, so an auditor can trace a figure to its files in SQL Lab."""
    provision = provision_module()
    tables = {d.uuid: d.table for d in DATASETS if d.schema == "marts" and d.sql is None}
    granted = {tables[uuid] for uuid in provision.ROLE_DATASETS["Auditor"]}
    lineage = (PROJECT_ROOT / "docs" / "lineage.md").read_text(encoding="utf-8")
    query = re.search(r"## Tracing a figure to its files.*?```sql\n(.*?)```", lineage, re.S).group(1)
    assert granted == set(re.findall(r"\bmarts\.(\w+)", query))
    marts = _mart_columns()
    for table in granted:
        assert not marts[table] & {"citizen_key", "author_key", "message_text"}, table


def _registry_platforms() -> list[str]:
    """The platform codes of the platform registry (the dbt seed), in its order."""
    path = PROJECT_ROOT / "dbt_project" / "seeds" / "reference" / "platforms.csv"
    with path.open(encoding="utf-8") as lines:
        return [row["platform"] for row in csv.DictReader(lines)]


def test_platform_charts_take_every_platform_from_the_registry() -> None:
    """The national dashboard shows per platform and year the municipalities with a channel, those present, parked
    and left, and answer rate and response time (rpt_platform_year), each platform by its registry name
    (dim_platform): a platform added to the registry appears without a change to the dashboards."""
    charts = {chart.key: chart for chart in LANDELIJK.charts}
    for key, metrics in (
        ("platforms", ["gemeenten"]),
        ("kanaalstatus", ["aanwezig", "geparkeerd", "vertrokken"]),
        ("platform_antwoord", ["vragen", "antwoordpercentage", "mediaan_reactietijd"]),
    ):
        chart = charts[key]
        assert chart.dataset is RPT_PLATFORM_YEAR, key
        assert chart.params["metrics"] == metrics, key
        assert "platform_naam" in (chart.params.get("groupby") or chart.params.get("groupbyRows")), key
        assert "jaar" in (chart.params.get("x_axis"), *chart.params.get("groupbyColumns", [])), key
        assert not chart.params["adhoc_filters"], key  # no platform chosen or left out
    name = next(c for c in RPT_PLATFORM_YEAR.columns if c.name == "platform_naam")
    assert "marts.dim_platform" in name.expression
    metric = {m.name: m.expression for m in RPT_PLATFORM_YEAR.metrics}
    assert (metric["aanwezig"], metric["geparkeerd"], metric["vertrokken"]) == (
        "SUM(present)", "SUM(parked)", 'SUM("left")')
    # No platform list anywhere in the datasets' SQL or the charts' filters: no registry code as a SQL literal.
    texts = [d.sql or "" for d in DATASETS]
    texts += [c.expression or "" for d in DATASETS for c in d.columns]
    texts += [m.expression for d in DATASETS for m in d.metrics]
    texts += [json.dumps(chart.params["adhoc_filters"]) for dashboard in DASHBOARDS for chart in dashboard.charts]
    for code in _registry_platforms():
        assert not [text for text in texts if f"'{code}'" in text], code
