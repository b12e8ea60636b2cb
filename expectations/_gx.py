"""Everything that touches Great Expectations 1.24 (imported only by :func:`expectations.runner.run_suite`).

Only GX's public API is used here; the few steps that have no public route are in
:mod:`expectations.gx_internals`, each with its reason.

Context choice, measured on this machine (2 cores, GX 1.24.1):

- The context is *ephemeral* (its configuration lives in this module, so there is no
  ``great_expectations.yml`` to drift or to commit) but its stores are *files* under
  ``$DIALOOG_HOME/gx``: suites, validation definitions, checkpoints and every validation result
  (``gx/uncommitted/validations``) persist between runs. Building it takes about 0.01 s.
- A purely in-memory store would lose the history: GX's index builder deletes every page whose result is
  no longer in the store, so the Data Docs would only ever show the last run. Auditors need all runs.
- Data Docs (``$DIALOOG_HOME/reports/data_docs``) are rebuilt *incrementally*: the new result pages, their
  suite pages and the index. With 150 earlier results that took 0.2-0.5 s per run, against 1.6 s for a full
  rebuild, which grows with every run. A step that runs several suites (the mart suites, a family's loads)
  validates them all first and renders their pages and the index once (:func:`build_docs`): at bench scale 1
  the eight mart suites spent 5.5 s of 9.4 s (profiled) in eight docs builds, each also rendering the index
  again. The index itself still reads every stored result (GX's ``DefaultSiteIndexBuilder`` takes each
  result's verdict from the result file; no public setting keeps an index complete without that, and
  ``validation_results_limit`` would drop older runs from it), so it grows with the history. The pages load
  their libraries from the folder itself and send nothing out (:mod:`expectations.data_docs`: npm packages
  pinned in package.json).
- Results keep a sample of failing rows (``SUMMARY`` format with ``partial_unexpected_count``), never
  the full list of failing values, so a bad million-row load does not write a huge JSON file.
- Failing keys are looked up here from the row positions GX returns, not through GX's
  ``unexpected_index_column_names``: GX fetches those cell by cell for *every* failing row, which took
  49 s for a suite of 11 rules with 100,000 bad rows out of 1,000,000; this way 8 s (clean: 7 s).

Big loads in chunks, measured on the X suite (GX 1.24.1, 2 shared cores; peak = VmHWM above the process
before the check; X demo data copied into loads of 1, 2.4 and 9.6 million messages):

- One DataFrame per load grew with the load: 0.96 M rows 4.7 s / +710 MB, 2.4 M rows 8.7-11 s / +1.7 GB.
- Chunks of whole files (:func:`expectations.suites.load_chunks`, 200 k rows) validated one by one and
  merged here: 0.96 M 3.2-3.9 s / +243 MB, 2.4 M 7.2-8.0 s / +246 MB, 9.6 M 21-31 s / +234 MB. Exact, not
  an approximation: a row-wise rule's counts add up over any split of the rows, a uniqueness within a file
  holds per chunk because no file is split, and GX's own formatter (:func:`.gx_internals.map_result`) builds
  the merged result from the summed counts and the failing samples taken in row order — a test checks that
  the stored GX result and the ``dq`` rows of seven chunks equal those of one. Part of the speed is in the
  reading: chunks come through Arrow, and ``created_year`` is a BIGINT, which GX compares vectorised
  (an INTEGER went through a Python call per row). DuckDB's block cache is kept small while reading, or
  it grows by about 30 MB per million rows read.
- Not chosen: GX's SQL datasource over the DuckDB file. It needs ``duckdb-engine`` (not in the pipeline
  lock), and on DuckDB 2.0 GX's SQL engine reads its metric results after returning the connection to the
  pool, which drops them (empty metrics, "list index out of range"; see STACK-FACTS.md); it would need a
  patched execution engine, and failing keys would come from GX's per-row index queries.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import great_expectations as gx
import pandas as pd
from great_expectations.constants import DATAFRAME_REPLACEMENT_STR
from great_expectations.core import (
    ExpectationSuiteValidationResult,
    ExpectationValidationResult,
    RunIdentifier,
)
from great_expectations.data_context.types.base import (
    DataContextConfig,
    FilesystemStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from core.settings import Settings
from expectations import data_docs, gx_internals, store
from expectations.model import FAILING_KEYS_SAMPLE, Rule, RuleResult, Suite

if TYPE_CHECKING:
    from collections.abc import Iterable

    from great_expectations.data_context import AbstractDataContext
    from great_expectations.expectations import Expectation

SITE = "dialoog"
DATASOURCE = "dialoog_dataframes"
BATCH_DEFINITION = "whole_dataframe"

#: Dialoog severity → GX's own severity, shown in the Data Docs.
GX_SEVERITY = {"fatal": "critical", "error": "warning", "warning": "info"}


RESULT_FORMAT: dict[str, Any] = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": FAILING_KEYS_SAMPLE,
    "return_unexpected_index_query": False,
}


@dataclass(frozen=True)
class StoredResult:
    """A validation result in GX's store, whose Data Docs page (and its suite's page) a later
    :func:`build_docs` renders."""

    suite_name: str
    result_id: ValidationResultIdentifier


@dataclass(frozen=True)
class Validation:
    """Rule results of one validation, the rows it saw and where its Data Docs page is (or will be, when the
    docs are built later for a batch: then ``stored`` is what that build renders)."""

    results: tuple[RuleResult, ...]
    rows: int
    docs_index: Path | None
    docs_page: Path | None
    docs_error: str | None
    stored: StoredResult


def docs_dir(settings: Settings) -> Path:
    """The folder of the Data Docs site."""
    return settings.reports / "data_docs"


def context(settings: Settings) -> AbstractDataContext:
    """An ephemeral GX context with file stores under ``home/gx`` and one Data Docs site under reports."""
    config = DataContextConfig(
        store_backend_defaults=FilesystemStoreBackendDefaults(root_directory=str(settings.home / "gx")),
        data_docs_sites={
            SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir(settings)),
                },
                # Local assets only, no logo tracking (expectations/data_docs.py), on every page type.
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "view": data_docs.view(index=True)},
                "site_section_builders": {
                    section: {"view": data_docs.view()} for section in ("expectations", "validations", "profiling")
                },
            }
        },
        progress_bars=ProgressBarsConfig(globally=False),  # keeps the Airflow task log readable
        analytics_enabled=False,  # GX 1.24.1 sends no analytics at all; stays off if an upgrade brings them back
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def validate(
    settings: Settings,
    suite: Suite,
    rules: tuple[Rule, ...],
    chunks: Iterable[pd.DataFrame],
    key_columns: tuple[str, ...],
    *,
    run_name: str,
    build: bool = True,
) -> Validation:
    """Validate the rows (one DataFrame, or chunks of whole files) and store the result; with ``build`` rebuild
    the Data Docs for it now, else only say where its page will be (the caller builds a batch: :func:`build_docs`).

    Each chunk is a real GX validation of the rules that can be checked per chunk; their results are merged
    into the one GX result (stored, and rendered in the Data Docs) that all rows at once would have given.
    Row-count rules are judged by GX once, on the rows of all chunks. Only one chunk is held at a time.
    """
    ctx = context(settings)
    run_id = RunIdentifier(run_name=run_name, run_time=datetime.now(UTC))
    run: _ChunkedRun | None = None
    for chunk in chunks:
        frame = chunk.reset_index(drop=True)  # GX reports failing rows by index label: make labels positions
        del chunk
        run = run or _ChunkedRun.start(ctx, suite, rules, frame, key_columns)
        run.add(frame)
        del frame  # released before the next chunk is read
    if run is None:
        raise ValueError(f"suite {suite.name}: no DataFrame to validate (give an empty one for no rows)")
    stored = StoredResult(suite.name, run.store(ctx, run_id))
    docs_error = _build_docs(ctx, docs_dir(settings), [stored]) if build else None
    docs_index, docs_page = None, None
    if docs_error is None:
        try:
            docs_index, docs_page = _docs_paths(ctx, stored)
        except Exception as exc:  # noqa: BLE001 - as in _build_docs: the result is stored and valid
            docs_error = f"{type(exc).__name__}: {exc}"
    return Validation(run.rule_results(), run.rows, docs_index, docs_page, docs_error, stored)


def build_docs(settings: Settings, stored: list[StoredResult]) -> str | None:
    """Render the Data Docs pages of these stored results and of their suites, then the index, once for all;
    None when built, else why not."""
    return _build_docs(context(settings), docs_dir(settings), stored)


class _ChunkedRun:
    """The GX results of a suite's rules on successive chunks, merged into one result per rule."""

    def __init__(self, suite: Suite, rules: tuple[Rule, ...], built: dict[str, Expectation],
                 broken: dict[str, RuleResult], checkpoint: gx.Checkpoint, index_columns: list[str]) -> None:
        self.suite, self.rules, self.built, self.broken = suite, rules, built, broken
        [self.definition] = checkpoint.validation_definitions
        self.checkpoint_id = checkpoint.id
        self.counted = [rule.name for rule in rules if rule.chunking == "row_count" and rule.name in built]
        self.chunk_suite = _transient_suite(suite.name, [e for n, e in built.items() if n not in self.counted])
        self.key_columns = {name: _domain_columns(_expected(e)) + index_columns for name, e in built.items()}
        self.parts: dict[str, list[ExpectationValidationResult]] = {name: [] for name in built}
        self.keys: dict[str, list[dict[str, Any]]] = {name: [] for name in built}
        self.by_rule: dict[str, ExpectationValidationResult] = {}
        self.rows = self.chunks = 0
        self.meta: dict[str, Any] = {}
        self.batch_id: str | None = None

    @classmethod
    def start(cls, ctx: AbstractDataContext, suite: Suite, rules: tuple[Rule, ...], first: pd.DataFrame,
              key_columns: tuple[str, ...]) -> _ChunkedRun:
        """Register the suite; expectations are built from the first chunk (whole-frame rules have one)."""
        built, broken = _expectations(rules, first)
        checkpoint = _checkpoint(ctx, suite, list(built.values()))
        return cls(suite, rules, built, broken, checkpoint, [c for c in key_columns if c in first.columns])

    def add(self, frame: pd.DataFrame) -> None:
        """Validate one chunk; keep its results (failing rows shifted to load positions) and failing keys."""
        result = gx_internals.validate_chunk(self.definition.batch_definition, frame, self.chunk_suite, RESULT_FORMAT)
        self.meta, self.batch_id = self.meta or dict(result.meta), self.batch_id or result.batch_id
        for gx_result in result.results:
            name = gx_result.expectation_config.meta.get("rule")
            details = gx_result.result if isinstance(gx_result.result, dict) else {}
            if len(self.keys[name]) < FAILING_KEYS_SAMPLE:
                self.keys[name] += _failing_keys(frame, details, self.key_columns[name])
            if details.get("partial_unexpected_index_list") is not None:
                details["partial_unexpected_index_list"] = [
                    p + self.rows if isinstance(p, numbers.Integral) else p
                    for p in details["partial_unexpected_index_list"]
                ]
            self.parts[name].append(gx_result)
        self.rows += len(frame)
        self.chunks += 1

    def _merged(self) -> dict[str, ExpectationValidationResult]:
        """One GX result per rule for the whole load; row-count rules are judged here, once."""
        merged = {name: _merge(parts) for name, parts in self.parts.items() if parts}
        return merged | {name: _row_count_result(self.built[name], self.rows) for name in self.counted}

    def store(self, ctx: AbstractDataContext, run_id: RunIdentifier) -> ValidationResultIdentifier:
        """Store the merged result as GX's validation definition stores its own; return its identifier."""
        self.by_rule = self._merged()
        results = [self.by_rule[rule.name] for rule in self.rules if rule.name in self.by_rule]
        successful = sum(1 for result in results if result.success)
        meta = self.meta | {
            "validation_id": self.definition.id, "checkpoint_id": self.checkpoint_id, "run_id": run_id,
            "validation_time": run_id.run_time, "batch_parameters": {"dataframe": DATAFRAME_REPLACEMENT_STR},
            "dialoog_chunks": self.chunks, "dialoog_rows": self.rows,
        }
        suite_result = ExpectationSuiteValidationResult(
            results=results, success=successful == len(results), suite_name=self.suite.name, meta=meta,
            statistics={"evaluated_expectations": len(results),  # as GX's validator counts them
                        "successful_expectations": successful,
                        "unsuccessful_expectations": len(results) - successful,
                        "success_percent": successful / len(results) * 100 if results else None},
            batch_id=self.batch_id,
        )
        suite_id = ExpectationSuiteIdentifier(name=self.suite.name)
        result_id = ValidationResultIdentifier(suite_id, run_id, self.batch_id)
        gx_internals.store_result(ctx, suite_result, result_id, suite_id)
        return result_id

    def rule_results(self) -> tuple[RuleResult, ...]:
        """The Dialoog result of every rule, in the suite's order."""
        return tuple(
            self.broken.get(rule.name)
            or _rule_result(rule, self.built[rule.name], self.by_rule.get(rule.name), self.keys[rule.name])
            for rule in self.rules
        )


def _transient_suite(name: str, expectations: list[Expectation]) -> gx.ExpectationSuite:
    """A suite of copies of stored expectations (ids and notes kept), to validate some of the rules."""
    return gx.ExpectationSuite(name=name, expectations=[e.configuration for e in expectations])


def _row_count_result(expectation: Expectation, rows: int) -> ExpectationValidationResult:
    """GX's verdict of a row-count expectation, given the rows of all chunks (judged once, not per chunk)."""
    return gx_internals.row_count_result(expectation, rows, RESULT_FORMAT)


def _merge(parts: list[ExpectationValidationResult]) -> ExpectationValidationResult:
    """One rule's result on all chunks together: counts summed, the failing sample taken in row order.

    A rule that could not run on some chunk keeps that chunk's result; a column-set rule sees the same
    columns in every chunk, so its first failing (else first) result stands for the load.
    """
    if len(parts) == 1:
        return parts[0]
    crashed = [part for part in parts if _exception_message(part.exception_info)]
    if crashed:
        return crashed[0]
    details = [part.result if isinstance(part.result, dict) else {} for part in parts]
    if not all("unexpected_count" in d for d in details):
        return next((part for part in parts if not part.success), parts[0])
    element_count = sum(d.get("element_count") or 0 for d in details)
    missing = [d.get("missing_count") for d in details]
    success = all(part.success for part in parts)  # no 'mostly' on chunked rules (Rule checks)
    formatted = gx_internals.map_result(  # GX's own layout of a map expectation's result
        RESULT_FORMAT,
        success=success,
        element_count=element_count,
        nonnull_count=None if None in missing else element_count - sum(missing),
        unexpected_count=sum(d["unexpected_count"] or 0 for d in details),
        unexpected_list=_joined(details, "partial_unexpected_list"),
        unexpected_index_list=_joined(details, "partial_unexpected_index_list"),
    )
    return ExpectationValidationResult(success=success, expectation_config=parts[0].expectation_config,
                                       result=formatted, meta=parts[0].meta,
                                       exception_info=parts[0].exception_info)


def _joined(details: list[dict[str, Any]], key: str) -> list[Any] | None:
    """The chunks' samples of failing values (or positions) in row order, cut to the sample size."""
    if any(d.get(key) is None for d in details):
        return None
    return [value for d in details for value in d[key]][:FAILING_KEYS_SAMPLE]


def _expectations(rules: tuple[Rule, ...], df: pd.DataFrame) -> tuple[dict[str, Expectation], dict[str, RuleResult]]:
    """GX expectations per rule name, and failed results for rules whose expectation cannot be built."""
    built: dict[str, Expectation] = {}
    broken: dict[str, RuleResult] = {}
    for rule in rules:
        try:
            expectation = rule.build(df)
            # a fresh instance of the rule's GX class, with our severity and notes (the rule's stays untouched)
            built[rule.name] = type(expectation)(
                **expectation.configuration.kwargs,
                severity=GX_SEVERITY[rule.severity],
                meta={"rule": rule.name, "severity": rule.severity},
                notes=[f"**{rule.severity}** · `{rule.name}` — {rule.description}"],  # shown in Data Docs
            )
        except Exception as exc:  # noqa: BLE001 - a rule that cannot be built is a failed rule, not a crash
            broken[rule.name] = RuleResult(
                rule=rule.name,
                description=rule.description,
                expectation_type=rule.expectation_type,
                severity=rule.severity,
                success=False,
                expected={},
                exception=f"cannot build expectation: {type(exc).__name__}: {exc}",
            )
    return built, broken


def _checkpoint(ctx: AbstractDataContext, suite: Suite, expectations: list[Expectation]) -> gx.Checkpoint:
    """Register (or replace) the suite, its DataFrame asset, validation definition and checkpoint."""
    gx_suite = gx.ExpectationSuite(
        name=suite.name, expectations=expectations, meta={"notes": suite.description or suite.name}
    )
    gx_suite = ctx.suites.add_or_update(gx_suite)
    asset = ctx.data_sources.add_or_update_pandas(DATASOURCE).add_dataframe_asset(suite.name)
    batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
    definition = ctx.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=gx_suite)
    )
    # One checkpoint per suite: a DataFrame batch parameter goes to every validation of a checkpoint.
    checkpoint = gx.Checkpoint(
        name=suite.name, validation_definitions=[definition], result_format=dict(RESULT_FORMAT)
    )
    return ctx.checkpoints.add_or_update(checkpoint)


def _rule_result(
    rule: Rule,
    expectation: Expectation,
    gx_result: ExpectationValidationResult | None,
    failing_keys: list[dict[str, Any]],
) -> RuleResult:
    """A rule result from GX's result for the rule's expectation on the whole load."""
    base = {
        "rule": rule.name,
        "description": rule.description,
        "expectation_type": rule.expectation_type,
        "severity": rule.severity,
        "expected": store.plain(_expected(expectation)),
    }
    if gx_result is None:
        return RuleResult(**base, success=False, exception="GX returned no result for this rule")
    details: dict[str, Any] = dict(gx_result.result or {})
    exception = _exception_message(gx_result.exception_info)
    return RuleResult(
        **base,
        success=bool(gx_result.success) and exception is None,
        observed=store.plain(_observed(details, exception)),
        element_count=details.get("element_count"),
        unexpected_count=details.get("unexpected_count"),
        unexpected_percent=store.plain(details.get("unexpected_percent")),
        failing_keys=tuple(failing_keys[:FAILING_KEYS_SAMPLE]),
        exception=exception,
    )


def _expected(expectation: Expectation) -> dict[str, Any]:
    """The expectation's arguments as configured (without GX's batch id)."""
    return {k: v for k, v in expectation.configuration.kwargs.items() if k != "batch_id"}


def _domain_columns(kwargs: dict[str, Any]) -> list[str]:
    """The columns a rule checks (reported with its failing keys)."""
    columns = [kwargs.get(name) for name in ("column", "column_A", "column_B")]
    columns += list(kwargs.get("column_list") or [])
    return [column for column in columns if isinstance(column, str)]


def _failing_keys(frame: pd.DataFrame, details: dict[str, Any], columns: list[str]) -> list[dict[str, Any]]:
    """Key, checked and lineage columns of the sampled failing rows (GX gives their positions in the frame)."""
    positions = [p for p in details.get("partial_unexpected_index_list") or [] if isinstance(p, numbers.Integral)]
    wanted = [c for c in dict.fromkeys(columns) if c in frame.columns]
    if not positions or not wanted:
        return []
    return store.plain(frame.loc[positions, wanted].to_dict(orient="records"))


def _observed(details: dict[str, Any], exception: str | None) -> Any:
    """The observed value of an aggregate rule, or the most common unexpected values of a row rule."""
    if exception:
        return {"exception": exception}
    if "observed_value" in details:
        return details["observed_value"]
    return {
        "unexpected_percent": details.get("unexpected_percent"),
        "top_unexpected": (details.get("partial_unexpected_counts") or [])[:5],
    }


def _exception_message(info: Any) -> str | None:
    """The message of an exception GX caught while checking a rule (its shape varies by failure point)."""
    if not isinstance(info, dict) or not info:
        return None
    candidates = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    for candidate in candidates:
        if candidate.get("raised_exception"):
            return str(candidate.get("exception_message") or "exception while checking the rule")
    return None


def _build_docs(ctx: AbstractDataContext, folder: Path, stored: list[StoredResult]) -> str | None:
    """Rebuild the Data Docs pages of these results and of their suites, and the index (over every stored
    result); None when built, else why not.

    The libraries the pages load are copied into the folder first (only when changed): the pages refer to
    nothing outside it.
    """
    suites = [ExpectationSuiteIdentifier(name=name) for name in dict.fromkeys(s.suite_name for s in stored)]
    try:
        data_docs.install_assets(folder)
        ctx.build_data_docs(site_names=[SITE], resource_identifiers=[*(s.result_id for s in stored), *suites])
    except Exception as exc:  # noqa: BLE001 - unreadable docs must not hide a stored, valid result
        return f"{type(exc).__name__}: {exc}"
    return None


def _docs_paths(ctx: AbstractDataContext, stored: StoredResult) -> tuple[Path | None, Path | None]:
    """Where the index and the page of a stored result are (built or not)."""
    [index] = ctx.get_docs_sites_urls(site_name=SITE, only_if_exists=False)
    [page] = ctx.get_docs_sites_urls(resource_identifier=stored.result_id, site_name=SITE, only_if_exists=False)
    return _url_path(index["site_url"]), _url_path(page["site_url"])


def _url_path(url: str | None) -> Path | None:
    return Path(unquote(urlparse(url).path)) if url else None
