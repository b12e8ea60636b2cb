"""One measurement in its own process, so its peak memory (RSS) is its own: ``python -m bench.child
'{"method": ..., "format": ..., "home": ...}'`` prints ``{"seconds", "rows", "peak_rss_mb"}`` as JSON."""

from __future__ import annotations

import json
import logging
import resource
import sys
import time
from pathlib import Path

import duckdb

from bench.formats import floor, our_source, peer
from core import warehouse
from core.settings import Settings


def measure(method: str, fmt: str, home: Path) -> dict[str, float]:
    """Time one method on one format into a fresh DuckDB file under ``home/bench``."""
    settings = Settings(home=home)
    db = home / "bench" / f"{method}-{fmt}.duckdb"
    db.parent.mkdir(parents=True, exist_ok=True)
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    # Ours connects as the pipeline does (core.warehouse: DuckDB's memory ceiling); the floor and the
    # peer with DuckDB's defaults.
    con = duckdb.connect(str(db), config=warehouse.config() if method == "ours" else {})
    try:
        source = _prepare(con, fmt, settings) if method == "ours" else None
        started = time.perf_counter()
        if source is not None:
            from ingestion.framework import load_source, quarantine

            # Record a broken file but leave it in place: the other methods and the pipeline read the
            # same landing zone afterwards.
            quarantine.quarantine_file = lambda *args: None
            report = load_source(con, source, settings)
            rows = report.rows_loaded
            seconds = time.perf_counter() - started
            checked = _check(con, source, settings, report)
            return {**checked, "seconds": seconds, "rows": rows, "peak_rss_mb": checked["load_peak_rss_mb"]}
        elif method == "floor":
            rows = floor(fmt, con, settings.landing)
        else:
            rows = peer(fmt, con, settings.landing)
        seconds = time.perf_counter() - started
    finally:
        con.close()
        db.unlink(missing_ok=True)
    return {"seconds": seconds, "rows": rows, "peak_rss_mb": _peak_mb()}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # ru_maxrss is in kilobytes on Linux


def _check(con: duckdb.DuckDBPyConnection, source, settings: Settings, report) -> dict[str, float]:
    """Time the load's GX suite (``check_load``, as the loader DAG runs it), after the peak of the load."""
    peak = _peak_mb()
    import expectations.runner  # noqa: F401  (imported untimed: a DAG task pays it once)
    from steps.load import check_load

    started = time.perf_counter()
    check_load(con, source, settings, report)
    return {"check_seconds": time.perf_counter() - started, "check_peak_rss_mb": _peak_mb(), "load_peak_rss_mb": peak}


def _prepare(con: duckdb.DuckDBPyConnection, fmt: str, settings: Settings):
    """Our source for the format, after what its matching and its suite read (untimed): the CBS lists, and
    for messages the channel registry."""
    from ingestion import cbs
    from ingestion.channels import CHANNELS
    from ingestion.framework import load_source

    for source in (*cbs.SOURCES, *(() if fmt in ("channels", "survey") else (CHANNELS,))):
        load_source(con, source, settings)
    return our_source(fmt, con)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    args = json.loads(sys.argv[1])
    print(json.dumps(measure(args["method"], args["format"], Path(args["home"]))))
