"""Tests for the shipped theme/sentiment model, the v7 framework maps and training from a small CSV."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.text.csv_io import frame_from_csv
from pipelines.text.evaluation import evaluate
from pipelines.text.features import BLOCKS, FeatureSpace
from pipelines.text.fitting import TrainSettings
from pipelines.text.framework import (
    FRAMEWORK_V7,
    KEYWORD_TOPICS,
    V6_TO_V7,
    V7_LABELS,
    all_labels,
    keyword_topics,
    phase1_labels,
    v6_to_v7,
)
from pipelines.text.model import DEFAULT_MODEL_DIR, ThemeSentimentModel
from pipelines.text.sentiment import (
    SENTIMENT3_NAMES,
    SENTIMENT_CONTEXT_SIZE,
    sentiment_context,
    sentiment_context_logits,
    sentiment_context_size,
)
from pipelines.text.tokens import _COMMON_NON_ASCII_PUNCTUATION, question_type
from pipelines.text.tokens import COMMENT_SEP as _SEP
from pipelines.text.tokens import WORD_RE as _WORD_RE
from pipelines.text.tokens import batch_tokens as _batch_tokens

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "pxtextmining"
V6 = DATA / "v6framework_train.csv"


def _need_data() -> None:
    if not V6.exists():
        pytest.skip(f"pxtextmining data absent: {V6} does not exist")


@pytest.fixture(scope="module")
def model() -> ThemeSentimentModel:
    return ThemeSentimentModel.load()


# -- framework ------------------------------------------------------------------------------------


def test_framework_has_32_subcategories_in_10_categories() -> None:
    assert len(FRAMEWORK_V7) == 10
    assert len(V7_LABELS) == 32 == len(set(V7_LABELS))
    assert "Staffing levels & responsiveness" in FRAMEWORK_V7["Staff"]


def test_v6_map_covers_every_v6_column_and_merges() -> None:
    assert v6_to_v7(["Number & deployment of staff", "Staff responsiveness"]) == [
        "Staffing levels & responsiveness"
    ]
    assert all(v is None or v in V7_LABELS for v in V6_TO_V7.values())
    if V6.exists():
        cols = list(pd.read_csv(V6, nrows=0).columns)
        label_cols = cols[cols.index("Comment sentiment") + 1 :]
        assert set(label_cols) <= set(V6_TO_V7), set(label_cols) - set(V6_TO_V7)
    # Every v7 label except the rule-coded empty label is reachable from v6 data.
    assert set(V7_LABELS) == {v for v in V6_TO_V7.values() if v}


def test_phase1_and_keyword_rules() -> None:
    assert phase1_labels("SA") == ["Staff manner & personal attributes"]
    assert phase1_labels("cc") == []
    assert phase1_labels("ep", "No parking spaces at all") == ["Parking"]
    assert keyword_topics("There was no interpreter and I am deaf") == ["Equality, diversity & inclusion"]
    assert keyword_topics("Lovely staff") == []


def test_question_type() -> None:
    assert question_type("What could we do better?") == "improve"
    assert question_type("How could we improve?") == "improve"
    assert question_type("What was good?") == "good"
    assert question_type("FFT Why?") == "why"
    assert question_type(None) == question_type("Trust A - Q1") == "unknown"


# -- shipped model --------------------------------------------------------------------------------


def test_shipped_model_is_plain_arrays_and_json() -> None:
    files = {p.name for p in DEFAULT_MODEL_DIR.iterdir()}
    assert {"vocabulary.json", "weights.npz", "model.json"} <= files
    assert not [f for f in files if f.endswith((".pkl", ".pickle", ".joblib", ".sav"))]
    with np.load(DEFAULT_MODEL_DIR / "weights.npz", allow_pickle=False) as w:
        assert all(w[k].dtype != object for k in w.files)
    meta = json.loads((DEFAULT_MODEL_DIR / "model.json").read_text())
    assert meta["labels"] == list(V7_LABELS)
    assert sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir()) < 15_000_000


def test_label_set_is_framework_plus_topics(model: ThemeSentimentModel) -> None:
    assert model.labels == V7_LABELS
    assert model.label_set == all_labels() == V7_LABELS + tuple(KEYWORD_TOPICS)


def test_known_comments(model: ThemeSentimentModel) -> None:
    texts = [
        "The receptionist was rude and I couldn't get through on the phone",
        "Nothing, everything was great",
        "Nothing",
        "The food was cold",
        "There was no interpreter for my mother who is deaf",
        "",
    ]
    questions = ["What could we do better?", "What could we do better?", "What was good?", None, None, None]
    c = model.predict(texts, questions)
    assert {"Staff manner & personal attributes", "Contacting services"} & set(c[0].themes)
    assert c[0].sentiment3 == "negative"
    assert c[1].sentiment3 == "positive" and "Positive experience & gratitude" in c[1].themes
    assert c[2].sentiment3 == "negative"  # "Nothing" was good
    assert "Food & drink provision & facilities" in c[3].themes and c[3].sentiment3 == "negative"
    assert "Equality, diversity & inclusion" in c[4].topics
    assert c[5].themes == ("Labelling not possible",) and c[5].sentiment is None
    assert all(len(x.themes) >= 1 for x in c)  # every comment gets at least its most probable label
    assert all(x.categories for x in c)


def test_labelling_not_possible_stands_alone(model: ThemeSentimentModel) -> None:
    """ "Labelling not possible" is never printed beside a label: it means no other label applies."""
    texts = ["Not bad", "Nothing.", "No", "N/A really", "Can't think of anything", "Don't know", "Jail", "ok"]
    e = model.labels.index("Labelling not possible")
    for question in ("FFT Why?", "What could we do better?", None):
        pr = model.predict_arrays(texts, [question] * len(texts))
        assert not (pr.theme_mask[:, e] & (pr.theme_mask.sum(axis=1) > 1)).any()
        # It is still given when nothing else passes its threshold ("Don't know").
        assert pr.theme_mask[texts.index("Don't know")].tolist() == [j == e for j in range(len(model.labels))]
    raw = model.thresholds <= model.predict_arrays(texts, ["FFT Why?"] * len(texts)).theme_proba
    assert (raw[:, e] & (raw.sum(axis=1) > 1)).any()  # the case the rule is for does occur


def test_array_api_shapes(model: ThemeSentimentModel) -> None:
    pr = model.predict_arrays(["Lovely staff", "Long wait", "Lovely staff"], ["FFT Why?"] * 3)
    assert pr.theme_proba.shape == (3, 32) and pr.sentiment_proba.shape == (3, 5)
    assert pr.theme_mask.any(axis=1).all()
    np.testing.assert_allclose(pr.sentiment_proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(pr.theme_proba[0], pr.theme_proba[2])
    with pytest.raises(ValueError):
        model.predict_arrays(["a"], ["q1", "q2"])


def test_save_load_round_trip(model: ThemeSentimentModel, tmp_path: Path) -> None:
    model.save(tmp_path)
    again = ThemeSentimentModel.load(tmp_path)
    texts = ["Staff were kind", "Parking was impossible"]
    a, b = model.predict_arrays(texts), again.predict_arrays(texts)
    np.testing.assert_allclose(a.theme_proba, b.theme_proba, atol=1e-6)
    np.testing.assert_array_equal(a.sentiment, b.sentiment)


def test_format_2_model_without_context_head_still_loads(model: ThemeSentimentModel, tmp_path: Path) -> None:
    """Models trained before the sentiment context head (format 2) load and ignore ratings."""
    model.save(tmp_path)
    meta = json.loads((tmp_path / "model.json").read_text())
    meta["format_version"] = 2
    meta.pop("sentiment_context", None)
    for key in ("norm_power", "norm_pivot"):  # format 4's pivoted length normalisation
        meta["features"].pop(key, None)
    (tmp_path / "model.json").write_text(json.dumps(meta))
    with np.load(tmp_path / "weights.npz") as w:
        arrays = {k: w[k] for k in w.files if not k.startswith("sentiment_context")}
    np.savez_compressed(tmp_path / "weights.npz", **arrays)
    old = ThemeSentimentModel.load(tmp_path)
    assert old.sentiment_context_coef is None
    texts, questions = ["Not bad", "Staff were kind"], ["FFT Why?", "FFT Why?"]
    a, b = old.predict_arrays(texts, questions, [5, 1]), old.predict_arrays(texts, questions)
    np.testing.assert_array_equal(a.sentiment_proba, b.sentiment_proba)
    # Formats 2-3 knew only plain l2 normalisation: that is what the loaded features compute.
    assert old.features.norm_power == 1.0
    plain = dataclasses.replace(model.features, norm_power=1.0, norm_pivot={})
    np.testing.assert_allclose(
        old.features.scores(texts, ["why"] * 2, model._W),
        plain.scores(texts, ["why"] * 2, model._W),
        atol=1e-3,
    )
    meta["format_version"] = 1
    (tmp_path / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="unsupported model format 1 .* reads formats 2, 3, 4"):
        ThemeSentimentModel.load(tmp_path)


# -- training -------------------------------------------------------------------------------------


def test_training_on_small_csv_beats_majority_baseline(tmp_path: Path) -> None:
    _need_data()
    raw = pd.read_csv(V6)
    raw = raw[raw["FFT answer"].notna() & (raw["FFT answer"] != "Did not answer")]
    resp = raw["Respondent ID"].drop_duplicates().sample(frac=1.0, random_state=1)
    test_resp = set(resp.iloc[:150])
    train_csv, test_csv = tmp_path / "train.csv", tmp_path / "test.csv"
    raw[~raw["Respondent ID"].isin(test_resp)].head(600).to_csv(train_csv, index=False)
    raw[raw["Respondent ID"].isin(test_resp)].to_csv(test_csv, index=False)

    from pipelines.text.training import train_from_csv

    m = train_from_csv(
        train_csv, settings=TrainSettings(ensemble=("svm",), n_folds=3), out_dir=tmp_path / "m"
    )
    assert (tmp_path / "m" / "weights.npz").exists()
    test = frame_from_csv(
        test_csv,
        text_col="FFT answer",
        label_map="v6",
        sentiment_col="Comment sentiment",
        question_col="FFT question",
        group_col="Respondent ID",
    )
    rep = evaluate(m, test, out_dir=tmp_path / "report", name="small")
    assert (tmp_path / "report" / "small.md").read_text().startswith("# Theme")
    # Majority baselines: always predict the most frequent label / sentiment class.
    labelled = [labs for labs in test["labels"] if isinstance(labs, list)]
    top = pd.Series([lab for labs in labelled for lab in labs]).value_counts().index[0]
    tp = sum(top in labs for labs in labelled)
    n_true = sum(len(labs) for labs in labelled)
    majority_micro = 2 * tp / (len(labelled) + n_true)
    s3 = test["sentiment"].dropna().map(lambda v: 0 if v <= 2 else (1 if v == 3 else 2))
    assert rep["themes"]["micro_f1"] > majority_micro + 0.1
    assert rep["sentiment"]["accuracy_3class"] > s3.value_counts(normalize=True).max()


def test_theme_scores_by_length_split_the_micro_counts() -> None:
    """Each comment falls in one length bucket, and the buckets' counts add up to the micro figures."""
    from pipelines.text.evaluation import LENGTH_BUCKETS, report_markdown, theme_scores_by_length

    texts = [
        "Great",
        "The nurse was kind and the food was good",
        " ".join(["word"] * 20),
        " ".join(["w"] * 50),
    ]
    Y = np.array([[1, 0], [1, 1], [0, 1], [1, 1]], bool)
    P = np.array([[1, 1], [1, 0], [0, 1], [0, 1]], bool)
    # An emoji-only comment has no words: it counts in the shortest bucket, not in none.
    with_emoji = theme_scores_by_length(np.r_[Y, [[1, 0]]], np.r_[P, [[1, 0]]], [*texts, "\U0001f60a"])
    assert [r["n"] for r in with_emoji] == [2, 1, 1, 1] and with_emoji[0]["precision"] == 2 / 3
    rows = theme_scores_by_length(Y, P, texts)
    assert [r["bucket"] for r in rows] == [b[0] for b in LENGTH_BUCKETS]
    assert [r["n"] for r in rows] == [1, 1, 1, 1]
    assert rows[0]["precision"] == 0.5 and rows[0]["recall"] == 1.0  # one false positive
    assert rows[1]["recall"] == 0.5 and rows[3]["recall"] == 0.5 and rows[3]["labels_per_comment"] == 2.0
    assert rows[2]["f1"] == 1.0
    report = {
        "name": "t",
        "n_rows": 4,
        "n_theme_rows_scored": 4,
        "themes": {"micro_f1": 0.7, "macro_f1": 0.6, "n_labels_in_macro": 2, "per_label": [], "by_length": rows},
        "sentiment": {"n": 0, "accuracy_3class": 0.0, "accuracy_5class": 0.0, "mean_abs_error_5point": 0.0,
                      "confusion_3class": [[0] * 3] * 3},
    }  # fmt: skip
    assert "| over 40 words | 1 | 2.00 | 1.00 | 0.50 | 0.67 |" in report_markdown(report)


def test_training_with_partially_coded_source_and_question_copies() -> None:
    """Phase-1-style rows (one code, absent labels = weak negatives) train alongside exhaustively coded
    rows; thresholds are tuned on the latter only, and those get a question-less copy."""
    from pipelines.text.fitting import _class_weight
    from pipelines.text.training import train

    good = ["Staff were kind and caring", "Lovely friendly nurses", "Very kind staff"] * 4
    wait = ["Waited hours to be seen", "Long wait for an appointment", "The wait was too long"] * 4
    rows = [(t, "What was good?", ["Staff manner & personal attributes"], True, "v6") for t in good]
    rows += [(t, "What could we do better?", ["Timeliness of care"], True, "v6") for t in wait]
    rows += [(t + " indeed", None, ["Timeliness of care"], True, "phase1") for t in wait]
    df = pd.DataFrame(rows, columns=["text", "question", "labels", "labels_complete", "source"])
    df["group"] = [f"g{i}" for i in range(len(df))]
    m = train(df, sentiment_col=None, settings=TrainSettings(n_jobs=1, n_folds=2))
    assert m.meta["training"]["n_theme_rows_unknown_question_copies"] == 24
    pr = m.predict_arrays(["Waited hours, too long", "Kind caring staff"], [None, None])
    assert pr.theme_mask[0, m.labels.index("Timeliness of care")]
    assert pr.theme_mask[1, m.labels.index("Staff manner & personal attributes")]
    cw = _class_weight(np.array([0, 0, 0, 1]), TrainSettings(class_weight_power=2.0))
    assert cw == {0: pytest.approx((4 / 6) ** 2), 1: pytest.approx(4.0)}


def test_sentiment_context_head_reads_the_rating(tmp_path: Path) -> None:
    """Words that do not settle the sentiment are read with the rating given alongside (FFT score)."""
    from pipelines.text.training import train

    vague = ["It was what it was", "Much as expected", "The visit happened", "Saw the nurse today"]
    rows = []
    for k in range(12):
        for t in vague:
            rows.append((t, "FFT Why?", ["Labelling not possible"], 1, 1))  # top score: praise
            rows.append((t, "FFT Why?", ["Labelling not possible"], 5, 5))  # bottom score: complaint
        rows.append((f"Lovely kind staff {k}", "FFT Why?", ["Staff manner & personal attributes"], 1, None))
        rows.append(
            (f"Rude and dismissive staff {k}", "FFT Why?", ["Staff manner & personal attributes"], 5, None)
        )
        rows.append((f"It was fine I suppose {k}", "FFT Why?", ["Labelling not possible"], 3, 3))
    df = pd.DataFrame(rows, columns=["text", "question", "labels", "sentiment", "rating"])
    df["group"] = [f"g{i}" for i in range(len(df))]
    m = train(df, settings=TrainSettings(n_jobs=1, n_folds=2))
    assert m.sentiment_context_coef is not None and m.meta["training"]["n_rows_with_rating"] == 108
    # Training is reproducible: the same rows give the same model, bit for bit.
    again = train(df, settings=TrainSettings(n_jobs=1, n_folds=2))
    for a, b in ((m.sentiment3_coef, again.sentiment3_coef), (m.sentiment_context_coef, again.sentiment_context_coef),
                 (m.theme_coef, again.theme_coef), (m.thresholds, again.thresholds)):  # fmt: skip
        np.testing.assert_array_equal(a, b)
    texts, questions = ["It was what it was"] * 3, ["FFT Why?"] * 3
    pr = m.predict_arrays(texts, questions, [1, 5, None])
    assert [SENTIMENT3_NAMES[k] for k in pr.sentiment3[:2]] == ["positive", "negative"]
    assert pr.sentiment[0] in (1, 2) and pr.sentiment[1] in (4, 5)
    # Ratings outside 1-5 (FFT "don't know" = 6), blanks, NaN and pandas.NA all mean "no rating".
    none = m.predict_arrays(texts[:1], questions[:1], [None]).sentiment_proba
    for missing in (6, "", float("nan"), pd.NA):
        np.testing.assert_allclose(
            m.predict_arrays(texts[:1], questions[:1], [missing]).sentiment_proba, none
        )
    np.testing.assert_allclose(m.predict_arrays(texts[:1], questions[:1], ["5"]).sentiment_proba,
                               pr.sentiment_proba[1:2], rtol=1e-5)  # fmt: skip
    # Prediction gathers rows of the head's weights; training builds the dense inputs: the same logits.
    rng = np.random.default_rng(0)
    logits3, qidx, rating = (
        rng.normal(size=(50, 3)).astype(np.float32),
        rng.integers(0, 6, 50),
        rng.integers(0, 6, 50),
    )
    theme_proba = rng.uniform(size=(50, len(m.labels))).astype(np.float32)
    coef, icpt = m.sentiment_context_coef, m.sentiment_context_intercept
    assert coef.shape == (sentiment_context_size(len(m.labels)), 3)  # the head reads the themes too
    np.testing.assert_allclose(
        sentiment_context_logits(logits3, qidx, rating, coef, icpt, theme_proba),
        sentiment_context(logits3, qidx, rating, theme_proba) @ coef + icpt,
        rtol=1e-5, atol=1e-5,
    )  # fmt: skip
    with pytest.raises(ValueError, match="pass theme_proba"):
        sentiment_context_logits(logits3, qidx, rating, coef, icpt)
    # A head trained without the themes (format 4) has the base inputs only.
    base = train(df, settings=TrainSettings(n_jobs=1, n_folds=2, sentiment_context_themes=False))
    assert base.sentiment_context_coef.shape == (SENTIMENT_CONTEXT_SIZE, 3)
    np.testing.assert_allclose(
        sentiment_context_logits(logits3, qidx, rating, base.sentiment_context_coef, icpt),
        sentiment_context(logits3, qidx, rating) @ base.sentiment_context_coef + icpt,
        rtol=1e-5, atol=1e-5,
    )  # fmt: skip
    assert [SENTIMENT3_NAMES[k] for k in base.predict_arrays(texts, questions, [1, 5, None]).sentiment3[:2]] == [
        "positive", "negative"]  # fmt: skip
    with pytest.raises(ValueError, match="2 ratings for 3 texts"):
        m.predict_arrays(texts, questions, [1, 2])
    m.save(tmp_path)
    again = ThemeSentimentModel.load(tmp_path)
    np.testing.assert_allclose(
        again.predict_arrays(texts, questions, [1, 5, None]).sentiment_proba, pr.sentiment_proba, atol=2e-3
    )
    assert json.loads((tmp_path / "model.json").read_text())["format_version"] == 5


def test_sentiment_rows_get_out_of_fold_theme_probabilities() -> None:
    """The context head learns from theme probabilities of models that never saw the respondent: each row
    is scored by the fold model that held its group out; a group no fold held out gets their mean."""
    import scipy.sparse as sp

    from pipelines.text.fitting import fold_theme_proba as _fold_theme_proba
    from pipelines.text.model import sigmoid as _sigmoid

    X = sp.csr_matrix(np.eye(4, dtype=np.float32))
    groups = np.array(["a", "b", "a", "z"])

    def fold(weight: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        coef = np.full((1, 4, 2), weight, np.float32)  # (members, features, labels)
        return (
            coef,
            np.zeros((1, 2), np.float32),
            np.array([[[1.0, 1.0]], [[0.0, 0.0]]], np.float32).reshape(1, 2, 2),
        )

    folds = [(np.array(["a"]), fold(1.0)), (np.array(["b"]), fold(-1.0))]
    P = _fold_theme_proba(X, groups, folds)
    np.testing.assert_allclose(P[[0, 2]], _sigmoid(np.ones((2, 2))))  # group a: the fold that held a out
    np.testing.assert_allclose(P[1], _sigmoid(-np.ones(2)))  # group b: the other fold
    np.testing.assert_allclose(P[3], (_sigmoid(np.ones(2)) + _sigmoid(-np.ones(2))) / 2)  # unseen group


# -- feature transform and rules -------------------------------------------------------------------


def test_pivoted_length_normalisation() -> None:
    """norm_power 1 is plain l2 per block; below 1 a block's norm is (norm / pivot) ** (1 - p) and a comment
    at the pivot keeps norm 1, so long comments keep more weight per word than short ones."""
    texts = [
        "kind staff",
        "the staff were kind and the nurse explained everything",
        "long wait for the doctor, the ward was cold, the food was poor, parking was impossible and the "
        "staff never explained the discharge plan to my mum or to me despite asking twice",
    ]
    qtypes = ["why"] * len(texts)
    plain = FeatureSpace.fit(texts * 3, qtypes * 3, min_df={"word": 1, "char": 1, "qword": 1})
    pivoted = FeatureSpace.fit(
        texts * 3, qtypes * 3, min_df={"word": 1, "char": 1, "qword": 1}, norm_power=0.5
    )
    assert plain.norm_power == 1.0 and plain.norm_pivot == {}
    assert set(pivoted.norm_pivot) == {"word", "char"}
    word = slice(pivoted._offsets["word"], pivoted._offsets["word"] + len(pivoted.vocab["word"]))

    def word_norms(fs: FeatureSpace) -> np.ndarray:
        X = fs.transform(texts, qtypes)[:, word]
        return np.sqrt(np.asarray(X.multiply(X).sum(1)).ravel())

    np.testing.assert_allclose(word_norms(plain), 1.0, rtol=1e-5)
    _, _, raw, _, _ = pivoted._raw_parts(texts, qtypes)
    raw_word = raw[:, BLOCKS.index("word")]
    np.testing.assert_allclose(word_norms(pivoted), (raw_word / pivoted.norm_pivot["word"]) ** 0.5, rtol=1e-4)
    assert word_norms(pivoted)[0] < 1.0 < word_norms(pivoted)[2]
    # The scoring path (char block scored per word) agrees with the explicit features under the pivot.
    W = np.random.default_rng(0).normal(size=(pivoted.n_features, 3)).astype(np.float32)
    np.testing.assert_allclose(
        pivoted.scores(texts, qtypes, W), pivoted.transform(texts, qtypes) @ W, rtol=1e-4, atol=1e-4
    )


def _reference_counts(fs, text: str, qtype: str) -> dict[int, float]:
    """Plain-Python statement of the features (counts before tf-idf) the vectorised transform builds."""
    import re

    words = re.findall(r"[^\W_]+", text.lower())
    toks = {b: [] for b in ("word", "char", "qword", "qtype")}
    toks["word"] = words + [a + " " + b for a, b in zip(words, words[1:], strict=False)]
    lo, hi = fs.char_ngram
    for w in words:
        p = " " + w + " "
        toks["char"] += [p[i : i + n] for n in range(lo, hi + 1) for i in range(len(p) - n + 1)]
    from pipelines.text.tokens import length_bucket as _length_bucket

    bucket = "len=" + _length_bucket(len(words))
    toks["qword"] = [bucket, qtype + "|" + bucket] + (
        [qtype + "|" + w for w in words] if qtype != "unknown" else []
    )
    toks["qtype"] = [qtype]
    out: dict[int, float] = {}
    for b, ts in toks.items():
        for t in ts:
            j = fs._index[b].get(t)
            if j is not None:
                out[j] = out.get(j, 0) + 1
    return out


def _reference_vector(fs: FeatureSpace, text: str, qtype: str) -> dict[int, float]:
    """The documented feature map, written plainly: word / question blocks are sublinear tf x idf,
    l2-normalised; the char block sums (1 + log word count) x each distinct word's char vector
    ((1 + log n-gram count in the word) x idf) over sqrt(sum of those words' squared norms).  The word and
    char blocks' norms are pivoted: norm ** p x pivot ** (1 - p)."""

    def pivoted(norm: float, block: str) -> float:
        if block not in fs.norm_pivot:
            return norm
        return norm**fs.norm_power * fs.norm_pivot[block] ** (1 - fs.norm_power)

    counts = _reference_counts(fs, text, qtype)
    vec: dict[int, float] = {}
    for k, b in enumerate(("word", "char", "qword", "qtype")):
        if b == "char":
            continue
        cols = [j for j in counts if fs._block_of_col[j] == k]
        v = {j: (1 + np.log(counts[j])) * fs._idf_all[j] for j in cols}
        norm = pivoted(np.sqrt(sum(x * x for x in v.values())), b)
        vec.update({j: x * fs._block_w[k] / norm for j, x in v.items()})
    words = re.findall(r"[^\W_]+", text.lower())
    lo, hi = fs.char_ngram
    char: dict[int, float] = {}
    norm2 = 0.0
    for w in set(words):
        p = " " + w + " "
        grams: dict[int, int] = {}
        for n in range(lo, hi + 1):
            for i in range(len(p) - n + 1):
                j = fs._index["char"].get(p[i : i + n])
                if j is not None:
                    grams[j] = grams.get(j, 0) + 1
        u = {j: (1 + np.log(c)) * fs._idf_all[j] for j, c in grams.items()}
        g = 1 + np.log(words.count(w))
        norm2 += g * g * sum(x * x for x in u.values())
        for j, x in u.items():
            char[j] = char.get(j, 0.0) + g * x
    k = fs._block_of_col[next(iter(char))] if char else 0
    vec.update({j: x * fs._block_w[k] / pivoted(np.sqrt(norm2), "char") for j, x in char.items()})
    return vec


def test_vectorised_transform_matches_reference(model: ThemeSentimentModel) -> None:
    fs = model.features
    assert fs.norm_power < 1.0 and set(fs.norm_pivot) == {"word", "char"}  # the shipped model pivots
    texts = [
        "The staff were lovely, lovely staff!",
        "Waited 3 hours in A&E",
        "",
        "zzqx unseenword staff",
        "No",
        "banana banana nana",  # n-grams repeated inside a word and across words
    ]
    qtypes = ["good", "improve", "why", "unknown", "improve", "good"]
    fs.reset_cache()
    X = fs.transform(texts, qtypes)
    for i, (t, q) in enumerate(zip(texts, qtypes, strict=True)):
        ref = _reference_vector(fs, t, q)
        row = X.getrow(i)
        assert set(row.indices.tolist()) == set(ref), t
        cols = np.array(sorted(ref), dtype=int)
        np.testing.assert_allclose(row.toarray()[0, cols], [ref[j] for j in cols], rtol=1e-5)
    # Same matrix whether the words are new to the cache or already in it, and batch order is irrelevant.
    again = fs.transform(texts[::-1], qtypes[::-1])
    np.testing.assert_allclose(X.toarray(), again.toarray()[::-1], atol=1e-6)


def test_batch_tokens_equal_the_word_pattern_on_each_text() -> None:
    # ASCII texts take a bytes.translate fast path, the rest the regex; both must give the training tokens.
    texts = [
        "Café staff’s CARE was 10/10",
        "PLAIN ascii, text! a_b c-d 3rd",
        "",
        "nurse\x01x and \x01",  # the fast path's own separator inside a text
        "odd  separator",  # the regex path's separator inside a text
        "Ünïcode ÄÖ 12",
        "   ",
        "Last one – “quoted” … £5 • done",
    ]
    assert not any(_WORD_RE.match(ch) for ch in _COMMON_NON_ASCII_PUNCTUATION)  # spaced out on the fast path
    toks, order = _batch_tokens(texts)
    groups: list[list[str]] = [[]]
    for tok in toks:
        if tok == _SEP:
            groups.append([])
        else:
            groups[-1].append(tok)
    assert sorted(order.tolist()) == list(range(len(texts)))
    assert len(groups) == len(texts)
    for group, i in zip(groups, order, strict=True):
        assert group == _WORD_RE.findall(texts[i].replace(_SEP, " ").lower()), texts[i]


def test_mixed_batch_scores_equal_one_comment_at_a_time(model: ThemeSentimentModel) -> None:
    texts = ["Lovely café staff", "Rude receptionist", "The nurse’s care", "", "Waited hours"]
    qtypes = ["good", "improve", "why", "unknown", "improve"]
    together = model.features.scores(texts, qtypes, model._W)
    alone = np.vstack([model.features.scores([t], [q], model._W) for t, q in zip(texts, qtypes, strict=True)])
    np.testing.assert_allclose(together, alone, rtol=1e-5, atol=1e-6)


def test_fast_scores_equal_features_times_weights(model: ThemeSentimentModel) -> None:
    # Prediction never builds the char block; its scores must equal the training features' product.
    fs = model.features
    texts = ["The staff were lovely, lovely staff!", "Waited 3 hours in A&E", "", "zzqx unseenword", "No"] * 3
    qtypes = ["good", "improve", "why", "unknown", "improve"] * 3
    fs.reset_cache()
    fast = fs.scores(texts, qtypes, model._W)  # cold cache: every word new
    fs.reset_cache()
    np.testing.assert_allclose(fast, np.asarray(fs.transform(texts, qtypes) @ model._W), rtol=1e-4, atol=1e-5)
    # A warm cache (words already scored) gives the same answer.
    np.testing.assert_allclose(fs.scores(texts, qtypes, model._W), fast, rtol=1e-5, atol=1e-6)


def test_sentiment_scales_agree(model: ThemeSentimentModel) -> None:
    pr = model.predict_arrays(
        ["Brilliant care", "Rude and dismissive", "It was ok", "Nothing"],
        ["FFT Why?"] * 3 + ["What was good?"],
    )
    groups = {0: {1, 2}, 1: {3}, 2: {4, 5}}
    assert all(int(s) in groups[int(g)] for s, g in zip(pr.sentiment, pr.sentiment3, strict=True))


def test_edi_rule_ignores_routine_mentions() -> None:
    assert keyword_topics("He pushed me in my wheelchair to the ward") == []
    assert keyword_topics("There was bad language on the ward") == []
    assert keyword_topics("I have little faith in them") == []
    assert keyword_topics("Hard when your first language is not English") == [
        "Equality, diversity & inclusion"
    ]
    assert keyword_topics("Staff understood my disability") == ["Equality, diversity & inclusion"]
