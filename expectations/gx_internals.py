"""The only place Dialoog reaches past Great Expectations' public API (GX 1.24.1); check it on every GX upgrade.

Everything else (:mod:`expectations._gx`, the suites) uses GX's public classes and methods. What is here has
no public route that keeps the chunked validation exact *and* as fast as it is, each for a reason given at the
function; ``tests/expectations/test_chunks.py`` compares the stored GX result and the ``dq`` rows of a load in
seven chunks with those of one DataFrame, so a GX release that changes any of these breaks that test, not the
data silently.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from great_expectations.expectations.expectation import _format_map_output
from great_expectations.expectations.expectation_configuration import parse_result_format
from great_expectations.validator.v1_validator import Validator

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core import (
        ExpectationSuite,
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.data_context import AbstractDataContext
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )
    from great_expectations.expectations import Expectation


def validate_chunk(definition: BatchDefinition, frame: pd.DataFrame, suite: ExpectationSuite,
                   result_format: dict[str, Any]) -> ExpectationSuiteValidationResult:
    """Validate one DataFrame chunk, as ``ValidationDefinition.run`` does but without storing a result.

    Public route: ``definition.get_batch(...).validate(suite)``. It loads the batch twice (``get_batch``, then
    the validator it creates), and loading a pandas batch hashes the whole frame: measured on a 200 k-row
    message chunk 0.13 s here against 0.23 s that way, about 5 s more on a 9.6-million-message load.
    """
    validator = Validator(batch_definition=definition, result_format=dict(result_format),
                          batch_parameters={"dataframe": frame})
    return validator.validate_expectation_suite(suite)


def map_result(result_format: dict[str, Any], *, success: bool, element_count: int, nonnull_count: int | None,
               unexpected_count: int, unexpected_list: list[Any] | None,
               unexpected_index_list: list[Any] | None) -> dict[str, Any]:
    """GX's own layout of a row-wise (map) expectation's result, from the chunks' summed counts and samples.

    No public route: GX builds this inside ``ColumnMapExpectation._validate`` from metrics of one batch; the
    merged result of the chunks must have exactly the layout (percentages, partial lists, value counts) that one
    validation of all rows has, which the Data Docs render.
    """
    return _format_map_output(
        result_format=parse_result_format(dict(result_format)),
        success=success,
        element_count=element_count,
        nonnull_count=nonnull_count,
        unexpected_count=unexpected_count,
        unexpected_list=unexpected_list,
        unexpected_index_list=unexpected_index_list,
    )["result"]


def row_count_result(expectation: Expectation, rows: int, result_format: dict[str, Any]) -> ExpectationValidationResult:
    """GX's verdict of a row-count expectation, given the rows of all chunks as its ``table.row_count``.

    Public route: validate it on a frame of that many rows, which makes GX hash the frame's index (16 bytes a
    row, for a load that was read in chunks precisely to stay small). ``get_validation_dependencies`` and
    ``metrics_validate`` are methods of the public ``Expectation`` class but not marked public by GX.
    """
    runtime = {"result_format": dict(result_format)}
    dependencies = expectation.get_validation_dependencies(runtime_configuration=dict(runtime))
    metrics = {metric.id: rows for metric in dependencies.get_metric_configurations()}  # only table.row_count
    return expectation.metrics_validate(metrics, runtime_configuration=runtime)


def store_result(ctx: AbstractDataContext, result: ExpectationSuiteValidationResult,
                 result_id: ValidationResultIdentifier, suite_id: ExpectationSuiteIdentifier) -> None:
    """Store a suite result we merged ourselves, as ``ValidationDefinition.run`` stores its own.

    No public route: GX stores only the results its own runs produce (one per chunk here, each of which would
    become a Data Docs page).
    """
    ctx.validation_results_store.store_validation_results(result, result_id, suite_id)
