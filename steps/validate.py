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
    from expectations.suites.marts import MartCheck

log = logging.getLogger(__name__)


def _mart_checks(con: duckdb.DuckDBPyConnection) -> Iterator[MartCheck]:
    """The suites checked after every dbt build with their rows, each read when its turn comes: after an
    incremental build the big fact marts only their recomputed rows (:mod:`expectations.suites.marts`)."""
    from expectations.suites import cbs as cbs_suites
    from expectations.suites import read_frame
    from expectations.suites.marts import MartCheck, build_mode, mart_checks

    mode = build_mode(con)
    log.info("last build: %s; %s", mode, "the big fact marts are checked on their recomputed rows"
             if mode == "incremental" else "every mart is checked whole")
    yield MartCheck(cbs_suites.gemeenten_suite(), cbs_suites.effective_gemeenten(con))
    yield MartCheck(cbs_suites.dim_municipality_suite(), read_frame(con, "SELECT * FROM marts.dim_municipality"))
    yield from mart_checks(con, mode)


def validate_marts(settings: Settings | None = None) -> str:
    """Run the mart suites; results go to ``dq`` and the Data Docs. A failed ``fatal`` rule raises, so the
    publish that follows does not run and the previous published warehouse stays live."""
    from expectations.runner import run_suite

    settings = settings or get_settings()
    load_id = f"marts-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    outcomes = []
    con = warehouse.connect(settings)
    try:
        for check in _mart_checks(con):
            outcome = run_suite(con, check.suite, check.frame, settings=settings, load_id=load_id,
                                table_rows=check.table_rows)
            scope = check.scope
            del check  # its rows, before the next mart is read
            log.info("%s Read: %s.", outcome.summary(), scope)
            outcomes.append(outcome)
    finally:
        con.close()
    for outcome in outcomes:
        outcome.raise_for_fatal()
    return f"{len(outcomes)} mart suite(s) checked, no fatal failure"
