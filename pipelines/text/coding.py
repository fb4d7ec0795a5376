"""The text stage: redact every comment, then code its themes and sentiment, in batches.

Reads ``raw.comment_text`` (the only place raw text lives) joined to ``staged.comments`` (for the
question and the rating given with the comment), and writes only redacted text and codes: ``staged.comment_text``, ``staged.comment_redactions``
(kinds found, never values), ``staged.comment_themes`` and ``staged.comment_sentiment``. Incremental: a
comment is (re)coded when its (comment_id, file_sha256) is new, so nightly runs code only new files'
comments, and memory stays flat however many comments there are (``batch_size`` at a time).
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipelines.core.sql import quote_literal, run_sql_file
from pipelines.text.framework import category_of, keyword_topic_patterns
from pipelines.text.model import ThemeSentimentModel, model_dir_fingerprint
from pipelines.text.redaction import redact
from pipelines.text.sentiment import sentiment3

TABLES_SQL = Path(__file__).with_name("coding.sql")
COMMIT_EVERY = 200_000  # comments per transaction


@dataclass(frozen=True)
class CodingSummary:
    coded: int
    removed: int  # code rows dropped because their comment's file changed or went
    redactions: int


def ensure_text_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the text stage's tables if they are missing."""
    run_sql_file(con, TABLES_SQL)


# What decides a comment's coding besides the model's weights: redaction rules, keyword rules, tokens,
# features and the prediction code.
CODER_SOURCES: tuple[Path, ...] = tuple(
    Path(__file__).with_name(name)
    for name in ("redaction.py", "framework.py", "tokens.py", "features.py", "sentiment.py", "model.py")
)


def coder_version(model: ThemeSentimentModel | None = None) -> str:
    """A short hash of what codes a comment: the redaction and keyword rules, the feature code and the
    model (``None``: the shipped model, hashed from its files without loading it)."""
    digest = hashlib.sha256()
    for path in CODER_SOURCES:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update((model.fingerprint if model is not None else model_dir_fingerprint()).encode())
    return digest.hexdigest()[:16]


def code_comments(
    con: duckdb.DuckDBPyConnection,
    model: ThemeSentimentModel | None = None,
    batch_size: int = 20_000,
    progress: Callable[[int, int], None] | None = None,
) -> CodingSummary:
    """Redact and code every comment not yet coded in its current version by the current coder; drop
    codes of comments gone.

    A change to the redaction rules, the keyword rules or the model changes the coder version, and every
    comment is coded again: a new redaction rule must reach text redacted before it existed.
    """
    ensure_text_tables(con)
    removed = 0
    version = coder_version(model)
    # Codes whose comment (in that file version) is gone, or that an earlier coder wrote: found with one
    # anti-join, deleted only if any.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _stale AS
           SELECT t.comment_id, t.file_sha256 FROM staged.comment_text t
           WHERE t.coded_with IS DISTINCT FROM $version
              OR NOT EXISTS (SELECT 1 FROM raw.comment_text r WHERE r.comment_id = t.comment_id AND r.file_sha256 = t.file_sha256)""",
        {"version": version},
    )
    if con.execute("SELECT count(*) FROM _stale").fetchall()[0][0]:
        for table in (
            "staged.comment_text",
            "staged.comment_redactions",
            "staged.comment_themes",
            "staged.comment_sentiment",
        ):
            removed += con.execute(
                f"""DELETE FROM {table} t USING _stale s
                    WHERE s.comment_id = t.comment_id AND s.file_sha256 = t.file_sha256"""
            ).fetchall()[0][0]
    # Only the row ids of what to code are held (not the text): memory per comment is a few bytes, and
    # each batch's text is read from raw when its turn comes.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _to_code AS
           SELECT row_number() OVER (ORDER BY r.comment_id, r.rowid) AS batch_row, r.rowid AS rid,
                  c.rowid AS cid  -- the comment's row in staged.comments (its question), matched once here
           FROM raw.comment_text r LEFT JOIN staged.comments c ON c.comment_id = r.comment_id
           WHERE NOT EXISTS (SELECT 1 FROM staged.comment_text t WHERE t.comment_id = r.comment_id AND t.file_sha256 = r.file_sha256)"""
    )
    total = int(con.execute("SELECT count(*) FROM _to_code").fetchall()[0][0])
    done = redactions = 0
    if total and model is None:
        model = ThemeSentimentModel.load()  # 0.7 s: only when there is something to code
    # Batches by row number: the connection also writes, so a single open cursor cannot be streamed.
    # Several batches share a transaction: DuckDB then writes whole row groups straight to the file
    # instead of logging every batch's rows to the WAL first (a third less write cost), and a crash
    # loses at most one transaction's batches - the next run codes them again.
    per_transaction = max(1, COMMIT_EVERY // batch_size)
    with _cyclic_gc_paused():
        for k, start in enumerate(range(0, total, batch_size)):
            if k % per_transaction == 0:
                con.begin()
            try:
                batch = con.execute(
                    """SELECT r.comment_id, r.file_sha256, r.text, c.question, c.rating
                       FROM (SELECT batch_row, rid, cid FROM _to_code WHERE batch_row > ? AND batch_row <= ?) k
                       JOIN raw.comment_text r ON r.rowid = k.rid
                       LEFT JOIN staged.comments c ON c.rowid = k.cid
                       ORDER BY k.batch_row""",
                    [start, start + batch_size],
                ).fetchall()
                redactions += _code_batch(con, model, batch, version)  # type: ignore[arg-type]
            except BaseException:
                con.rollback()
                raise
            done += len(batch)
            if k % per_transaction == per_transaction - 1 or done == total:
                con.commit()
            if progress:
                progress(done, total)
    return CodingSummary(coded=done, removed=removed, redactions=redactions)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the batch loop.

    Each batch allocates millions of short-lived objects (tokens, ids) that reference counting frees at
    once; the cyclic collector only re-walks them, ~10% of the stage's CPU. Nothing here builds cycles.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _keyword_candidates_sql() -> str:
    """The batch's comments that any keyword topic's rule matches (one RE2 pass with every rule: most
    comments match none, so the per-topic passes below run on a few hundred rows, not the batch)."""
    any_topic = "|".join(f"(?:{pattern})" for pattern in keyword_topic_patterns().values())
    return f"""CREATE OR REPLACE TEMP TABLE _keyword_candidates AS
               SELECT comment_id, file_sha256, text_lower FROM _coded
               WHERE regexp_matches(text_lower, {quote_literal(any_topic)})"""


def _keyword_rule_sql() -> str:
    """One SELECT per keyword topic over the batch's candidates, matched by DuckDB's RE2 (constant patterns)."""
    return " UNION ALL ".join(
        f"""SELECT comment_id, file_sha256, {quote_literal(topic)} AS label, {quote_literal(topic)} AS category,
                   1.0 AS probability, 'keyword_rule' AS method
            FROM _keyword_candidates WHERE regexp_matches(text_lower, {quote_literal(pattern)})"""
        for topic, pattern in keyword_topic_patterns().items()
    )


def _code_batch(
    con: duckdb.DuckDBPyConnection, model: ThemeSentimentModel, batch: list[tuple], version: str
) -> int:
    """Redact, code and write one batch; returns the number of redactions made.

    Per-comment values go to DuckDB as one frame; theme rows as numbers only (row, label index,
    probability), given their ids and label names by a join - building Python strings per theme row cost
    more than the inserts themselves.
    """
    ids = [row[0] for row in batch]
    shas = [row[1] for row in batch]
    results = [redact(row[2] or "") for row in batch]
    texts = [r.text for r in results]
    predictions = model.predict_arrays(texts, [row[3] for row in batch], [row[4] for row in batch])
    sentiment = predictions.sentiment.astype(int)
    classes = np.array([None, *(sentiment3(point) for point in range(1, 6))], dtype=object)
    con.register("_batch", pd.DataFrame({
        "batch_row": np.arange(len(batch)), "comment_id": ids, "file_sha256": shas, "text_redacted": texts,
        "redaction_count": [len(r.kinds) for r in results],
        "sentiment_score": pd.Series(sentiment).where(sentiment > 0).astype("Int64"),
        "sentiment_class": classes[np.clip(sentiment, 0, 5)],
        "confidence": predictions.sentiment_proba.max(axis=1),
    }))  # fmt: skip
    # Copied into DuckDB once: every statement below would otherwise convert the frame's Python strings.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _coded AS SELECT *, lower(text_redacted) AS text_lower FROM _batch"
    )
    con.unregister("_batch")
    con.execute(
        """INSERT INTO staged.comment_text (comment_id, file_sha256, text_redacted, redaction_count, coded_with)
           SELECT comment_id, file_sha256, text_redacted, redaction_count, $version FROM _coded""",
        {"version": version},
    )
    con.execute(
        """INSERT INTO staged.comment_sentiment
           SELECT comment_id, file_sha256, sentiment_score, sentiment_class, confidence FROM _coded"""
    )
    kinds = [(i, s, k) for i, s, r in zip(ids, shas, results, strict=True) for k in r.kinds]
    if kinds:
        con.register("_kinds", pd.DataFrame(kinds, columns=["comment_id", "file_sha256", "kind"]))
        con.execute(
            "INSERT INTO staged.comment_redactions SELECT comment_id, file_sha256, kind, count(*) FROM _kinds GROUP BY ALL"
        )
        con.unregister("_kinds")
    rows, cols = np.nonzero(predictions.theme_mask)
    con.register("_theme_codes", pd.DataFrame({
        "batch_row": rows, "label_index": cols, "probability": predictions.theme_proba[rows, cols],
    }))  # fmt: skip
    con.register("_labels", pd.DataFrame({
        "label_index": np.arange(len(predictions.labels)), "label": list(predictions.labels),
        "category": [category_of(label) for label in predictions.labels],
    }))  # fmt: skip
    con.execute(_keyword_candidates_sql())
    con.execute(
        f"""INSERT INTO staged.comment_themes
            SELECT b.comment_id, b.file_sha256, l.label, l.category, t.probability, 'model' AS method
            FROM _theme_codes t JOIN _coded b USING (batch_row) JOIN _labels l USING (label_index)
            UNION ALL {_keyword_rule_sql()}"""
    )
    for name in ("_theme_codes", "_labels"):
        con.unregister(name)
    con.execute("DROP TABLE _coded; DROP TABLE _keyword_candidates")
    return len(kinds)


CODED_THIS_RUN_SQL = """SELECT t.comment_id, t.text_redacted FROM staged.comment_text t
    JOIN (SELECT r.comment_id, r.file_sha256 FROM _to_code k JOIN raw.comment_text r ON r.rowid = k.rid) c
      ON c.comment_id = t.comment_id AND c.file_sha256 = t.file_sha256"""
"""The redacted texts ``code_comments`` wrote in this connection's last call (for the PII re-scan)."""
