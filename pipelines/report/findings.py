"""The report's key findings: one card per thing an ICB should look at first, drawn from every section."""

from __future__ import annotations

from pipelines.report.change_over_time import _spc_series
from pipelines.report.data import (
    CHANNEL_NAMES,
    DIMENSIONS,
    GROUP_SIGNIFICANCE,
    SOURCE_NAMES,
    IcbData,
    compare_to_overall,
    group_label,
    metric_label,
    variation_finding,
)
from pipelines.report.page import _e, _pct, _pts
from pipelines.report.sections import INTERSECTION, latest_gradient, top_convergent


def key_findings(d: IcbData) -> str:
    cards = []
    if not d.groups.empty:
        # Single groups, as charted: an intersection's gap rests on fewer people and is listed on its own.
        single = ~d.groups.dimension.str.contains(INTERSECTION, regex=False)
        headline = d.groups[d.groups.metric_id.isin(d.headline) & single]
        worse = headline[headline.apply(compare_to_overall, axis=1) == "worse"] if len(headline) else headline
        if len(worse):
            # Largest gap in the worse direction (polarity-aware: a higher value is worse for some metrics).
            w = worse.loc[worse.diff_from_overall.abs().idxmax()]
            also_998 = int(worse.worse_than_overall.fillna(False).astype(bool).sum())
            cards.append(
                ("red", "Biggest group gap", f"{_e(group_label(w.dimension, w.group_value))} ({_e(DIMENSIONS.get(w.dimension, w.dimension))}): "
                 f"{_e(metric_label(w.metric_id).lower())} {_pct(w.value)}, {_pts(abs(w.diff_from_overall)).lstrip('+')} "
                 f"worse than the ICB overall. {len(worse)} group result(s) on headline measures significantly worse "
                 f"at {GROUP_SIGNIFICANCE} ({also_998} of them also at 99.8%).")
            )  # fmt: skip
    if not d.gradient.empty:
        worse = latest_gradient(d.gradient)
        worse = worse[worse.direction == "worse_in_more_deprived"]
        if len(worse):
            g = worse.iloc[0]
            cards.append(
                ("red", "Deprivation gradient", f"{_e(metric_label(g.metric_id))}: {_pts(g.sii).replace('+', '')} "
                 f"between the least and most deprived (RII {g.rii:.2f}). {len(worse)} measure(s) worse in more deprived areas.")
            )  # fmt: skip
    if "gap_trend" in d.gradient:
        widening = d.gradient[d.gradient.gap_trend == "widening"]
        if len(widening):
            g = widening.iloc[0]
            cards.append(
                ("red", "Gap widening", f"{_e(metric_label(g.metric_id))}: the deprivation gap widened from "
                 f"{_e(g.previous_period)} to {_e(g.period)} (SII {_pts(g.sii - g.sii_change)} → {_pts(g.sii)}, "
                 f"significant at 99.8%). {len(widening)} measure(s) widening.")
            )  # fmt: skip
    if not d.spc.empty:
        concerning = _spc_series(d.spc)
        concerning = concerning[concerning.series_variation == "special cause concerning"]
        if len(concerning):
            s = concerning.iloc[0]
            cards.append(
                ("yellow", "Special cause", f"{_e(metric_label(s.metric_id, s.metric_name))} at "
                 f"{_e(d.unit_names.get(s.geography_code, s.geography_code))}: special cause concerning variation "
                 f"in {_e(s.latest)}. {len(concerning)} control chart(s) concerning.")
            )  # fmt: skip
    v = variation_finding(d.variation)
    if v is not None:
        what = "practices" if v.unit_level == "practice" else "sub-ICB locations"
        top = (
            f" Most on {_e(metric_label(v.top_metric).lower())} ({v.top_metric_outside})."
            if v.top_metric
            else ""
        )
        cards.append(
            ("yellow", "Variation", f"{v.outside_998} of {v.units} {what} outside the 99.8% funnel limits on at least "
             f"one of {v.measures} measure(s) in the {_e(SOURCE_NAMES.get(v.source, v.source))}, "
             f"{_e(v.period_text)}.{top}")
        )  # fmt: skip
    if not d.representation.empty:
        flagged = d.representation[d.representation.under_represented.fillna(False).astype(bool)]
        if len(flagged):
            names = sorted(
                {
                    f"{r.group_value} ({CHANNEL_NAMES.get(r.channel, r.channel)})"
                    for _, r in flagged.iterrows()
                }
            )
            cards.append(("yellow", "Not hearing from", _e("; ".join(names))))
        else:
            cards.append(("aqua", "Not hearing from", "No group is significantly under-represented."))
    top = top_convergent(d.triangulation, 1)
    if len(top):
        t = top.iloc[0]
        cards.append(
            ("red", "Strongest convergent evidence", f"{_e(group_label(t.dimension, t.group_value))} on {_e(t.theme)}: "
             f"{int(t.methods_agreeing_worse)} method(s) agree.")
        )  # fmt: skip
    if not cards:
        return '<p class="empty">No findings: the published marts hold nothing for this ICB.</p>'
    return (
        '<div class="findings">'
        + "".join(f'<div class="finding {c}"><b>{t}</b>{body}</div>' for c, t, body in cards)
        + "</div>"
    )
