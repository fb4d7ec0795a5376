"""The ``chorus`` command line: run the pipeline, regenerate the sample, inspect the store.

Exit codes are meant for schedulers: 0 success, 1 the run failed (some asset or blocking check),
2 bad usage or settings.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Chorus: patient experience from every channel."
)

DEFAULT_SAMPLE = Path("data/sample")


def _settings():  # noqa: ANN202 - imported lazily to keep --help fast
    from schemas.settings import ChorusSettings

    return ChorusSettings()


def _ensure_sample(landing: Path) -> None:
    """The embedded sample is generated on first use (deterministic), so a fresh clone just works."""
    from pipelines.sample import generate_sample

    if landing.resolve() == DEFAULT_SAMPLE.resolve() and not (landing / "reference").exists():
        typer.echo(f"Generating the sample data in {landing}/ (first run) ...")
        generate_sample(landing)


@app.command()
def sample(
    out: Path = typer.Option(DEFAULT_SAMPLE, help="Folder to write the sample landing files to."),
) -> None:
    """Regenerate the synthetic sample data (fixed seed, real published formats)."""
    from pipelines.sample import generate_sample

    written = generate_sample(out)
    for source, count in written.items():
        typer.echo(f"  {source:<12} {count:>3} file(s)")
    typer.echo(f"Sample data written to {out}/")


@app.command()
def run(
    source: list[str] = typer.Option(
        None, "--source", "-s", help="Only these sources' assets and what depends on them."
    ),
) -> None:
    """Materialise every asset (or one source's) against CHORUS_LANDING_DIR and print what was built."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import dagster as dg

    from pipelines.definitions import defs

    settings = _settings()
    _ensure_sample(settings.landing_dir)
    if not settings.landing_dir.is_dir():
        typer.echo(
            f"error: landing folder {settings.landing_dir} does not exist (set CHORUS_LANDING_DIR)", err=True
        )
        raise typer.Exit(2)
    definitions = defs()
    graph = definitions.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    if source:
        groups = set(source)
        unknown = groups - {graph.get(k).group_name for k in keys}
        if unknown:
            typer.echo(f"error: unknown source(s) {', '.join(sorted(unknown))}", err=True)
            raise typer.Exit(2)
        selection = dg.AssetSelection.groups(*groups).downstream()
    else:
        selection = dg.AssetSelection.all()
    result = _execute(definitions, selection, "chorus_cli_run")
    _print_summary(settings)
    if not _report_failures(result):
        raise typer.Exit(1)


def _instance():  # noqa: ANN202 - dagster imported lazily
    """The persistent instance under DAGSTER_HOME (runs show in the UI), else an ephemeral one."""
    import dagster as dg

    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def _pid_alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie or a reused pid of a non-Python process counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc (macOS): trust kill(0)
    return stat.rsplit(")", 1)[1].split()[0] != "Z" and (b"python" in cmdline or b"chorus" in cmdline)


def recover_crashed_cli_runs(instance) -> list[str]:  # noqa: ANN001
    """Mark CLI runs whose process died (SIGKILL, OOM) as failed and free their pool slots.

    A run started by this CLI executes in this process, not under the daemon, so run monitoring never
    sees it die: its ``duckdb_writer`` slot would stay claimed and the next run would wait forever.
    Each CLI run is tagged with its host and pid; a run on this host whose pid is gone is over.
    """
    import socket

    import dagster as dg

    recovered = []
    active = dg.RunsFilter(
        statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.NOT_STARTED],
        tags={CLI_HOST_TAG: socket.gethostname()},
    )
    for run in instance.get_runs(filters=active):
        pid = run.tags.get(CLI_PID_TAG, "")
        if not pid.isdigit() or _pid_alive(int(pid)):
            continue
        instance.report_run_failed(run, f"the chorus process (pid {pid}) ended without finishing the run")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        recovered.append(run.run_id)
    return recovered


CLI_HOST_TAG = "chorus/cli_host"
CLI_PID_TAG = "chorus/cli_pid"


def _execute(definitions, selection, job_name: str):  # noqa: ANN001, ANN202
    """Run ``selection`` in this process, after freeing what crashed earlier CLI runs left behind."""
    import socket

    import dagster as dg

    instance = _instance()
    for run_id in recover_crashed_cli_runs(instance):
        typer.echo(
            f"note: run {run_id} was interrupted earlier; marked failed and its pool slot freed", err=True
        )
    job = dg.define_asset_job(job_name, selection=selection)
    resolved = dg.Definitions.merge(definitions, dg.Definitions(jobs=[job])).resolve_job_def(job_name)
    tags = {CLI_HOST_TAG: socket.gethostname(), CLI_PID_TAG: str(os.getpid())}
    # INFO, not Dagster's DEBUG event stream: the terminal shows each file and step's progress lines.
    run_config = {
        "loggers": {"console": {"config": {"log_level": os.environ.get("CHORUS_LOG_LEVEL", "INFO")}}}
    }
    return resolved.execute_in_process(
        instance=instance, raise_on_error=False, tags=tags, run_config=run_config
    )


def _report_failures(result) -> bool:  # noqa: ANN001
    """Print failed steps and checks, one line each; True when the run succeeded."""
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    failed_checks = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed
    ]
    for event in failures:
        typer.echo(
            f"FAILED {event.step_key}: {event.event_specific_data.error.message.strip().splitlines()[0]}",
            err=True,
        )
    for check in failed_checks:
        typer.echo(
            f"CHECK FAILED {check.asset_key.to_user_string()} {check.check_name}: {check.description or ''}",
            err=True,
        )
    return bool(result.success)


@app.command()
def publish() -> None:
    """Copy marts and ref from the working store into CHORUS_PUBLISHED (atomic swap) and Parquet."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import dagster as dg

    from pipelines.definitions import defs

    settings = _settings()
    if not settings.warehouse.exists():
        typer.echo(f"error: no working store at {settings.warehouse}: run `chorus run` first", err=True)
        raise typer.Exit(2)
    # Through Dagster, not publish_store directly: the step takes the duckdb_writer pool slot (so it
    # never races a refresh) and the materialisation shows in the UI.
    result = _execute(defs(), dg.AssetSelection.assets(dg.AssetKey("published_store")), "chorus_cli_publish")
    if not _report_failures(result):
        raise typer.Exit(1)
    typer.echo(
        f"Published store: {settings.published}  (open read-only: duckdb -readonly {settings.published})"
    )


def _ledger_path(path: Path, landing: Path) -> str:
    """The ledger's name for ``path``: relative to the landing folder, whether given that way or not."""
    try:
        return path.resolve().relative_to(landing.resolve()).as_posix()
    except ValueError:
        return path.as_posix().removeprefix("./")


def _source_of(rel: str) -> str:
    """The landing sub-folder (source) a ledger path belongs to, or exit 2 naming the known ones."""
    from schemas.settings import SOURCES

    source = rel.split("/", 1)[0]
    if source not in SOURCES or "/" not in rel:
        typer.echo(
            f"error: {rel} is not a file of a source folder ({', '.join(SOURCES)}); give it as <source>/<file>",
            err=True,
        )
        raise typer.Exit(2)
    return source


@contextmanager
def _working_store(settings) -> Iterator:  # noqa: ANN001
    """A short write connection to the working store, or exit 1 with one line when a refresh holds it."""
    import duckdb

    from pipelines.store import ensure_store

    try:
        con = duckdb.connect(str(settings.warehouse))
    except duckdb.IOException as exc:  # another process (a running refresh) holds the file
        typer.echo(f"error: the working store is busy ({str(exc).splitlines()[0]}); try again", err=True)
        raise typer.Exit(1) from None
    try:
        ensure_store(con)
        yield con
    finally:
        con.close()


def _republish(source: str) -> None:
    """Run ``source``'s assets and everything downstream: marts, published file, Parquet, reports."""
    import dagster as dg

    from pipelines.definitions import defs

    result = _execute(defs(), dg.AssetSelection.groups(source).downstream(), "chorus_cli_republish")
    if not _report_failures(result):
        typer.echo("error: republishing failed; the withdrawal stands and the next run retries it", err=True)
        raise typer.Exit(1)


@app.command()
def withdraw(
    path: Path = typer.Argument(
        ..., help="The file, as a path or relative to the landing folder (gpps/x.csv)."
    ),
    reason: str = typer.Option(
        ..., "--reason", help="Why (recorded in the ledger), e.g. 'personal data in row 12'."
    ),
    republish: bool = typer.Option(
        True, "--republish/--no-republish", help="Rebuild the marts, published file, Parquet and reports now."
    ),
) -> None:
    """Withdraw a landing file: its rows leave the store and everything published; it is not loaded again.

    The file may stay in the landing folder: its content is held until it changes or `chorus readmit`.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    from pipelines.ingest import sha256_of
    from pipelines.withdraw import WithdrawalError, ledger_paths_like, withdraw_file

    settings = _settings()
    if not reason.strip():
        typer.echo("error: --reason must say why the file is withdrawn", err=True)
        raise typer.Exit(2)
    if not settings.warehouse.exists():
        typer.echo(f"error: no working store at {settings.warehouse}: nothing was loaded yet", err=True)
        raise typer.Exit(2)
    rel = _ledger_path(path, settings.landing_dir)
    source = _source_of(rel)
    on_disk = settings.landing_dir / rel
    with _working_store(settings) as con:
        try:
            withdrawal = withdraw_file(
                con,
                rel,
                reason=reason.strip(),
                deliberate=True,
                source=source,
                sha256=sha256_of(on_disk) if on_disk.is_file() else None,
                size=on_disk.stat().st_size if on_disk.is_file() else None,
            )
        except WithdrawalError as exc:
            similar = ledger_paths_like(con, Path(rel).name)
            hint = f" (did you mean {', '.join(similar)}?)" if similar else ""
            typer.echo(f"error: {exc}{hint}", err=True)
            raise typer.Exit(2) from None
    typer.echo(withdrawal.sentence())
    if on_disk.is_file():
        typer.echo(
            f"  {rel} stays in the landing folder but is not loaded again until it changes or `chorus readmit {rel}`"
        )
    if republish:
        _republish(withdrawal.source)
        typer.echo(f"Republished without {rel}: {settings.published}")


@app.command()
def readmit(
    path: Path = typer.Argument(
        ..., help="A file withdrawn with `chorus withdraw` (path or relative to the landing folder)."
    ),
    run_now: bool = typer.Option(True, "--run/--no-run", help="Load it and republish now."),
) -> None:
    """Lift a withdrawal: the file (if in the landing folder) loads again on the next run of its source."""
    from pipelines.withdraw import readmit as lift

    settings = _settings()
    if not settings.warehouse.exists():
        typer.echo(f"error: no working store at {settings.warehouse}", err=True)
        raise typer.Exit(2)
    rel = _ledger_path(path, settings.landing_dir)
    source = _source_of(rel)
    with _working_store(settings) as con:
        lifted = lift(con, rel)
    if not lifted:
        typer.echo(f"error: {rel} is not held by a withdrawal", err=True)
        raise typer.Exit(2)
    typer.echo(f"{rel}: readmitted; it loads on the next run of '{source}'")
    if run_now:
        _republish(source)


def _print_summary(settings) -> None:  # noqa: ANN001
    from pipelines.store import open_store

    with open_store(settings.warehouse) as con:
        tables = con.execute(
            """SELECT schema_name || '.' || table_name, estimated_size FROM duckdb_tables()
               WHERE schema_name IN ('staged', 'ref', 'marts', 'quarantine', 'meta') ORDER BY 1"""
        ).fetchall()
        counts = [(t, con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t, _ in tables]
        failed = con.execute(
            "SELECT path, error FROM meta.ingest_ledger WHERE status = 'failed' ORDER BY path"
        ).fetchall()
        withdrawn = con.execute(
            """SELECT path, withdrawn_at, withdrawal_reason FROM meta.ingest_ledger
               WHERE status = 'withdrawn' ORDER BY path"""
        ).fetchall()
    typer.echo("\nTables built (rows):")
    for table, count in counts:
        typer.echo(f"  {table:<45} {count:>10,}")
    for path, error in failed:
        typer.echo(f"  file not loaded: {error or path}")
    for path, at, why in withdrawn:
        typer.echo(f"  file withdrawn:  {path} ({at:%Y-%m-%d %H:%M}: {why})")
    typer.echo(f"\nWorking store:   {settings.warehouse}")
    if settings.published.exists():
        typer.echo(
            f"Published store: {settings.published}  (open read-only: duckdb -readonly {settings.published})"
        )
    typer.echo("Dagster UI:      make ui   -> http://127.0.0.1:3000")
    typer.echo(
        'Query:           .venv/bin/python -c "import duckdb; '
        f"print(duckdb.connect('{settings.published if settings.published.exists() else settings.warehouse}', read_only=True)"
        ".sql('SHOW ALL TABLES'))\""
    )


@app.command()
def status() -> None:
    """Per source: files, rows read / loaded / quarantined, failures, last refresh."""
    from pipelines.store import open_store

    settings = _settings()
    if not settings.warehouse.exists():
        typer.echo(f"No store yet at {settings.warehouse}: run `chorus run` first.", err=True)
        raise typer.Exit(1)
    with open_store(settings.warehouse) as con:
        rows = con.execute(
            """SELECT source, count(*) AS files, count(*) FILTER (status = 'failed') AS failed,
                      count(*) FILTER (status = 'withdrawn') AS withdrawn,
                      sum(rows_read) FILTER (status <> 'withdrawn'), sum(rows_loaded) FILTER (status <> 'withdrawn'),
                      sum(rows_quarantined) FILTER (status <> 'withdrawn'), max(finished_at)
               FROM meta.ingest_ledger GROUP BY 1 ORDER BY 1"""
        ).fetchall()
    typer.echo(
        f"{'source':<12} {'files':>5} {'failed':>6} {'withdr.':>7} {'read':>10} {'loaded':>10} {'quarant.':>8}  last refresh"
    )
    for source, files, failed, withdrawn, read, loaded, quarantined, last in rows:
        typer.echo(
            f"{source:<12} {files:>5} {failed:>6} {withdrawn:>7} {read or 0:>10,} {loaded or 0:>10,} "
            f"{quarantined or 0:>8,}  {last}"
        )
    if any(r[2] for r in rows):
        raise typer.Exit(1)


@app.command()
def report(
    icb: str = typer.Option(None, "--icb", help="Only this ICB (ODS code, e.g. QWE); default every ICB."),
    out: Path = typer.Option(None, "--out", help="Folder for the HTML files (default CHORUS_REPORT_DIR)."),
) -> None:
    """Write the inequalities report: one self-contained HTML page per ICB, from the published store."""
    from pipelines.publish import ICB_REPORT_FILES, remove_stale_files
    from pipelines.report import render_all_reports, render_icb_report
    from pipelines.report.data import list_icbs

    settings = _settings()
    out_dir = out or settings.report_path
    if not settings.published.exists():
        typer.echo(f"error: no published store at {settings.published}: run `chorus run` first", err=True)
        raise typer.Exit(2)
    try:
        icbs = list_icbs(settings.published)
        if icb is not None and icb not in icbs:
            known = ", ".join(icbs) or "none"
            typer.echo(f"error: ICB {icb} is not in the published store (ICBs present: {known})", err=True)
            raise typer.Exit(2)
        paths = (
            [render_icb_report(settings.published, icb, out_dir)]
            if icb
            else render_all_reports(settings.published, out_dir)
        )
        if not icb:  # an ICB no longer published (its files withdrawn) loses its page
            remove_stale_files(out_dir, [ICB_REPORT_FILES], keep=paths)
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001 - one line a person understands, for schedulers
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        typer.echo(f"error: report failed: {type(exc).__name__}: {first}", err=True)
        raise typer.Exit(1) from None
    for path in paths:
        typer.echo(f"  {path}")
    if not icb:
        typer.echo(f"Index: {out_dir / 'index.html'}")
    typer.echo(f"Wrote {len(paths)} report(s); open in any browser, no network needed.")


# --------------------------------------------------------------------------------------------------
# chorus text ...: code or retrain on CSV files, without running the pipeline
# --------------------------------------------------------------------------------------------------

text_app = typer.Typer(
    no_args_is_help=True,
    help="Redact and code a CSV of comments, or retrain the theme/sentiment model, without the pipeline.",
)
app.add_typer(text_app, name="text")


def _text_error(exc: BaseException, code: int) -> typer.Exit:
    """Print one line a person understands and return the exit to raise."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    typer.echo(f"error: {first}" if code == 2 else f"error: {type(exc).__name__}: {first}", err=True)
    return typer.Exit(code)


@text_app.command("code")
def text_code(
    in_csv: Path = typer.Argument(..., help="CSV of comments (UTF-8; one row per comment)."),
    out_csv: Path = typer.Argument(..., help="Where to write the coded CSV (same rows, same order)."),
    text_col: str = typer.Option("text", "--text-col", help="Column holding the comment."),
    question_col: str = typer.Option(
        None,
        "--question-col",
        help="Column holding the question answered (sharpens sentiment: 'Nothing' to 'what could be better?').",
    ),
    rating_col: str = typer.Option(
        None,
        "--rating-col",
        help="Column holding the score given with the comment, 1 very positive .. 5 very negative (FFT order); "
        "read with the question, it sharpens sentiment.",
    ),
    model: Path = typer.Option(
        None, "--model", help="Model folder from `chorus text train` (default: the shipped model)."
    ),
    names: bool = typer.Option(
        False, "--names", help="Also redact names after titles/cues (Dr Smith, 'my name is ...'); see README."
    ),
    drop_text: bool = typer.Option(
        False, "--drop-text", help="Leave the original (unredacted) text column out of the output."
    ),
    encoding: str = typer.Option(
        "utf-8-sig", "--encoding", help="Input encoding (e.g. cp1252 for some Excel exports)."
    ),
    batch_size: int = typer.Option(20_000, "--batch-size", min=1, help="Rows per batch (memory stays flat)."),
) -> None:
    """Redact personal data, then code themes (framework v7), topics and sentiment for every row of a CSV."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from pipelines.text.csv_coding import CsvInputError, code_csv

    progress = Progress(
        TextColumn("coding"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"), TextColumn("{task.fields[rows]:>12,} rows"),
        TimeElapsedColumn(), TimeRemainingColumn(), transient=True, console=None,
    )  # fmt: skip
    try:
        with progress:
            task = progress.add_task("code", total=None, rows=0)

            def report(rows: int, done: int, total: int) -> None:
                progress.update(task, completed=done, total=total, rows=rows)

            summary = code_csv(
                in_csv, out_csv, text_col=text_col, question_col=question_col, rating_col=rating_col, model_dir=model,
                names=names,
                drop_text=drop_text, encoding=encoding, batch_size=batch_size, progress=report,
            )  # fmt: skip
    except CsvInputError as exc:
        raise _text_error(exc, 2) from None
    except Exception as exc:  # noqa: BLE001 - one line for schedulers; exit 1
        raise _text_error(exc, 1) from None
    typer.echo(f"Coded {summary.rows:,} comments ({summary.redactions:,} redactions) -> {summary.out_path}")


@text_app.command("train")
def text_train(
    csv_path: Path = typer.Argument(..., metavar="CSV", help="Labelled comments, one row each."),
    out: Path = typer.Option(..., "--out", help="Folder to write the model (and evaluation.json / .md) to."),
    text_col: str = typer.Option("text", "--text-col", help="Column holding the comment."),
    labels: list[str] = typer.Option(
        None,
        "--labels",
        help="Label column(s); repeat for several. One column of labels joined by --label-sep, or one-hot 0/1 "
        "columns, or code columns. Default: one-hot columns named after framework v7 (or v6) labels.",
    ),
    label_format: str = typer.Option("auto", "--label-format", help="auto | onehot | list | code"),
    label_map: str = typer.Option(
        "auto", "--label-map", help="auto | v7 | v6 | phase1: the labels' scheme (mapped to v7)."
    ),
    label_sep: str = typer.Option("|", "--label-sep", help="Separator inside a list column."),
    sentiment_col: str = typer.Option(
        None, "--sentiment-col", help="Column with a 1 (very positive) .. 5 (very negative) score."
    ),
    question_col: str = typer.Option(None, "--question-col", help="Column holding the question answered."),
    group_col: str = typer.Option(
        None, "--group-col", help="Respondent id: held-out rows never share one with training rows."
    ),
    rating_col: str = typer.Option(
        None,
        "--rating-col",
        help="Score given with the comment, 1 very positive .. 5 very negative (FFT order): trains the sentiment "
        "context head.",
    ),
    holdout: float = typer.Option(
        0.2, "--holdout", help="Share of respondents (rows) held out for the evaluation report; 0 = none."
    ),
    phase1_dir: Path = typer.Option(
        None, "--add-phase1", help="Also train on the pxtextmining phase-1 files in this folder."
    ),
    no_refit: bool = typer.Option(
        False, "--no-refit", help="Save the evaluated model instead of refitting on every row."
    ),
) -> None:
    """Retrain the theme/sentiment model from a labelled CSV; writes the model folder and an evaluation report."""
    from pipelines.text.csv_coding import CsvInputError, train_csv

    if label_format not in {"auto", "onehot", "list", "code"} or label_map not in {
        "auto",
        "v7",
        "v6",
        "phase1",
    }:
        typer.echo(
            "error: --label-format is auto|onehot|list|code and --label-map is auto|v7|v6|phase1", err=True
        )
        raise typer.Exit(2)
    typer.echo(f"Training on {csv_path} ...", err=True)
    started = time.perf_counter()

    def step(message: str) -> None:  # training takes minutes on a full file: say what it is doing
        typer.echo(f"  [{time.perf_counter() - started:5.0f} s] {message}", err=True)

    try:
        result = train_csv(
            csv_path, out, text_col=text_col, labels=labels or None, label_format=label_format, label_map=label_map,
            label_sep=label_sep, sentiment_col=sentiment_col, question_col=question_col, group_col=group_col,
            rating_col=rating_col, holdout=holdout, phase1_dir=phase1_dir, refit=not no_refit, progress=step,
        )  # fmt: skip
    except CsvInputError as exc:
        raise _text_error(exc, 2) from None
    except Exception as exc:  # noqa: BLE001 - one line for schedulers; exit 1
        raise _text_error(exc, 1) from None
    th, se = result.report["themes"], result.report["sentiment"]
    typer.echo(
        f"Trained on {result.rows:,} rows ({result.label_format} labels, {result.label_map} scheme). "
        f"Held-out theme micro-F1 {th['micro_f1']:.3f}, macro-F1 {th['macro_f1']:.3f}; "
        f"sentiment accuracy (3 classes) {se['accuracy_3class']:.3f}"
    )
    typer.echo(
        f"Model:  {result.model_dir}   (use: chorus text code IN.csv OUT.csv --model {result.model_dir})"
    )
    typer.echo(f"Report: {result.report_md}")


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
