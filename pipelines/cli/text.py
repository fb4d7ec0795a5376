"""`chorus text code` and `chorus text train`: code or retrain on CSV files, without running the pipeline."""

from __future__ import annotations

import time
from pathlib import Path

import typer


def _text_error(exc: BaseException, code: int) -> typer.Exit:
    """Print one line a person understands and return the exit to raise."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    typer.echo(f"error: {first}" if code == 2 else f"error: {type(exc).__name__}: {first}", err=True)
    return typer.Exit(code)


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

    from pipelines.text.csv_coding import code_csv
    from pipelines.text.csv_io import CsvInputError

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
    from pipelines.text.csv_io import CsvInputError
    from pipelines.text.training import train_csv

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
