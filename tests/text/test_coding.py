"""The text stage over a small store: incremental by comment version, and recoded when the coder changes."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from pipelines.core.store import ensure_store
from pipelines.sources.shared.comments import ensure_comment_tables
from pipelines.text import coding
from pipelines.text.coding import code_comments, coder_version
from pipelines.text.framework import keyword_topics
from pipelines.text.model import ThemeSentimentModel, model_dir_fingerprint

COMMENTS = [
    ("fft:1", "The nurses were kind and listened to me", "What was good?"),
    (
        "fft:2",
        "Waited four hours, call me on 0113 496 0356 2 days later nobody rang",
        "What could we do better?",
    ),
    ("fft:3", "No interpreter for my mum, she is deaf", "What could we do better?"),
    ("fft:4", "", "What was good?"),
]
TABLES = ("comment_text", "comment_redactions", "comment_themes", "comment_sentiment")


@pytest.fixture(scope="module")
def model() -> ThemeSentimentModel:
    return ThemeSentimentModel.load()


@pytest.fixture
def store() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    ensure_store(con)
    ensure_comment_tables(con)
    for cid, text, question in COMMENTS:
        con.execute(
            "INSERT INTO raw.comment_text (comment_id, source, text, file_sha256) VALUES (?, 'fft', ?, 'sha1')",
            [cid, text],
        )
        con.execute(
            """INSERT INTO staged.comments (comment_id, source, channel, question, text_ref, file_sha256)
               VALUES (?, 'fft', 'survey_comment', ?, ?, 'sha1')""",
            [cid, question, cid],
        )
    yield con
    con.close()


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM staged.{t}").fetchone()[0] for t in TABLES}


def test_codes_once_then_nothing_new(store: duckdb.DuckDBPyConnection, model: ThemeSentimentModel) -> None:
    first = code_comments(store, model)
    assert first.coded == len(COMMENTS)
    counts = _counts(store)
    assert counts["comment_text"] == counts["comment_sentiment"] == len(COMMENTS)
    texts = dict(store.execute("SELECT comment_id, text_redacted FROM staged.comment_text").fetchall())
    assert texts["fft:2"] == "Waited four hours, call me on [PHONE] 2 days later nobody rang"
    assert store.execute("SELECT DISTINCT coded_with FROM staged.comment_text").fetchall() == [
        (coder_version(model),)
    ]
    again = code_comments(store, model)
    assert (again.coded, again.removed) == (0, 0)
    assert _counts(store) == counts


def test_sentiment_reads_the_rating_given_with_the_comment(
    store: duckdb.DuckDBPyConnection, model: ThemeSentimentModel
) -> None:
    """The coder passes staged.comments.rating (FFT score) to the model with the question."""
    assert model.sentiment_context_coef is not None  # the shipped model has the context head
    text, question = "Not bad", "Why did you give this answer?"
    for cid, rating in (("fft:5", 1), ("fft:6", 5), ("fft:7", None)):
        store.execute(
            "INSERT INTO raw.comment_text (comment_id, source, text, file_sha256) VALUES (?, 'fft', ?, 'sha1')",
            [cid, text],
        )
        store.execute(
            """INSERT INTO staged.comments (comment_id, source, channel, question, rating, text_ref, file_sha256)
               VALUES (?, 'fft', 'survey_comment', ?, ?, ?, 'sha1')""",
            [cid, question, rating, cid],
        )
    code_comments(store, model)
    got = store.execute(
        """SELECT sentiment_score, sentiment_class, confidence FROM staged.comment_sentiment
           WHERE comment_id IN ('fft:5', 'fft:6', 'fft:7') ORDER BY comment_id"""
    ).fetchall()
    expected = model.predict_arrays([text] * 3, [question] * 3, [1, 5, None])
    assert [row[0] for row in got] == expected.sentiment.tolist()
    assert [row[2] for row in got] == pytest.approx(expected.sentiment_proba.max(axis=1).tolist(), abs=1e-6)
    assert got[0][1] == "positive" and got[1][1] == "negative"  # same words, top vs bottom FFT score


def test_a_new_coder_recodes_every_comment_without_duplicates(
    store: duckdb.DuckDBPyConnection, model: ThemeSentimentModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    code_comments(store, model)
    counts = _counts(store)
    # Text an earlier coder stored before a redaction rule existed: it must not survive a coder change.
    store.execute(
        "UPDATE staged.comment_text SET text_redacted = 'call me on 0113 496 0356 2 days later' WHERE comment_id = 'fft:2'"
    )
    monkeypatch.setattr(coding, "coder_version", lambda model=None: "a-newer-coder")
    summary = code_comments(store, model)
    assert summary.coded == len(COMMENTS)
    assert summary.removed == sum(counts.values())  # every old code row replaced, none left beside the new
    assert _counts(store) == counts
    text = store.execute(
        "SELECT text_redacted FROM staged.comment_text WHERE comment_id = 'fft:2'"
    ).fetchone()[0]
    assert "[PHONE]" in text and "0113" not in text
    assert store.execute("SELECT DISTINCT coded_with FROM staged.comment_text").fetchall() == [
        ("a-newer-coder",)
    ]


def test_shipped_model_version_is_known_without_loading_it(model: ThemeSentimentModel) -> None:
    # The asset passes no model: the version must equal the one the loaded shipped model gives.
    assert model.fingerprint == model_dir_fingerprint()
    assert coder_version(None) == coder_version(model)


def test_a_retrained_model_is_a_new_coder(model: ThemeSentimentModel) -> None:
    other = ThemeSentimentModel(
        model.features, model.labels, model.theme_coef * 0.5, model.theme_intercept, model.theme_platt,
        model.thresholds, model.sentiment_coef, model.sentiment_intercept,
    )  # fmt: skip
    assert coder_version(other) != coder_version(model)


def test_keyword_rule_rows_equal_the_python_rules(
    store: duckdb.DuckDBPyConnection, model: ThemeSentimentModel
) -> None:
    # The stage matches keyword topics in SQL (a gate over every rule, then each topic on the candidates);
    # it must flag exactly what keyword_topics() flags on the redacted text.
    store.execute(
        """INSERT INTO raw.comment_text (comment_id, source, text, file_sha256) VALUES
           ('fft:5', 'fft', 'Staff were racist and my privacy was ignored', 'sha1'),
           ('fft:6', 'fft', 'Wheelchair access was poor; I felt unsafe', 'sha1')"""
    )
    code_comments(store, model)
    got = set(
        store.execute(
            "SELECT comment_id, label FROM staged.comment_themes WHERE method = 'keyword_rule'"
        ).fetchall()
    )
    texts = store.execute("SELECT comment_id, text_redacted FROM staged.comment_text").fetchall()
    expected = {(cid, topic) for cid, text in texts for topic in keyword_topics(text)}
    assert {cid for cid, _ in expected} >= {"fft:3", "fft:5"}  # the rules do fire on these comments
    assert got == expected
