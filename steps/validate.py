"""Step *validate*: the mart suites after every dbt build; results go to ``dq`` and the Data Docs, and a failed
``fatal`` rule stops the run before it publishes.

After an incremental build a suite whose mart that build did not run is skipped (:func:`why_skipped`). dbt's
``run_results.json`` of the build lists exactly the models it ran (``steps.build.INCREMENTAL_SELECTION``: the
models downstream of the social messages and the loaded files' list); a mart it did not run, nor anything the
mart is built from, is the table the previous build left, which its suite checked already. A skipped suite
writes no ``dq.validation_runs`` row (a row says what a check found, and nothing was checked; a run without rule
results would also be taken as the suite's previous check by :mod:`expectations.suites.marts`); the task log says
which suites were skipped and why. In doubt the suite runs: after a full build, when the results file is not
this build's, when the mart or its models are not found in dbt's manifest, or when the suite's previous check
did not pass every one of its present rules with the same arguments.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import duckdb

from core import warehouse
from core.bookkeeping import ensure_bookkeeping
from core.settings import Settings, get_settings
from expectations import store

if TYPE_CHECKING:
    import pandas as pd

    from expectations.model import Suite
    from expectations.suites.marts import MartCheck

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedCheck:
    """A suite checked after every dbt build: the relation dbt builds whose rows it reads, how to make the suite
    and how to read its rows (only when it runs)."""

    relation: str
    suite: Callable[[duckdb.DuckDBPyConnection], Suite]
    read: Callable[[duckdb.DuckDBPyConnection, Suite, str], MartCheck]


def planned_checks() -> list[PlannedCheck]:
    """Every suite checked after a dbt build, in order: the effective CBS lists, ``dim_municipality``, then the
    mart suites (:data:`expectations.suites.marts.MART_SUITES`)."""
    from expectations.suites import cbs as cbs_suites
    from expectations.suites import read_frame
    from expectations.suites.marts import MART_SUITES, MartCheck, mart_check

    def _whole(sql: Callable[[duckdb.DuckDBPyConnection], Any]) -> Callable[..., MartCheck]:
        return lambda con, suite, mode: MartCheck(suite, sql(con))

    checks = [
        PlannedCheck(cbs_suites.EFFECTIVE_LIST_MODEL, lambda con: cbs_suites.gemeenten_suite(),
                     _whole(cbs_suites.effective_gemeenten)),
        PlannedCheck("marts.dim_municipality", lambda con: cbs_suites.dim_municipality_suite(),
                     _whole(lambda con: read_frame(con, "SELECT * FROM marts.dim_municipality"))),
    ]
    checks += [PlannedCheck(table, factory, lambda con, suite, mode, table=table: mart_check(con, suite, table, mode))
               for factory, table in MART_SUITES]
    return checks


@dataclass(frozen=True)
class BuildRan:
    """What the current dbt build ran, from its ``run_results.json`` and ``manifest.json``: every node it ran,
    and per relation (``schema.name``) the model building it and each model's parents."""

    ran: frozenset[str]
    model_of: dict[str, str]
    parents: dict[str, list[str]]

    def why_not_run(self, relation: str) -> str | None:
        """Why the build left ``relation`` as it was (None when it, or a model or seed it is built from, ran)."""
        model = self.model_of.get(relation)
        if model is None:
            return None  # not a model this manifest knows: in doubt, check it
        seen, todo = set(), [model]
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            if node in self.ran:
                return None
            seen.add(node)
            todo += self.parents.get(node, [])
        return f"the incremental build did not run {model.split('.')[-1]} nor any of its {len(seen) - 1} upstream nodes"


def build_ran(con: duckdb.DuckDBPyConnection, settings: Settings) -> BuildRan | None:
    """What the current build ran, when it was an incremental build that ended well and dbt's results file is
    its own (written after it started); None otherwise, and then every suite runs."""
    ensure_bookkeeping(con)
    newest = con.execute("SELECT mode, outcome, started_at FROM dq.transform_runs "
                         "ORDER BY started_at DESC LIMIT 1").fetchone()
    if newest is None or newest[0] != "incremental" or newest[1] not in ("built", "published"):
        return None
    target = settings.home / "dbt" / "target"
    try:
        results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
        written = datetime.fromisoformat(results["metadata"]["generated_at"].replace("Z", "+00:00"))
    except (OSError, ValueError, KeyError) as exc:
        log.info("every suite runs: dbt's results of the build are unreadable (%s: %s)", type(exc).__name__, exc)
        return None
    if written < newest[2] or results.get("args", {}).get("which") != "build":
        log.info("every suite runs: %s is not the current build's (written %s)", target / "run_results.json", written)
        return None
    model_of = {f"{node['schema']}.{node.get('alias') or node['name']}": unique_id
                for unique_id, node in manifest.get("nodes", {}).items() if node.get("resource_type") == "model"}
    return BuildRan(frozenset(result["unique_id"] for result in results.get("results", [])), model_of,
                    manifest.get("parent_map", {}))


def why_skipped(con: duckdb.DuckDBPyConnection, planned: PlannedCheck, suite: Suite, ran: BuildRan | None,
                rows: Callable[[], pd.DataFrame]) -> str | None:
    """Why ``suite`` need not run after this build (None: it runs): the build did not run its mart, and the
    suite's previous check passed every rule it has now, with the same arguments. A rule whose arguments are
    computed from the rows is built on them (``rows``, read only then) to compare: the rows are unchanged, but the
    rule's code may not be."""
    not_run = ran.why_not_run(planned.relation) if ran is not None else None
    if not_run is None:
        return None
    previous = _previous_check(con, suite.name)
    if previous is None or previous[1] != "passed":
        return None
    run_id, _, passed = previous
    for rule in suite.rules:
        arguments = rule.arguments if rule.arguments is not None else rule.build(rows()).configuration.kwargs
        if passed.get(rule.name) != (rule.expectation_type, _as_stored(arguments)):
            return None
    return f"{not_run}; its previous check {run_id} passed every rule it has now"


def _previous_check(con: duckdb.DuckDBPyConnection, suite: str) -> tuple[str, str, dict[str, tuple]] | None:
    """The newest run of a suite: its run id, outcome, and the (expectation, arguments) of each rule it passed."""
    run = con.execute("SELECT run_id, outcome FROM dq.validation_runs WHERE suite = ? ORDER BY started_at DESC "
                      "LIMIT 1", [suite]).fetchone()
    if run is None:
        return None
    rows = con.execute("SELECT rule, expectation_type, expected FROM dq.rule_results WHERE run_id = ? AND success",
                       [run[0]]).fetchall()
    return run[0], run[1], {rule: (kind, json.loads(expected or "null")) for rule, kind, expected in rows}


def _as_stored(arguments: Mapping[str, Any]) -> Any:
    """A rule's arguments as ``dq.rule_results.expected`` keeps them (JSON, without GX's batch id)."""
    return json.loads(store.to_json({name: value for name, value in arguments.items() if name != "batch_id"}))


def _mart_checks(con: duckdb.DuckDBPyConnection, settings: Settings) -> Iterator[MartCheck]:
    """The suites to check after this build with their rows, each read when its turn comes: after an incremental
    build the big fact marts only their recomputed rows (:mod:`expectations.suites.marts`), and no suite whose
    mart the build did not run (:func:`why_skipped`)."""
    from expectations.suites.marts import build_mode

    mode = build_mode(con)
    log.info("last build: %s; %s", mode, "the big fact marts are checked on their recomputed rows"
             if mode == "incremental" else "every mart is checked whole")
    ran = build_ran(con, settings) if mode == "incremental" else None
    for planned in planned_checks():
        suite = planned.suite(con)
        read: list[MartCheck] = []  # the suite's rows, read at most once

        def rows(planned: PlannedCheck = planned, suite: Suite = suite, read: list[MartCheck] = read) -> pd.DataFrame:
            read[:] = read or [planned.read(con, suite, mode)]
            return read[0].frame

        skipped = why_skipped(con, planned, suite, ran, rows)
        if skipped:
            log.info("%s skipped: %s", suite.name, skipped)
            continue
        yield read[0] if read else planned.read(con, suite, mode)
        read.clear()  # its rows, before the next mart is read


def validate_marts(settings: Settings | None = None) -> str:
    """Run the mart suites; results go to ``dq`` and the Data Docs (rendered once, after the last suite). A
    failed ``fatal`` rule raises, so the publish that follows does not run and the previous published warehouse
    stays live."""
    from expectations.runner import DataDocsBatch, run_suite

    settings = settings or get_settings()
    load_id = f"marts-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    outcomes = []
    docs = DataDocsBatch(settings)
    con = warehouse.connect(settings)
    try:
        for check in _mart_checks(con, settings):
            outcome = run_suite(con, check.suite, check.frame, settings=settings, load_id=load_id,
                                table_rows=check.table_rows, data_docs=docs)
            scope = check.scope
            del check  # its rows, before the next mart is read
            log.info("%s Read: %s.", outcome.summary(), scope)
            outcomes.append(outcome)
    finally:
        try:
            docs.build(con)  # also after a crash: the suites that ran are stored and get their pages
        finally:
            con.close()
    for outcome in outcomes:
        outcome.raise_for_fatal()
    skipped = len(planned_checks()) - len(outcomes)
    return f"{len(outcomes)} mart suite(s) checked, no fatal failure" + (
        f"; {skipped} skipped (marts the incremental build did not run)" if skipped else "")
