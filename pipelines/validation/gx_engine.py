"""Great Expectations, integrated by hand (dagster-ge pins GX < 1.0).

GX is imported on first use only (the import costs ~3 s), with analytics off and progress bars silenced.
One ephemeral context per process holds one pandas data source; each suite's GX objects (dataframe
asset, whole-dataframe batch definition, ``ExpectationSuite``, ``ValidationDefinition``) are built ONCE
per process and name, then reused: a validation is just ``definition.run`` with the frame as batch
parameter. Nothing is ``add_or_update``-d per file and suites are never compared with each other (GX's
pydantic ``__eq__`` is slow): a cheap text fingerprint of the expectations says whether a cached
definition still fits (it is rebuilt only if a caller reuses a name for different expectations).

The row-count expectation is the one whose bounds change per file (a rule of the file's level and year):
its ``min_value`` / ``max_value`` are GX suite parameters, supplied on each run. Results come back as
plain ``Outcome`` records in suite order.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import pandas as pd

from pipelines.validation.expectations import Expect, Outcome

_LOCK = threading.Lock()
_CONTEXT: Any = None
_SOURCE: Any = None
# name -> (fingerprint of the expectations, ValidationDefinition)
_DEFINITIONS: dict[str, tuple[str, Any]] = {}
# Expectations whose bounds vary per file: their bounds are passed as suite parameters on each run.
_PARAMETERISED = {"expect_table_row_count_to_be_between": ("min_value", "max_value")}


def _context() -> Any:  # a GX context; GX types are not imported at module level
    """The process's ephemeral GX context, created (and GX imported) on first use."""
    global _CONTEXT, _SOURCE
    if _CONTEXT is None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        # Progress bars write to stderr once per metric batch: noise in Dagster's captured logs.
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        _SOURCE = context.data_sources.add_pandas("chorus")
        _CONTEXT = context
    return _CONTEXT


def _split(expectations: Sequence[Expect]) -> tuple[list[tuple[str, dict]], dict[str, Any]]:
    """(type, GX kwargs) per expectation with per-file bounds turned into parameters, and their values."""
    configs: list[tuple[str, dict]] = []
    parameters: dict[str, Any] = {}
    for i, e in enumerate(expectations):
        kwargs = dict(e.kwargs)
        for key in _PARAMETERISED.get(e.type, ()):
            name = f"chorus_{i}_{key}"
            parameters[name] = kwargs.get(key)
            kwargs[key] = {"$PARAMETER": name}
        configs.append((e.type, kwargs))
    return configs, parameters


def _definition(name: str, configs: list[tuple[str, dict]]) -> Any:  # a ValidationDefinition
    """The cached ``ValidationDefinition`` for ``name``, built on first use (call with ``_LOCK`` held)."""
    fingerprint = repr(configs)
    cached = _DEFINITIONS.get(name)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    context = _context()
    if cached is not None:  # the same name with other expectations (tests do this): start afresh
        context.validation_definitions.delete(name)
        context.suites.delete(name)
        _SOURCE.delete_asset(name)
    batch = _SOURCE.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe("file_rows")
    suite = context.suites.add(
        gx.ExpectationSuite(
            name=name,
            expectations=[
                ExpectationConfiguration(type=t, kwargs=kwargs, meta={"chorus_index": i}).to_domain_obj()
                for i, (t, kwargs) in enumerate(configs)
            ],
        )
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch, suite=suite)
    )
    _DEFINITIONS[name] = (fingerprint, definition)
    return definition


def _text(value: Any, limit: int = 60) -> str:  # GX payloads hold numpy scalars, tuples ...
    """A payload value as short text (numpy scalars and tuples included)."""
    if isinstance(value, tuple):
        return "(" + ", ".join(_text(v, limit) for v in value) + ")"
    if hasattr(value, "item"):
        value = value.item()
    if value is None or (isinstance(value, float) and value != value):
        return "NULL"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)[:limit]


def _examples(result: dict[str, Any], examples: int) -> list[str]:
    """Distinct failing values, most frequent first."""
    counts = result.get("partial_unexpected_counts") or []
    if counts:
        return [_text(c["value"]) for c in counts[:examples]]
    return list(dict.fromkeys(_text(v) for v in result.get("partial_unexpected_list") or []))[:examples]


def validate_frame(
    name: str, frame: pd.DataFrame, expectations: Sequence[Expect], examples: int = 5
) -> list[Outcome]:
    """Run ``expectations`` on ``frame`` with Great Expectations; one ``Outcome`` per expectation."""
    configs, parameters = _split(expectations)
    with _LOCK:  # the shared context is not thread-safe; ingestion is single-writer anyway
        definition = _definition(name, configs)
        run = definition.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=parameters or None,
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": max(20, examples)},
        )
    # GX orders results its own way; the index kept in each expectation's meta restores the suite's order.
    outcomes: list[Outcome] = []
    by_index = {(r.expectation_config.meta or {}).get("chorus_index"): r for r in run.results}
    for index, expectation in enumerate(expectations):
        result = by_index.get(index)
        if result is None:  # pragma: no cover - GX returned fewer results than expectations
            outcomes.append(Outcome(expectation.type, expectation.label, False, observed="not evaluated"))
            continue
        payload = dict(result.result or {})
        error = (
            (result.exception_info or {}).get("exception_message")
            if isinstance(result.exception_info, dict)
            else None
        )
        observed = payload.get("observed_value")
        outcomes.append(
            Outcome(
                expectation=expectation.type,
                column=expectation.label,
                success=bool(result.success),
                observed=_text(observed, 120)
                if observed is not None
                else (f"error: {error}" if error else ""),
                unexpected_count=payload.get("unexpected_count"),
                examples=[] if result.success else _examples(payload, examples),
                engine="gx",
            )
        )
    return outcomes
