"""`chorus text code` and `chorus text train` through the typer app (CliRunner, in process)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.text.csv_coding import ADDED_COLUMNS
from tests.conftest import SHARED_DATA

runner = CliRunner()

NHS = "943 476 5919"  # valid modulus-11 check digit
ROWS = [
    (
        "r1",
        f"My NHS number is {NHS}, please ring 0113 496 0123 or email jo.bloggs@example.com",
        "What could we do better?",
    ),
    ("r2", "Nothing", "What could we do better?"),
    (
        "r3",
        "The nurses were kind but I waited four hours in A&E, postcode ls1 4ap",
        "Why did you give this answer?",
    ),
    ("r4", "", ""),
    ("r5", 'Reception was rude, "quoted" words, commas, and a\nline break', ""),
    ("r6", "Excellent care from start to finish, thank you", "What was good?"),
]


def _write(
    path: Path, rows: list[tuple[str, str, str]], header: tuple[str, ...] = ("id", "comment", "question")
) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_code_round_trips_rows_redacts_and_adds_columns(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.csv", ROWS * 3)  # several batches with --batch-size 4
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app,
        [
            "text",
            "code",
            str(src),
            str(out),
            "--text-col",
            "comment",
            "--question-col",
            "question",
            "--batch-size",
            "4",
        ],
    )
    assert result.exit_code == 0, result.output
    df = _read(out)
    assert len(df) == len(ROWS) * 3
    assert df["id"].tolist() == [r[0] for r in ROWS] * 3  # order kept
    assert df["comment"].tolist() == [r[1] for r in ROWS] * 3  # input cells unchanged
    assert list(df.columns) == ["id", "comment", "question", *ADDED_COLUMNS]
    first = df.iloc[0]
    for value in (NHS, "0113 496 0123", "jo.bloggs@example.com"):
        assert value not in first["redacted_text"]
    assert set(first["redaction_kinds"].split("; ")) == {"NHS_NUMBER", "PHONE", "EMAIL"}
    assert "[NHS_NUMBER]" in first["redacted_text"]
    assert "ls1 4ap" not in df.iloc[2]["redacted_text"] and df.iloc[2]["redaction_kinds"] == "POSTCODE"
    substantive = df[df["comment"] != ""]
    assert (substantive["themes"] != "").all() and (substantive["categories"] != "").all()
    assert set(substantive["sentiment_class"]) <= {"positive", "neutral", "negative"}
    assert set(substantive["sentiment_score"]) <= {"1", "2", "3", "4", "5"}
    assert df.iloc[1]["sentiment_class"] == "positive"  # "Nothing" to "what could we do better?"
    assert df.iloc[5]["sentiment_class"] == "positive"
    assert (
        df.iloc[3]["sentiment_class"] == "" and df.iloc[3]["redacted_text"] == ""
    )  # blank comment: no sentiment
    assert "\n" in df.iloc[4]["redacted_text"]  # quoting survives the round trip
    assert "Coded 18 comments" in result.output


def test_code_drop_text_leaves_no_raw_text(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.csv", ROWS[:1])
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["text", "code", str(src), str(out), "--text-col", "comment", "--drop-text"])
    assert result.exit_code == 0, result.output
    assert "comment" not in _read(out).columns
    assert NHS not in out.read_text(encoding="utf-8")


def test_code_missing_column_exits_2_with_one_line(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.csv", ROWS[:2])
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["text", "code", str(src), str(out)])  # default --text-col text
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "'text'" in lines[0] and "'comment'" in lines[0] and "'question'" in lines[0]
    assert not out.exists()
    no_rating = runner.invoke(
        app, ["text", "code", str(src), str(out), "--text-col", "comment", "--rating-col", "FFT score"]
    )
    assert no_rating.exit_code == 2 and "'FFT score' (given by --rating-col)" in no_rating.output
    missing = runner.invoke(app, ["text", "code", str(tmp_path / "nope.csv"), str(out)])
    assert missing.exit_code == 2 and len(missing.output.strip().splitlines()) == 1


def test_code_reads_fft_answers_as_ratings_and_rejects_other_values(tmp_path: Path) -> None:
    from pipelines.text.csv_io import RatingError, rating_values
    from pipelines.text.model import ThemeSentimentModel

    scores = ["Very poor", "1", "Don't know", "", "5.0", "6", "Neither good nor poor", " poor "]
    assert rating_values(scores, path="f.csv", column="score") == [5, 1, None, None, 5, None, 3, 4]
    with pytest.raises(RatingError, match=r"f.csv: row 12, column 'score': 'purple' is not a rating"):
        rating_values(["1", "purple"], path="f.csv", column="score", first_row=11)

    rows = [("a", "Not bad", "Why did you give this answer?", "Very poor"),
            ("b", "Not bad", "Why did you give this answer?", "Very good"),
            ("c", "Not bad", "Why did you give this answer?", "Don't know")]  # fmt: skip
    src = _write(tmp_path / "in.csv", rows, header=("id", "comment", "question", "FFT score"))
    out = tmp_path / "out.csv"
    args = ["text", "code", str(src), str(out), "--text-col", "comment", "--question-col", "question"]
    result = runner.invoke(app, [*args, "--rating-col", "FFT score"])
    assert result.exit_code == 0, result.output
    expected = ThemeSentimentModel.load().predict_arrays(["Not bad"] * 3, [rows[0][2]] * 3, [5, 1, None])
    assert _read(out)["sentiment_score"].tolist() == [str(v) for v in expected.sentiment]
    assert _read(out)["sentiment_class"].tolist()[:2] == ["negative", "positive"]

    bad = _write(
        tmp_path / "bad.csv",
        [*rows, ("d", "Fine", "", "purple")],
        header=("id", "comment", "question", "FFT score"),
    )
    failed = runner.invoke(app, ["text", "code", str(bad), str(tmp_path / "bad_out.csv"), "--text-col", "comment",
                                 "--rating-col", "FFT score"])  # fmt: skip
    assert failed.exit_code == 2 and len(failed.output.strip().splitlines()) == 1
    assert "row 4, column 'FFT score': 'purple' is not a rating" in failed.output
    assert not (tmp_path / "bad_out.csv").exists()


def test_train_on_v6_sample_writes_loadable_model_and_report(tmp_path: Path) -> None:
    v6 = SHARED_DATA / "pxtextmining" / "v6framework_train.csv"
    if not v6.exists():
        pytest.skip(f"{v6} is absent on this machine")
    from pipelines.text.framework import V6_TO_V7
    from pipelines.text.model import ThemeSentimentModel

    raw = pd.read_csv(v6, dtype=str, keep_default_na=False)
    respondents = raw["Respondent ID"].drop_duplicates().sample(n=300, random_state=1)
    small = raw[raw["Respondent ID"].isin(respondents)]
    keep = [
        "Respondent ID",
        "FFT question",
        "FFT answer",
        "Comment sentiment",
        "FFT categorical answer",
        *[c for c in raw.columns if c in V6_TO_V7],
    ]
    src = tmp_path / "labelled.csv"
    small[keep].rename(columns={"FFT answer": "comment"}).to_csv(src, index=False)
    out = tmp_path / "model"
    result = runner.invoke(
        app,
        ["text", "train", str(src), "--out", str(out), "--text-col", "comment", "--sentiment-col", "Comment sentiment",
         "--question-col", "FFT question", "--group-col", "Respondent ID", "--rating-col", "FFT categorical answer",
         "--no-refit"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # Each training step is announced as it starts (minutes on a full file), the folds counted.
    for step in ("model for evaluation (", "features: ", "themes: out-of-fold fit 1 of 3", "themes: out-of-fold fit 3 of 3",
                 "themes: final fit", "sentiment: context head", "done in "):  # fmt: skip
        assert step in result.output, step
    model = ThemeSentimentModel.load(out)
    assert len(model.labels) > 20
    # FFT scores 1-5 train the sentiment context head; 6 ("don't know") and 7 count as no rating.
    scores = pd.to_numeric(small["FFT categorical answer"], errors="coerce")
    assert model.sentiment_context_coef is not None
    assert 0 < model.meta["training"]["n_rows_with_rating"] <= int(scores.between(1, 5).sum())
    report = json.loads((out / "evaluation.json").read_text())
    assert report["training"]["label_map"] == "v6" and report["training"]["label_format"] == "onehot"
    assert report["n_theme_rows_scored"] > 0 and 0 < report["themes"]["micro_f1"] <= 1
    report = (out / "evaluation.md").read_text()
    assert "micro-F1" in report and "## Themes by comment length" in report and "| over 40 words |" in report
    coded = tmp_path / "coded.csv"
    _write(tmp_path / "in.csv", [(*r, score) for r, score in zip(ROWS[:3], ("1", "", "5"), strict=True)],
           header=("id", "comment", "question", "score"))  # fmt: skip
    again = runner.invoke(
        app,
        ["text", "code", str(tmp_path / "in.csv"), str(coded), "--text-col", "comment", "--question-col", "question",
         "--rating-col", "score", "--model", str(out)],
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    assert _read(coded)["score"].tolist() == ["1", "", "5"]  # the rating column is kept, row order too


def test_train_missing_column_exits_2(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.csv", ROWS)
    result = runner.invoke(
        app,
        [
            "text",
            "train",
            str(src),
            "--out",
            str(tmp_path / "m"),
            "--text-col",
            "comment",
            "--labels",
            "Themes",
        ],
    )
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 2  # "Training on ..." then the one-line error
    assert "no column 'Themes'" in result.output
