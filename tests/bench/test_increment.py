"""The benchmark's hourly increment (bench/increment.py) on a small demo landing zone: what it writes is read by
the project's own loaders as new messages, late replies and a re-delivered page, and the same seed writes the
same bytes. No dbt build and no Airflow here (``make bench`` times those); no timings are asserted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import duckdb
import pytest

from bench.__main__ import main as bench_main
from bench.increment import HOURLY_MESSAGES, write_hourly_increment
from bench.machine import describe
from bench.report import render
from bench.run import ScaleResult, _generate, _PeakOfSession
from core import warehouse
from core.settings import Settings
from ingestion import cbs
from ingestion.channels import CHANNELS
from ingestion.framework import Source, load_source
from ingestion.social import FACEBOOK_GRAPH, WEBCARE_CSV, X_API

#: The formats an increment writes, with the registry and the CBS lists their matching reads first.
MESSAGE_SOURCES = (X_API, FACEBOOK_GRAPH, WEBCARE_CSV)


@pytest.fixture(scope="module")
def demo_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A landing zone the demo wrote, as ``make bench`` generates it (scale 0.02, no bad day); read-only."""
    home = tmp_path_factory.mktemp("increment-demo")
    _generate(home, 0.02)
    return home / "landing"


def _copy(landing: Path, target: Path) -> Path:
    """The demo's files hard-linked (an increment only adds files; it never writes into one it did not make)."""
    shutil.copytree(landing, target, copy_function=os.link)
    return target


def _load(con: duckdb.DuckDBPyConnection, settings: Settings, sources: tuple[Source, ...]) -> dict[str, object]:
    return {source.name: load_source(con, source, settings) for source in sources}


def test_the_same_seed_writes_the_same_bytes_and_each_hour_adds_files(demo_landing: Path, tmp_path: Path) -> None:
    first, second = _copy(demo_landing, tmp_path / "a"), _copy(demo_landing, tmp_path / "b")
    written = write_hourly_increment(first, hour=0, seed=7)
    again = write_hourly_increment(second, hour=0, seed=7)

    assert written == again
    assert written["files"] == len(written["paths"]) > 3
    for relative in written["paths"]:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative
    assert {p.split("/")[0] for p in written["paths"]} == {"x_api", "facebook_graph", "webcare_csv"}

    other_seed = write_hourly_increment(_copy(demo_landing, tmp_path / "c"), hour=0, seed=8)
    assert other_seed["paths"] != written["paths"] or any(
        (first / p).read_bytes() != (tmp_path / "c" / p).read_bytes() for p in written["paths"])

    before = {p: (first / p).read_bytes() for p in written["paths"]}
    next_hour = write_hourly_increment(first, hour=1, seed=7)
    assert not set(next_hour["paths"]) & set(written["paths"]), "a new hour writes new file names"
    assert all((first / p).read_bytes() == content for p, content in before.items()), "and overwrites nothing"


def test_the_increment_loads_as_new_messages_late_replies_and_a_redelivered_page(
        demo_landing: Path, home: Settings) -> None:
    _copy(demo_landing, home.landing)
    con = warehouse.connect(home)
    try:
        _load(con, home, (*cbs.SOURCES, CHANNELS))
        base = _load(con, home, MESSAGE_SOURCES)
        assert all(report.rows_loaded for report in base.values())

        written = write_hourly_increment(home.landing, hour=0)
        increment = _load(con, home, MESSAGE_SOURCES)

        # Every file of the hour is loaded by the project's readers, none quarantined, no row rejected.
        loaded = {str(f) for report in increment.values() for f in report.files_loaded}
        assert sorted(loaded) == written["paths"]
        assert not any(report.files_quarantined for report in increment.values())
        assert con.execute("SELECT count(*) FROM dq.quarantined_rows").fetchone() == (0,)

        union = " UNION ALL ".join(
            f"SELECT platform, message_id, text, in_reply_to_id, author_id, source_file FROM raw.{s.table}"
            for s in (X_API, FACEBOOK_GRAPH))
        con.execute(f"CREATE TEMP TABLE messages AS {union}")
        new_files = [p for p in written["paths"] if not p.startswith("webcare_csv/")]
        con.execute("CREATE TEMP TABLE hour_files AS SELECT unnest(?::VARCHAR[]) AS source_file", [new_files])
        new_ids = con.execute(
            "SELECT count(DISTINCT (platform, message_id)) FROM messages JOIN hour_files USING (source_file) "
            "WHERE (platform, message_id) NOT IN (SELECT (platform, message_id) FROM messages "
            "                                     WHERE source_file NOT IN (SELECT source_file FROM hour_files))"
        ).fetchone()[0]
        assert new_ids == written["messages"] == HOURLY_MESSAGES
        assert written["questions"] > written["replies"] > written["late_replies"] > 10

        # Each late reply: by the account the old question was addressed to (the demo writes an account's pages in
        # a folder named by its handle), replying to the old question, which came with the demo's files.
        for target in written["late_reply_targets"]:
            key = [target["platform"], target["message_id"]]
            old = [f for (f,) in con.execute("SELECT DISTINCT source_file FROM messages WHERE platform = ? AND "
                                             "message_id = ? ORDER BY 1", key).fetchall() if f not in new_files]
            assert old, target
            account = con.execute("SELECT account_id FROM raw.channels WHERE platform = ? AND handle = lower(?)",
                                  [target["platform"], old[0].split("/")[2]]).fetchone()[0]
            reply = con.execute("SELECT DISTINCT in_reply_to_id, author_id FROM messages WHERE platform = ? AND "
                                "message_id = ?", [target["platform"], target["reply_id"]]).fetchall()
            assert reply == [(target["message_id"], account)], target
        assert {t["platform"] for t in written["late_reply_targets"]} == {"x", "facebook"}

        # The page delivered again: a new SHA-256, so loaded again, with one message's text edited.
        sha = dict(con.execute("SELECT source_file, source_sha256 FROM raw._files WHERE source_file IN (?, ?)",
                               [written["redelivered"], written["redelivered_from"]]).fetchall())
        assert len(set(sha.values())) == 2
        texts = dict(con.execute("SELECT source_file, text FROM messages WHERE message_id = ? AND source_file IN "
                                 "(?, ?)", [written["edited_message_id"], written["redelivered"],
                                            written["redelivered_from"]]).fetchall())
        assert texts[written["redelivered"]] != texts[written["redelivered_from"]]
        assert texts[written["redelivered"]].startswith(texts[written["redelivered_from"]])
    finally:
        con.close()


def test_the_results_file_has_the_hourly_increments_against_their_targets(tmp_path: Path) -> None:
    """The increments' table (both scales, the target of each, the full run's peak beside the increment's), a
    failed measurement named below it, and a results JSON that renders again (``--from-json``)."""
    def increment(hour: int, seconds: float, reason: str | None, through: str = "make pipeline",
                  peak: float = 612.0) -> dict:
        return {"hour": hour, "through": through, "messages": 2000, "late_replies": 100, "copies": 950, "files": 230,
                "redelivered": "x_api/2025/a/mentions-0001-redelivered-20251230T0800Z.json", "seconds": seconds,
                "ok": True, "peak_rss_mb": peak, "dags": {"dialoog_transform": seconds - 4},
                "tasks": {"load social": 2.5, "dbt build": 6.25, "validation (mart suites)": 1.0, "publish": 0.5},
                "plan_mode": reason and reason.split(":")[0], "plan_reason": reason}

    one = ScaleResult(scale=1, pipeline_peak_rss_mb=900.0, increments=[
        increment(0, 14.04, "incremental: 230 new file(s) since 2026-01-01 10:00:00 UTC: x_api 120"),
        increment(1, 13.0, None), increment(2, 9.5, None, through="running scheduler", peak=0.0)])
    ten = ScaleResult(scale=10, pipeline_peak_rss_mb=1400.0, increments=[
        {"hour": 0, "through": "make pipeline", "ok": False,
         "error": "ValueError: no X API or | no Facebook Graph account\nactive"}])
    text = render([one, ten, ScaleResult(scale=0.5)], describe())

    assert "### Hourly increment" in text
    assert ("| 1 | 0 | make pipeline | 2,000 | 100 | 230 | 2.5 | 6.2 | 1.0 | 0.5 | **14.0** | 20 | 612 | 900 | "
            "incremental: 230 new file(s) since 2026-01-01 10:00:00 UTC: x_api 120 |") in text
    assert ("| 1 | 1 | make pipeline | 2,000 | 100 | 230 | 2.5 | 6.2 | 1.0 | 0.5 | **13.0** | 20 | 612 | 900 | "
            "not recorded |") in text
    # a peak that was not measured (0) shows as a dash
    assert ("| 1 | 2 | running scheduler | 2,000 | 100 | 230 | 2.5 | 6.2 | 1.0 | 0.5 | **9.5** | 20 | — | 900 | "
            "not recorded |") in text
    assert ("Scale 10, hour 0 (make pipeline): NOT measured: ValueError: no X API or / no Facebook Graph account "
            "active") in text
    assert render([ScaleResult(scale=1)], describe()).count("Hourly increment") == 0

    out = tmp_path / "benchmarks.md"
    saved = tmp_path / "bench.json"
    saved.write_text(json.dumps({"machine": describe(), "results": [asdict(one), asdict(ten)]}), encoding="utf-8")
    assert bench_main(["--from-json", str(saved), "--out", str(out)]) == 0
    assert "| **14.0** | 20 |" in out.read_text(encoding="utf-8")


def test_the_increment_is_on_by_default_and_can_be_left_out(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``--no-increment`` reaches each scale's run; without it the increments are measured."""
    asked: list[bool] = []

    def run_scale(scale, workdir, formats, methods, pipeline, dashboards, landing, increment):  # noqa: ANN001, ANN202
        asked.append(increment)
        return ScaleResult(scale=scale)

    monkeypatch.setattr("bench.__main__.run_scale", run_scale)
    out = tmp_path / "benchmarks.md"
    assert bench_main(["--scale", "0.01", "--out", str(out), "--workdir", str(tmp_path)]) == 0
    assert bench_main(["--scale", "0.01", "--out", str(out), "--workdir", str(tmp_path), "--no-increment"]) == 0
    assert asked == [True, False]


def test_the_peak_of_a_running_airflow_is_its_biggest_process() -> None:
    """Hours through a running Airflow sample the RSS of every process of its session: a process of that session
    that grows counts, one of another session does not."""
    grow = "import time; block = bytearray(80 * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(2)"
    big = subprocess.Popen([sys.executable, "-c", grow], start_new_session=True)
    small = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(2)"], start_new_session=True)
    try:
        with _PeakOfSession(big.pid) as of_big, _PeakOfSession(small.pid) as of_small:
            time.sleep(1.5)
    finally:
        big.wait()
        small.wait()
    assert of_big.peak_mb >= 80
    assert 0 < of_small.peak_mb < 40
