"""The benchmark code on a tiny hand-made landing zone: every format read three ways, the results file.

No timings are asserted (the benchmark is ``make bench``); only that each method reads the messages.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.__main__ import BEGIN, END, write_results
from bench.formats import FORMATS
from bench.machine import describe
from bench.report import render
from bench.run import ScaleResult, _env, measure_loads
from core.settings import Settings
from tests.conftest import FIXTURES

LANDING = FIXTURES / "warehouse" / "landing"
#: The formats of issue [platforms], benchmarked on copies of their loaders' fixtures (tests/fixtures/<source>/),
#: kept apart from the warehouse scenario above, whose marts the dbt tests check value by value.
NEW_FORMATS = ("instagram_graph", "mastodon_api", "mastodon_archive", "bluesky")
NEW_LANDING = FIXTURES / "bench" / "landing"


def _land(home: Settings) -> None:
    shutil.copytree(LANDING, home.landing)
    shutil.copytree(NEW_LANDING, home.landing, dirs_exist_ok=True)


def test_every_format_is_measured_three_ways(home: Settings) -> None:
    _land(home)
    result = ScaleResult(scale=0)
    measure_loads(home.home, result)

    assert set(result.loads) == set(FORMATS)
    for fmt, runs in result.loads.items():
        assert set(runs) == {"ours", "floor", "peer"}
        assert runs["ours"]["rows"] > 0, fmt
        assert all(run["peak_rss_mb"] > 0 for run in runs.values())
    # The floor and the peer read the same messages as ours where the formats map one to one.
    for fmt in ("x_api", "facebook_graph", "x_archive", *NEW_FORMATS):
        assert result.loads[fmt]["floor"]["rows"] >= result.loads[fmt]["ours"]["rows"], fmt
    assert result.loads["webcare_csv"]["peer"]["rows"] == result.loads["webcare_csv"]["floor"]["rows"]
    assert sorted(p.relative_to(home.landing) for p in home.landing.rglob("*")) == sorted(
        p.relative_to(root) for root in (LANDING, NEW_LANDING) for p in root.rglob("*")
    ), "the landing zone is left as it was"


def test_the_new_formats_floor_and_peer_read_the_messages_ours_reads(home: Settings) -> None:
    """The floor and the peer of each new format read the same message objects (the floor, like the peer, keeps a
    post a file holds twice: a Bluesky feed lists a thread's root under every reply); ours loads each of them once
    per file, and a bad item is rejected by ours, counted by the others."""
    _land(home)
    result = ScaleResult(scale=0)
    measure_loads(home.home, result, NEW_FORMATS)

    counted = {fmt: {m: int(run["rows"]) for m, run in runs.items()} for fmt, runs in result.loads.items()}
    assert counted == {
        "instagram_graph": {"ours": 11, "floor": 12, "peer": 12},  # one comment with an unusable timestamp rejected
        "mastodon_api": {"ours": 14, "floor": 14, "peer": 14},
        "mastodon_archive": {"ours": 3, "floor": 3, "peer": 3},
        "bluesky": {"ours": 16, "floor": 18, "peer": 18},  # two posts a second time in their file
    }


def test_results_file_keeps_what_is_outside_the_markers(tmp_path: Path) -> None:
    result = ScaleResult(scale=1, files={"x_api": 2}, megabytes={"x_api": 0.1},
                         loads={"x_api": {m: {"seconds": 2.0, "rows": 100, "peak_rss_mb": 150.0}
                                          for m in ("ours", "floor", "peer")}},
                         dags={"end to end": 30.0}, tasks={"dbt build": 12.0})
    bigger = ScaleResult(scale=10, files=result.files, megabytes=result.megabytes, loads=result.loads,
                         dags={"end to end": 90.0}, tasks={"dbt build": 40.0}, pipeline_peak_rss_mb=800.0,
                         dashboards={"charts": {"Vragen per jaar": 0.4, "Kanalen": 0.2}, "max": 0.4, "median": 0.3})
    out = tmp_path / "benchmarks.md"
    out.write_text("# Benchmarks\n\nHand-written analysis.\n", encoding="utf-8")

    write_results(out, render([result, bigger], describe()))
    both = out.read_text(encoding="utf-8")
    assert "| Vragen per jaar | 0.40 |" in both and "slowest **0.40 s**" in both and "**800 MB**" in both
    write_results(out, render([result], describe()))
    text = out.read_text(encoding="utf-8")

    assert text.count(BEGIN) == 1 and text.count(END) == 1
    assert "Hand-written analysis." in text
    assert "| x_api | 2 | 0.1 | 100 | 2.00 | 50 |" in text
    assert "1.00×" in text and "Growth" not in text
    assert "cores" in text


def test_whole_file_parse_gives_what_the_stream_gives(home: Settings, monkeypatch) -> None:
    """The loaders' fast path for small JSON pages (one parse per file) yields exactly the streamed records."""
    from ingestion.social import facebook_graph, json_input, x_api

    pages = [(x_api.parse, p) for p in sorted((LANDING / "x_api").rglob("*.json"))]
    pages += [(facebook_graph.parse, p) for p in sorted((LANDING / "facebook_graph").rglob("*.json"))]
    whole = [list(parse(path)) for parse, path in pages]
    monkeypatch.setattr(json_input, "WHOLE_FILE_LIMIT", -1)  # every file streamed
    streamed = [list(parse(path)) for parse, path in pages]

    assert sum(map(len, whole)) > 10
    assert whole == streamed


def test_results_without_our_loader_render() -> None:
    """`--methods floor` (no *ours*) still gives a table, with dashes where ours would be."""
    floor_only = ScaleResult(scale=1, files={"channels": 1}, megabytes={"channels": 0.1},
                             loads={"channels": {"floor": {"seconds": 0.1, "rows": 5, "peak_rss_mb": 100.0}}})
    text = render([floor_only, floor_only], describe())
    assert "| channels | 1 | 0.1 | 5 | — | — | — | 0.10 |" in text


def test_the_pipeline_runs_in_the_bench_home_not_the_callers(tmp_path: Path, monkeypatch) -> None:
    """`make bench` sources scripts/env.sh, which points Airflow at the caller's home; the bench's own home wins."""
    monkeypatch.setenv("AIRFLOW_HOME", "/caller/var/airflow")
    monkeypatch.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "sqlite:////caller/var/airflow/airflow.db")
    monkeypatch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", "/caller/var/airflow/passwords.json")
    env = _env(tmp_path)
    assert env["DIALOOG_HOME"] == str(tmp_path)
    assert not any("/caller/" in value for value in env.values())


def test_the_benchmark_generates_exports_every_reader_can_read(home: Settings) -> None:
    """``make bench`` times the readers on valid exports: its landing zone has no bad day, so DuckDB's own reader
    (the floor, which stops at a truncated page) reads every format of a generated landing zone."""
    from bench.run import _generate
    from demo.bad_day import is_bad_day

    _generate(home.home, 0.02)
    landing = home.landing
    assert not [p for p in landing.rglob("*") if p.is_file() and is_bad_day(landing, p)]
    result = ScaleResult(scale=0.02)
    measure_loads(home.home, result, ("x_api", "webcare_csv", "survey"), ("floor",))
    assert all(runs["floor"]["rows"] > 0 for runs in result.loads.values())
