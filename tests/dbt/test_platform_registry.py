"""A channel registry row on a platform the platform registry lacks (``myspace``): it loads, the channels load
suite reports it as an error naming its file and line, and ``dbt build`` passes, leaving the channel out of
the marts (``dim_channel`` and every figure built on ``int_channels_deduplicated``; a warning on the staging
model says so). Platforms are data: a registry platform without a line of
code for it (``mastodon``) is a channel like any other.
"""

from __future__ import annotations

import json

import pytest

from core import warehouse
from core.settings import Settings
from steps.build import build_warehouse
from steps.load import load_family
from tests.dbt.conftest import query_rows

pytestmark = pytest.mark.e2e

REGISTRY = """gm_code,platform,account_id,handle,theme,active_from,active_to
GM0363,twitter,112233445,@Amsterdam,algemeen,2012-01-01,
GM0363,MySpace,55667788,amsterdam_retro,algemeen,2012-01-01,
GM0363,mastodon,amsterdam@social.overheid.nl,amsterdam@social.overheid.nl,algemeen,2023-05-01,
"""


def test_an_unknown_platform_is_an_error_naming_its_row_and_dbt_builds_without_it(home: Settings) -> None:
    registry = home.landing / "channels" / "kanalen.csv"
    registry.parent.mkdir(parents=True)
    registry.write_text(REGISTRY, encoding="utf-8")
    load_family("cbs", home)
    load_family("channels", home)

    con = warehouse.connect(home)
    try:
        assert con.execute("SELECT platform FROM raw.channels ORDER BY source_position").fetchall() == [
            ("x",), ("myspace",), ("mastodon",)]
        failed = con.execute("SELECT rule, severity, unexpected_count, failing_keys FROM dq.rule_results "
                             "WHERE suite = 'channels' AND NOT success").fetchall()
    finally:
        con.close()
    assert [(rule, severity, count) for rule, severity, count, _ in failed] == [("platform_known", "error", 1)]
    assert json.loads(failed[0][3]) == [{"platform": "myspace", "account_id": "55667788",
                                         "source_file": "channels/kanalen.csv", "source_position": "line 3"}]

    build_warehouse(home)  # raises when dbt build fails

    channels = query_rows(home.warehouse_path, "SELECT channel_id, platform FROM marts.dim_channel ORDER BY 1")
    assert channels == [{"channel_id": "mastodon:amsterdam@social.overheid.nl", "platform": "mastodon"},
                        {"channel_id": "x:112233445", "platform": "x"}]
    results = json.loads((home.home / "dbt" / "target" / "run_results.json").read_text(encoding="utf-8"))
    warned = {r["unique_id"].split(".")[2]: r["failures"] for r in results["results"] if r["status"] == "warn"}
    assert warned == {"relationships_stg_channels__channels_platform__platform__ref_platforms_": 1}
