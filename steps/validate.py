"""Step *validate*: the mart suites after every dbt build; results go to ``dq`` and the Data Docs, and a failed
``fatal`` rule stops the run before it publishes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import duckdb

from core import warehouse
from core.settings import Settings, get_settings

if TYPE_CHECKING:
    import pandas as pd

    from expectations.model import Suite

log = logging.getLogger(__name__)


def _mart_checks(con: duckdb.DuckDBPyConnection) -> Iterator[tuple[Suite, pd.DataFrame]]:
    """(suite, rows) pairs checked after every dbt build, each read when its turn comes."""
    from expectations.suites import cbs as cbs_suites
    from expectations.suites import read_frame
    from expectations.suites.marts import mart_frames

    yield cbs_suites.gemeenten_suite(), cbs_suites.effective_gemeenten(con)
    yield cbs_suites.dim_municipality_suite(), read_frame(con, "SELECT * FROM marts.dim_municipality")
    yield from mart_frames(con)


def validate_marts(settings: Settings | None = None) -> str:
    """Run the mart suites; results go to ``dq`` and the Data Docs. A failed ``fatal`` rule raises, so the
    publish that follows does not run and the previous published warehouse stays live."""
    from expectations.runner import run_suite

    settings = settings or get_settings()
    load_id = f"marts-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    outcomes = []
    con = warehouse.connect(settings)
    try:
        for suite, frame in _mart_checks(con):
            outcome = run_suite(con, suite, frame, settings=settings, load_id=load_id)
            del frame  # before the next mart is read
            log.info(outcome.summary())
            outcomes.append(outcome)
    finally:
        con.close()
    for outcome in outcomes:
        outcome.raise_for_fatal()
    return f"{len(outcomes)} mart suite(s) checked, no fatal failure"
