"""One measurement in its own process, so its peak memory (RSS) is its own: ``python -m ingestion.bench.child
'{"method": ..., "format": ..., "home": ...}'`` prints ``{"seconds", "rows", "peak_rss_mb"}`` as JSON."""

from __future__ import annotations

import json
import logging
import resource
import sys
import time
from pathlib import Path

import duckdb

from ingestion.bench.formats import floor, our_source, peer
from ingestion.settings import Settings


def measure(method: str, fmt: str, home: Path) -> dict[str, float]:
    """Time one method on one format into a fresh DuckDB file under ``home/bench``."""
    settings = Settings(home=home)
    db = home / "bench" / f"{method}-{fmt}.duckdb"
    db.parent.mkdir(parents=True, exist_ok=True)
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    try:
        source = _prepare(con, fmt, settings) if method == "ours" else None
        started = time.perf_counter()
        if source is not None:
            from ingestion import loading

            # Record a broken file but leave it in place: the other methods and the pipeline read the
            # same landing zone afterwards.
            loading.quarantine_file = lambda *args: None
            rows = loading.load_source(con, source, settings).rows_loaded
        elif method == "floor":
            rows = floor(fmt, con, settings.landing)
        else:
            rows = peer(fmt, con, settings.landing)
        seconds = time.perf_counter() - started
    finally:
        con.close()
        db.unlink(missing_ok=True)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {"seconds": seconds, "rows": rows, "peak_rss_mb": peak_kb / 1024}


def _prepare(con: duckdb.DuckDBPyConnection, fmt: str, settings: Settings):
    """Our source for the format; the survey's name matching needs the CBS lists, loaded untimed first."""
    if fmt == "survey":
        from ingestion import cbs
        from ingestion.loading import load_source

        for source in cbs.SOURCES:
            load_source(con, source, settings)
    return our_source(fmt, con)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    args = json.loads(sys.argv[1])
    print(json.dumps(measure(args["method"], args["format"], Path(args["home"]))))
