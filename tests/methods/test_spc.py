"""XmR charts and Making Data Count rules (pipelines.methods.spc).

Expected values are worked by hand (limits from the moving ranges) or planted: a baseline that alternates
+1, −1 fixes the mean at 0 and the mean moving range at 2, so the process limits are ±5.32 and the 2-sigma
lines ±3.547, and each rule is tested on either side of its threshold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.methods.spc import CONCERNING, IMPROVING, NEITHER, spc_summary, xmr_chart

BASELINE = [1.0, -1.0] * 5  # mean 0, every moving range 2, ends below the mean


def _chart(values: list[float], **kwargs: object) -> pd.DataFrame:
    data = pd.DataFrame({"trust": "R1", "month": range(len(values)), "value": values})
    options = {"baseline_points": len(BASELINE), "polarity": "higher is better", **kwargs}
    return xmr_chart(data, key=["trust"], time="month", value="value", **options)  # type: ignore[arg-type]


def test_limits_worked_example() -> None:
    # values 1, 3, 2, 4, 3: mean 2.6; moving ranges 2, 1, 2, 1 → mean 1.5; limits 2.6 ± 2.66·1.5
    out = xmr_chart(pd.DataFrame({"t": range(5), "v": [1, 3, 2, 4, 3]}), key=[], time="t", value="v")
    first = out.iloc[0]
    assert first["mean"] == pytest.approx(2.6) and first["mean_moving_range"] == pytest.approx(1.5)
    assert first["upper_limit"] == pytest.approx(6.59) and first["lower_limit"] == pytest.approx(-1.39)
    assert out["upper_2_sigma"].iloc[0] == pytest.approx(2.6 + 2.66 * 1.5 * 2 / 3)
    assert np.isnan(out["moving_range"].iloc[0]) and list(out["moving_range"].iloc[1:]) == [2, 1, 2, 1]
    assert not out["special_cause"].any() and set(out["variation"]) == {"common cause"}


def test_shift_needs_seven_points_on_one_side() -> None:
    seven = _chart([*BASELINE, *[0.5] * 7, -0.5])
    assert seven["shift"].tolist() == [False] * 10 + [True] * 7 + [False]
    assert not seven["trend"].any() and not seven["outside_limits"].any()
    six = _chart([*BASELINE, *[0.5] * 6, -0.5])
    assert not six["shift"].any()
    assert _chart([*BASELINE, *[0.5] * 6, -0.5], shift_length=6)["shift"].sum() == 6
    # a point exactly on the mean breaks a run
    assert not _chart([*BASELINE, *[0.5] * 4, 0.0, *[0.5] * 4])["shift"].any()


def test_trend_needs_six_consecutive_rises() -> None:
    # the baseline ends at −1, so the first point of the rise must not be above it
    six = _chart([*BASELINE, -1.2, -0.8, -0.4, 0.0, 0.4, 0.8, -0.5])
    assert six["trend"].tolist() == [False] * 10 + [True] * 6 + [False]
    assert set(six.loc[six["trend"], "variation"]) == {IMPROVING}
    five = _chart([*BASELINE, -1.2, -0.8, -0.4, 0.0, 0.4, -0.5])
    assert not five["trend"].any()
    # a repeated value breaks the run; falling is a trend too, and concerning when higher is better
    assert not _chart([*BASELINE, -1.2, -0.8, -0.4, -0.4, 0.0, 0.4, 0.8, -0.5])["trend"].any()
    falling = _chart([*BASELINE, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1])
    assert falling["trend"].sum() == 6 and set(falling.loc[falling["trend"], "variation"]) == {CONCERNING}


def test_outside_limits_and_polarity() -> None:
    up = [*BASELINE, 0.0, 6.0, 0.0]
    assert _chart(up)["outside_limits"].tolist() == [False] * 11 + [True, False]
    assert _chart(up)["variation"].iloc[11] == IMPROVING
    assert _chart(up, polarity="lower is better")["variation"].iloc[11] == CONCERNING
    assert _chart(up, polarity=None)["variation"].iloc[11] == NEITHER
    assert _chart(up, polarity=False)["variation"].iloc[11] == CONCERNING
    assert _chart([*BASELINE, 0.0, -6.0, 0.0])["variation"].iloc[11] == CONCERNING


def test_two_out_of_three_beyond_two_sigma() -> None:
    flagged = _chart([*BASELINE, 4.0, 0.0, 4.0, 0.0])
    assert flagged["two_of_three"].tolist() == [False] * 10 + [True, False, True, False]
    assert not flagged["outside_limits"].any()
    assert not _chart([*BASELINE, 4.0, 0.0, -4.0, 0.0])["two_of_three"].any()  # opposite sides
    assert not _chart([*BASELINE, 4.0, 0.0, 0.0, 4.0])["two_of_three"].any()  # not within three points


def test_phase_recalculates_the_limits() -> None:
    values = [*BASELINE, *[9.0, 11.0] * 5]
    data = pd.DataFrame({"m": range(20), "v": values, "phase": ["before"] * 10 + ["after"] * 10})
    one = xmr_chart(data, key=[], time="m", value="v", baseline_points=10)
    assert one["outside_limits"].iloc[10:].all()  # judged against the old limits: all outside
    two = xmr_chart(data, key=[], time="m", value="v", phase="phase")
    assert two["phase_number"].tolist() == [1] * 10 + [2] * 10
    assert two["mean"].iloc[-1] == pytest.approx(10.0) and two["upper_limit"].iloc[-1] == pytest.approx(15.32)
    assert np.isnan(two["moving_range"].iloc[10])  # a new phase starts its own moving ranges
    assert not two["special_cause"].any()


def test_screening_moving_range_outliers() -> None:
    values = [*BASELINE, 30.0, *BASELINE]
    plain = xmr_chart(pd.DataFrame({"m": range(21), "v": values}), key=[], time="m", value="v")
    screened = xmr_chart(
        pd.DataFrame({"m": range(21), "v": values}), key=[], time="m", value="v", screen_outliers=True
    )
    assert screened["mean_moving_range"].iloc[0] < plain["mean_moving_range"].iloc[0]
    # the two ranges around the 30 (29 and 31, above 3.267 × the mean range) are set aside
    assert screened["mean_moving_range"].iloc[0] == pytest.approx(2.0)


def test_missing_values_keep_their_row_and_are_not_flagged() -> None:
    out = _chart([*BASELINE, np.nan, 6.0])
    assert len(out) == 12 and out["variation"].iloc[10] is None and not out["special_cause"].iloc[10]
    assert out["moving_range"].iloc[11] == pytest.approx(7.0)  # from the last value before the gap (−1)
    assert out["outside_limits"].iloc[11]


def test_planted_shift_is_found_and_pure_noise_is_not() -> None:
    # A seed at which the noise series has no special cause: about half of 36-point noise series show one
    # (Making Data Count's rules trade false alarms for sensitivity), so this is a fixed example, not a rate.
    rng = np.random.default_rng(20240603)
    months = pd.period_range("2023-01", periods=36, freq="M").astype(str)
    noise = pd.DataFrame({"trust": "RNOISE", "month": months, "score": rng.normal(90, 1.5, 36)})
    shifted_values = rng.normal(90, 1.5, 36)
    shifted_values[24:] -= 4.5  # FFT 'would recommend' falls by 3 sigma for the last year
    shifted = pd.DataFrame({"trust": "RSHIFT", "month": months, "score": shifted_values})
    points = xmr_chart(
        pd.concat([shifted, noise], ignore_index=True),
        key=["trust"],
        time="month",
        value="score",
        baseline_points=24,
        polarity=True,
    )
    assert not points.loc[points["trust"] == "RNOISE", "special_cause"].any()
    last_year = points[(points["trust"] == "RSHIFT") & (points["month"] >= "2025-01")]
    assert last_year["shift"].all() and (last_year["variation"] == CONCERNING).all()
    summary = spc_summary(points, key=["trust"], time="month").set_index("trust")
    assert (
        summary.loc["RSHIFT", "variation"] == CONCERNING
        and summary.loc["RNOISE", "variation"] == "common cause"
    )
    assert summary.loc["RSHIFT", "special_cause_concerning"] >= 12 and summary.loc["RNOISE", "n_points"] == 36
    assert summary.loc["RSHIFT", "latest_time"] == "2025-12"


def test_many_series_at_once_equal_one_at_a_time() -> None:
    rng = np.random.default_rng(8)
    frames = [
        pd.DataFrame(
            {
                "s": f"S{i}",
                "t": range(30),
                "y": rng.normal(0, 1, 30) + (i % 3) * np.r_[np.zeros(20), np.ones(10)],
            }
        )
        for i in range(12)
    ]
    together = xmr_chart(
        pd.concat(frames[::-1], ignore_index=True), key=["s"], time="t", value="y", polarity=True
    )
    for i in (0, 5, 11):
        alone = xmr_chart(frames[i], key=["s"], time="t", value="y", polarity=True)
        mine = together[together["s"] == f"S{i}"].reset_index(drop=True)
        cols = ["mean", "upper_limit", "shift", "trend", "two_of_three", "outside_limits", "variation"]
        pd.testing.assert_frame_equal(mine[cols], alone[cols])
    with pytest.raises(ValueError, match="one value per period"):
        xmr_chart(pd.concat([frames[0], frames[0]]), key=["s"], time="t", value="y")
