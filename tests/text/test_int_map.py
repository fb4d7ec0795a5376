"""The vectorised hash map behind the bigram look-up: every key found, absent keys -1, collisions probed."""

from __future__ import annotations

import numpy as np

from pipelines.text.features import _IntMap


def test_finds_every_key_and_reports_absent_ones() -> None:
    rng = np.random.default_rng(3)
    keys = rng.choice(10**9, size=5_000, replace=False)
    values = np.arange(len(keys))
    table = _IntMap(keys.tolist(), values.tolist())
    assert len(table) == len(keys)
    np.testing.assert_array_equal(table.get(keys), values)
    absent = np.setdiff1d(rng.choice(10**9, size=5_000, replace=False), keys)
    assert (table.get(absent) == -1).all()


def test_colliding_keys_are_probed() -> None:
    # Four keys that hash to the same slot of a four-key table: linear probing must tell them apart.
    candidates = np.arange(10_000, dtype=np.int64)
    slots = _IntMap([0, 1, 2, 3], [0, 0, 0, 0])._slots(candidates)
    same = candidates[slots == slots[0]][:4]
    assert len(same) == 4
    table = _IntMap(same.tolist(), [10, 11, 12, 13])
    assert (table._slots(same) == table._slots(same)[0]).all()
    absent = candidates[slots == slots[0]][4:5]  # same slot, not stored: the probe must end at a gap
    np.testing.assert_array_equal(table.get(np.r_[same, absent]), [10, 11, 12, 13, -1])


def test_empty_map() -> None:
    table = _IntMap([], [])
    assert len(table) == 0
    assert table.get(np.array([1, 2], dtype=np.int64)).tolist() == [-1, -1]
