"""The committed dashboard bundle is consistent: every UUID reference resolves, saved queries match."""

from __future__ import annotations

import importlib.util
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingestion.settings import PROJECT_ROOT

BUNDLE = PROJECT_ROOT / "superset" / "bundle"


def _load(folder: str) -> dict[str, dict[str, Any]]:
    """The YAML documents of one bundle folder, by UUID."""
    docs = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((BUNDLE / folder).rglob("*.yaml"))]
    assert docs, f"no YAML under {folder}/"
    by_uuid = {str(doc["uuid"]): doc for doc in docs}
    assert len(by_uuid) == len(docs), f"duplicate UUID in {folder}/"
    return by_uuid


def _provision_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "dialoog_provision", PROJECT_ROOT / "superset" / "provision.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bundle() -> dict[str, dict[str, dict[str, Any]]]:
    return {name: _load(name) for name in ("databases", "datasets", "charts", "dashboards")}


def _dashboard_charts(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        el["meta"] for el in dashboard["position"].values() if isinstance(el, dict) and el["type"] == "CHART"
    ]


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
        known = {c["column_name"] for c in dataset["columns"]} | {
            m["metric_name"] for m in dataset["metrics"]
        }
        for query in context["queries"]:
            used = set(query["columns"]) | set(query["metrics"]) | {f["col"] for f in query["filters"]}
            assert used <= known, (chart["slice_name"], used - known)


def test_warehouse_uri_is_filled_in_read_only(tmp_path: Path) -> None:
    provision = _provision_module()
    home = tmp_path / "home"
    first = provision.build_bundle(home, tmp_path / "a.zip")
    provision.build_bundle(home, tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    database = yaml.safe_load(next(v for k, v in first.items() if k.startswith("databases/")))
    assert database["sqlalchemy_uri"] == f"duckdb:///{home}/serving/warehouse.duckdb"
    assert database["sqlalchemy_uri"].startswith("duckdb:////")
    assert database["extra"]["engine_params"]["connect_args"] == {"read_only": True}
    assert not any("${" in text for text in first.values())
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert "dialoog_dashboards/metadata.yaml" in archive.namelist()
