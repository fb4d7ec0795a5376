"""Great Expectations, integrated by hand (dagster-ge pins GX < 1.0).

GX is imported on first use only (the import costs ~3 s), with analytics off and progress bars silenced.
One ephemeral context per process is reused; each validation replaces the pandas data source, adds the
frame's asset and whole-dataframe batch, and runs a ``ValidationDefinition`` with the frame as batch
parameter. Results come back as plain ``Outcome`` records.
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


def _context() -> Any:  # noqa: ANN401 - a GX context; GX types are not imported at module level
    """The process's ephemeral GX context, created (and GX imported) on first use."""
    global _CONTEXT
    if _CONTEXT is None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        # Progress bars write to stderr once per metric batch: noise in Dagster's captured logs.
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        _CONTEXT = context
    return _CONTEXT


def _text(value: Any, limit: int = 60) -> str:  # noqa: ANN401 - GX payloads hold numpy scalars, tuples ...
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
    with _LOCK:  # the shared context is not thread-safe; ingestion is single-writer anyway
        import great_expectations as gx
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        context = _context()
        source = context.data_sources.add_or_update_pandas("chorus")
        batch = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe("file_rows")
        suite = context.suites.add_or_update(
            gx.ExpectationSuite(
                name=name,
                expectations=[
                    ExpectationConfiguration(
                        type=e.type, kwargs=dict(e.kwargs), meta={"chorus_index": i}
                    ).to_domain_obj()
                    for i, e in enumerate(expectations)
                ],
            )
        )
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
        run = definition.run(
            batch_parameters={"dataframe": frame},
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
