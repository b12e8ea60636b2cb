"""Everything that touches Great Expectations 1.24 (imported only by :func:`expectations.runner.run_suite`).

Context choice, measured on this machine (2 cores, GX 1.24.1):

- The context is *ephemeral* (its configuration lives in this module, so there is no
  ``great_expectations.yml`` to drift or to commit) but its stores are *files* under
  ``$DIALOOG_HOME/gx``: suites, validation definitions, checkpoints and every validation result
  (``gx/uncommitted/validations``) persist between runs. Building it takes about 0.01 s.
- A purely in-memory store would lose the history: GX's index builder deletes every page whose result is
  no longer in the store, so the Data Docs would only ever show the last run. Auditors need all runs.
- Data Docs (``$DIALOOG_HOME/reports/data_docs``) are rebuilt *incrementally* after each validation: the
  new result page, the suite page and the index. With 150 earlier results that took 0.2-0.5 s per run,
  against 1.6 s for a full rebuild, which grows with every run.
- Results keep a sample of failing rows (``SUMMARY`` format with ``partial_unexpected_count``), never
  the full list of failing values, so a bad million-row load does not write a huge JSON file.
- Failing keys are looked up here from the row positions GX returns, not through GX's
  ``unexpected_index_column_names``: GX fetches those cell by cell for *every* failing row, which took
  49 s for a suite of 11 rules with 100,000 bad rows out of 1,000,000; this way 8 s (clean: 7 s).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import great_expectations as gx
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import (
    DataContextConfig,
    FilesystemStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier
from great_expectations.expectations.registry import get_expectation_impl

from expectations import store
from expectations.runner import FAILING_KEYS_SAMPLE, Rule, RuleResult, Suite
from ingestion.settings import Settings

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core import ExpectationValidationResult
    from great_expectations.data_context import AbstractDataContext
    from great_expectations.expectations import Expectation

SITE = "dialoog"
DATASOURCE = "dialoog_dataframes"
BATCH_DEFINITION = "whole_dataframe"

#: Dialoog severity → GX's own severity, shown in the Data Docs.
GX_SEVERITY = {"fatal": "critical", "error": "warning", "warning": "info"}


@dataclass(frozen=True)
class Validation:
    """Rule results of one validation and where its Data Docs page is."""

    results: tuple[RuleResult, ...]
    docs_index: Path | None
    docs_page: Path | None
    docs_error: str | None


def context(settings: Settings) -> AbstractDataContext:
    """An ephemeral GX context with file stores under ``home/gx`` and one Data Docs site under reports."""
    docs_dir = settings.reports / "data_docs"
    config = DataContextConfig(
        store_backend_defaults=FilesystemStoreBackendDefaults(root_directory=str(settings.home / "gx")),
        data_docs_sites={
            SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
        progress_bars=ProgressBarsConfig(globally=False),  # keeps the Airflow task log readable
        analytics_enabled=False,
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def validate(
    settings: Settings,
    suite: Suite,
    rules: tuple[Rule, ...],
    df: pd.DataFrame,
    index_columns: list[str],
    *,
    run_name: str,
) -> Validation:
    """Validate the DataFrame against the rules and rebuild the Data Docs for this result."""
    ctx = context(settings)
    frame = df.reset_index(drop=True)  # GX reports failing rows by index label: make labels positions
    expectations, broken = _expectations(rules, frame)
    checkpoint = _checkpoint(ctx, suite, list(expectations.values()))
    run_id = RunIdentifier(run_name=run_name, run_time=datetime.now(UTC))
    checkpoint_result = checkpoint.run(batch_parameters={"dataframe": frame}, run_id=run_id)
    [(result_id, suite_result)] = checkpoint_result.run_results.items()
    by_rule = {r.expectation_config.meta.get("rule"): r for r in suite_result.results}
    results = tuple(
        broken.get(rule.name) or _rule_result(rule, expectations[rule.name], by_rule, frame, index_columns)
        for rule in rules
    )
    docs_index, docs_page, docs_error = _build_docs(ctx, suite.name, result_id)
    return Validation(results, docs_index, docs_page, docs_error)


def _expectations(rules: tuple[Rule, ...], df: pd.DataFrame) -> tuple[dict[str, Expectation], dict[str, RuleResult]]:
    """GX expectations per rule name, and failed results for rules whose expectation cannot be built."""
    built: dict[str, Expectation] = {}
    broken: dict[str, RuleResult] = {}
    for rule in rules:
        try:
            kwargs = rule.resolve_kwargs(df)
            built[rule.name] = get_expectation_impl(rule.expectation)(
                **kwargs,
                severity=GX_SEVERITY[rule.severity],
                meta={"rule": rule.name, "severity": rule.severity},
                notes=[f"**{rule.severity}** · `{rule.name}` — {rule.description}"],  # shown in Data Docs
            )
        except Exception as exc:  # noqa: BLE001 - a rule that cannot be built is a failed rule, not a crash
            broken[rule.name] = RuleResult(
                rule=rule.name,
                description=rule.description,
                expectation_type=rule.expectation,
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
    result_format = {
        "result_format": "SUMMARY",
        "partial_unexpected_count": FAILING_KEYS_SAMPLE,
        "return_unexpected_index_query": False,
    }
    checkpoint = gx.Checkpoint(name=suite.name, validation_definitions=[definition], result_format=result_format)
    return ctx.checkpoints.add_or_update(checkpoint)


def _rule_result(
    rule: Rule,
    expectation: Expectation,
    by_rule: dict[Any, ExpectationValidationResult],
    frame: pd.DataFrame,
    index_columns: list[str],
) -> RuleResult:
    """A rule result from GX's result for the rule's expectation."""
    gx_result = by_rule.get(rule.name)
    expected = {k: v for k, v in expectation.configuration.kwargs.items() if k != "batch_id"}
    base = {
        "rule": rule.name,
        "description": rule.description,
        "expectation_type": rule.expectation,
        "severity": rule.severity,
        "expected": store.plain(expected),
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
        failing_keys=_failing_keys(frame, details, _domain_columns(expected) + index_columns),
        exception=exception,
    )


def _domain_columns(kwargs: dict[str, Any]) -> list[str]:
    """The columns a rule checks (reported with its failing keys)."""
    columns = [kwargs.get(name) for name in ("column", "column_A", "column_B")]
    columns += list(kwargs.get("column_list") or [])
    return [column for column in columns if isinstance(column, str)]


def _failing_keys(frame: pd.DataFrame, details: dict[str, Any], columns: list[str]) -> tuple[dict, ...]:
    """Key, checked and lineage columns of the sampled failing rows (GX gives their positions)."""
    positions = [p for p in details.get("partial_unexpected_index_list") or [] if isinstance(p, numbers.Integral)]
    wanted = [c for c in dict.fromkeys(columns) if c in frame.columns]
    if not positions or not wanted:
        return ()
    return tuple(store.plain(frame.loc[positions, wanted].to_dict(orient="records")))


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


def _build_docs(
    ctx: AbstractDataContext, suite_name: str, result_id: Any
) -> tuple[Path | None, Path | None, str | None]:
    """Rebuild the Data Docs pages of this result and suite, and the index; return index and page paths."""
    try:
        ctx.build_data_docs(
            site_names=[SITE], resource_identifiers=[result_id, ExpectationSuiteIdentifier(name=suite_name)]
        )
        [index] = ctx.get_docs_sites_urls(site_name=SITE)
        [page] = ctx.get_docs_sites_urls(resource_identifier=result_id, site_name=SITE)
    except Exception as exc:  # noqa: BLE001 - unreadable docs must not hide a stored, valid result
        return None, None, f"{type(exc).__name__}: {exc}"
    return _url_path(index["site_url"]), _url_path(page["site_url"]), None


def _url_path(url: str | None) -> Path | None:
    return Path(unquote(urlparse(url).path)) if url else None
