"""What `chorus run` shows while it runs (issue 20, item 4): each step's state, and Dagster's stream in
a log file instead of the terminal."""

from pathlib import Path

import dagster as dg
import pytest

from pipelines.run_display import RunDisplay, chorus_run_logger


@dg.asset
def loaded(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    context.log.info("loading the files")
    return dg.MaterializeResult(metadata={"files_loaded": 2, "files_unchanged": 0})


@dg.asset
def unchanged() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"files_loaded": 0, "files_unchanged": 3})


@dg.asset(deps=[loaded])
def broken() -> None:
    raise ValueError("the mart's SQL refers to a column that is not there")


@dg.asset(deps=[broken])
def after_broken() -> None:
    pass


def test_each_step_gets_its_state_and_the_stream_goes_to_the_log_file(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    job = dg.define_asset_job("shown", selection=dg.AssetSelection.all())
    definitions = dg.Definitions(
        assets=[loaded, unchanged, broken, after_broken],
        jobs=[job],
        loggers={"chorus_run": chorus_run_logger},
        executor=dg.in_process_executor,
    )
    with RunDisplay(tmp_path / "run.log", live=False) as display:
        result = definitions.resolve_job_def("shown").execute_in_process(
            raise_on_error=False, run_config={"loggers": {"chorus_run": {"config": {}}}}
        )
    assert not result.success
    states = {key: step.state for key, step in display.steps.items()}
    assert states["loaded"] == "done"
    assert states["unchanged"] == "unchanged", "an ingest step that loaded nothing new says so"
    assert states["broken"] == "failed"
    assert states.get("after_broken", "skipped") == "skipped", "a step after a failure never runs"
    log = (tmp_path / "run.log").read_text()
    assert "loading the files" in log
    assert "the mart's SQL refers to a column that is not there" in log
    assert "Stack Trace" in log or "Traceback" in log, "the log keeps what the terminal leaves out"
    terminal = capfd.readouterr()
    assert "the mart's SQL" not in terminal.out + terminal.err, "Dagster's stream must not reach the terminal"
