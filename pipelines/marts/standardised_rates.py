"""``marts.standardised_rates``: complaints and comments per registered population, crude and age-standardised.

A practice with a young or an old list should not look high or low only because of its ages. For every practice,
sub-ICB location and ICB (today's boundaries, as Fingertips re-maps practices), each period and measure:

- the **crude rate** per 1,000 registered patients a year with Byar / exact limits (PHE ``phe_rate``);
- the **directly standardised rate** (DSR, PHE ``calculate_dsr``, Dobson limits) to the European Standard
  Population 2013, where the numerator is counted by age in bands the standard can weight (comments, in the
  people vocabulary's bands);
- the **indirectly standardised ratio** (ISR, PHE ``calculate_ISRatio``): observed / expected, the expected
  events those of the unit's own list at the reference age-specific rates of every practice loaded (England's
  when every ICB is loaded). It needs only the list's ages and the unit's total, which is exactly what a KO41
  return gives: complaints have an ISR and no DSR, since KO41 counts ages only in three broad bands (0-17,
  18-64, 65+), too coarse to weight by the standard's five-year bands;
- where each lies on PHE's funnels (``assign_funnel_significance``: rate funnels for the crude rate and the DSR,
  a ratio funnel for the ISR) against every unit of its level, judged with the measure's polarity.

Events of unknown age count in every total. The ISR's reference spreads them over the ages in proportion (so the
loaded practices' expected events add up to their observed ones); a DSR gives each unit's own unknown-age events
to its bands in the proportion of its known ones, and needs at least 10 events of known age.

Disclosure (docs/DESIGN.md section 8): an observed count of 1-9 is withheld with every figure of its row (the PHE
rule that no DSR rests on fewer than 10 events, applied to every rate); others are rounded to 5, and every rate,
ratio, interval and funnel position is computed from the rounded count (a DSR's band counts scaled to it), so
none gives the true count back.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipelines.core.sql import run_sql_file, sql_file
from pipelines.core.store import table_exists
from pipelines.marts.build import mart_columns, write_mart
from pipelines.marts.estimates import AGE_BANDS_CSV
from pipelines.marts.labels import england_icbs
from pipelines.methods.disclosure import REASON_PUBLISHED, REASON_SMALL_COUNT, round_to_base
from pipelines.methods.funnels import assign_funnel_significance, funnel_judgement
from pipelines.methods.intervals import byar_interval
from pipelines.methods.standardisation import calculate_dsr, calculate_isratio, esp2013
from pipelines.sources.shared.geography import CURRENT, ensure_geography_views

HERE = Path(__file__).parent
# Rates per 1,000 registered patients a year (crude and DSR alike, so they can be read side by side).
MULTIPLIER = 1000.0
# Fewer events than this: no rate, ratio or count is published (PHE publishes no DSR below 10 events).
MIN_EVENTS = 10
LEVELS = ("practice", "sub_icb", "icb")
CODE_OF_LEVEL = {"practice": "practice_code", "sub_icb": "sub_icb_code", "icb": "icb_code"}


@dataclass(frozen=True)
class Measure:
    """One rate: what it counts, the age bands its numerator is counted in and whether a DSR can use them."""

    name: str
    source: str
    band_set: str  # the numerator's age bands (standardisation_age_bands.csv)
    higher_is_better: bool | None
    no_dsr_reason: str | None  # why no DSR is computed for this measure at all (None: it is)


MEASURES = {
    "complaints": Measure(
        name="New written complaints a year per 1,000 registered patients (GP, KO41b-style returns)",
        source="complaints",
        band_set="ko41",
        higher_is_better=False,
        no_dsr_reason=(
            "no DSR: KO41 returns count ages only in three broad bands (0-17, 18-64, 65+) and some not known, "
            "too coarse to weight by the European Standard Population's five-year bands; the ISR needs only the "
            "list's ages and the total"
        ),
    ),
    "comments": Measure(
        name="Comments placed at a practice (FFT, reviews, stories) a year per 1,000 registered patients",
        source="comments",
        band_set="people",
        higher_is_better=None,  # more comments is more voices, neither better nor worse
        no_dsr_reason=None,
    ),
}
METHOD = {
    "complaints": "crude rate and ISR (reference: age-specific rates of the practices loaded); no DSR",
    "comments": "crude rate, DSR (European Standard Population 2013, Dobson) and ISR",
}


@cache
def age_bands() -> pd.DataFrame:
    """The numerators' age bands (band_set, age_band, age_from, age_to; age_to NULL for an open band)."""
    return pd.read_csv(
        AGE_BANDS_CSV, dtype={"band_set": str, "age_band": str, "age_from": "Int64", "age_to": "Int64"}
    )


def _events(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``standardised_events.sql`` over the loaded tables (an empty stand-in for a source not loaded)."""
    returns = "staged.complaint_returns"
    if not table_exists(con, returns):
        returns = """(SELECT NULL::VARCHAR AS practice_code, NULL::VARCHAR AS period_label, NULL::VARCHAR AS measure_group,
                             NULL::VARCHAR AS measure, NULL::BIGINT AS value, NULL::DATE AS period_start WHERE FALSE)"""
    comments = "staged.comments"
    if not table_exists(con, comments):
        comments = """(SELECT NULL::VARCHAR AS practice_code, NULL::DATE AS comment_date, NULL::VARCHAR AS channel,
                              NULL::VARCHAR AS age_band WHERE FALSE)"""
    return con.execute(
        sql_file(HERE / "standardised_events.sql", complaint_returns=returns, comments=comments)
    ).df()


def _population(con: duckdb.DuckDBPyConnection, units: pd.DataFrame) -> pd.DataFrame:
    """Registered patients of each unit's practice by its measure's age bands (``standardised_population.sql``)."""
    empty = pd.DataFrame(columns=["measure", "period", "practice_code", "extract_date", "population_file",
                                  "age_band", "patients"])  # fmt: skip
    if not (
        table_exists(con, "ref.registered_population")
        and table_exists(con, "ref.registered_population_quinary")
    ):
        return empty
    con.register("_std_units", units)
    try:
        return con.execute(sql_file(HERE / "standardised_population.sql")).df()
    finally:
        con.unregister("_std_units")


def _standard_population(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """ESP 2013 shared out to each band set's bands by the same rule as the lists (age_overlap)."""
    esp = esp2013().astype({"age_to": "Int64"})
    con.register("_esp", esp)
    try:
        return con.execute(
            """SELECT b.band_set, b.age_band,
                      sum(e.standard_population * age_overlap(e.age_from, e.age_to, b.age_from, b.age_to)) AS esp
               FROM _esp e CROSS JOIN _std_bands b GROUP BY ALL"""
        ).df()
    finally:
        con.unregister("_esp")


def publish_count(true: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The published count and its reason: 0 stays 0, 1-9 withheld ('small_count'), else rounded to 5."""
    small = (true > 0) & (true < MIN_EVENTS)
    published = np.where(small | np.isnan(true), np.nan, round_to_base(np.nan_to_num(true)))
    return published, np.where(small, REASON_SMALL_COUNT, REASON_PUBLISHED)


def _placed(practice_rows: pd.DataFrame, bands: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Unit rows and their band rows at every level: practices as they are, sub-ICB locations and ICBs summed from
    the practices with a registered population (true counts; disclosure comes later)."""
    unit_frames, band_frames = [], []
    keys = ["measure", "period"]
    with_population = practice_rows[practice_rows["registered_patients"] > 0]
    for level in LEVELS:
        code = CODE_OF_LEVEL[level]
        source = practice_rows if level == "practice" else with_population
        source = source[source[code].notna()].assign(_practice=lambda f: f["practice_code"])
        units = source.groupby([*keys, code], sort=False, dropna=False).agg(
            in_icb=("icb_code", "first"),
            practices=("_practice", "nunique"),
            events=("events", "sum"),
            known=("known", "sum"),
            registered_patients=("registered_patients", "sum"),
            person_years=("person_years", "sum"),
            population_extract=("population_extract", "max"),
        )
        units = units.reset_index().rename(columns={code: "geography_code", "in_icb": "icb_code"})
        units = units.assign(geography_level=level)
        unit_frames.append(units)
        placed = source[list(dict.fromkeys([*keys, "practice_code", code]))].drop_duplicates()
        b = bands.merge(placed, on=[*keys, "practice_code"])
        b = (
            b.groupby([*keys, code, "age_band"], sort=False)[["known_events", "person_years"]]
            .sum()
            .reset_index()
        )
        band_frames.append(b.rename(columns={code: "geography_code"}).assign(geography_level=level))
    units = pd.concat(unit_frames, ignore_index=True)
    units["row_id"] = np.arange(len(units))
    ids = units[["geography_level", "geography_code", *keys, "row_id"]]
    bands_out = pd.concat(band_frames, ignore_index=True).merge(
        ids, on=["geography_level", "geography_code", *keys]
    )
    return units, bands_out


def _reference(practice_bands: pd.DataFrame, practice_rows: pd.DataFrame) -> pd.DataFrame:
    """Age-specific reference rates per measure and period, from every practice loaded with a population: known
    events per band scaled by total / known, so unknown-age events are spread over the ages in proportion."""
    keys = ["measure", "period"]
    rows = practice_rows[practice_rows["registered_patients"] > 0]
    scale = rows.groupby(keys)[["events", "known"]].sum()
    ref = practice_bands.merge(rows[[*keys, "practice_code"]], on=[*keys, "practice_code"])
    ref = ref.groupby([*keys, "age_band"])[["known_events", "person_years"]].sum().reset_index()
    ratio = (scale["events"] / scale["known"]).where(scale["known"] > 0)
    ref = ref.merge(ratio.rename("scale").reset_index(), on=keys)
    return ref.assign(ref_events=ref["known_events"] * ref["scale"], ref_person_years=ref["person_years"])[
        [*keys, "age_band", "ref_events", "ref_person_years"]
    ]


def standardised_rates(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The rows of ``marts.standardised_rates`` (see the module docstring and the table's contract)."""
    ensure_geography_views(con, CURRENT)
    con.register("_std_bands", age_bands())
    try:
        run_sql_file(con, HERE / "standardisation_macros.sql")
        events = _events(con)
        geo = (
            con.execute("SELECT DISTINCT practice_code, sub_icb_code, icb_code FROM _practice_geo")
            .df()
            .drop_duplicates("practice_code")
        )
        totals = events[events["age_band"].isna()].drop(columns="age_band")
        totals = totals.assign(band_set=totals["measure"].map({k: m.band_set for k, m in MEASURES.items()}))
        population = _population(
            con, totals[["measure", "period", "practice_code", "band_set", "period_mid"]]
        )
        standard = _standard_population(con)
    finally:
        con.unregister("_std_bands")
        ensure_geography_views(con)  # the connection's _practice_geo back on the boundaries of the time
    keys = ["measure", "period", "practice_code"]
    known = events[events["age_band"].notna()].rename(columns={"events": "known_events"})
    bands = population.merge(known[[*keys, "age_band", "known_events"]], on=[*keys, "age_band"], how="left")
    bands["known_events"] = bands["known_events"].fillna(0.0)
    bands = bands.merge(totals[[*keys, "years_of_data"]], on=keys)
    bands["person_years"] = bands["patients"] * bands["years_of_data"]
    listed = population.groupby(keys).agg(registered_patients=("patients", "sum"),
                                           population_extract=("extract_date", "first"))  # fmt: skip
    practice_rows = totals.merge(listed.reset_index(), on=keys, how="left").merge(
        geo, on="practice_code", how="left"
    )
    practice_rows["registered_patients"] = practice_rows["registered_patients"].fillna(0.0)
    practice_rows["person_years"] = practice_rows["registered_patients"] * practice_rows["years_of_data"]
    # Known-age events only where the list's bands are known, so the known share and the DSR bands agree.
    known_in_bands = bands.groupby(keys)["known_events"].sum().rename("known")
    practice_rows = practice_rows.merge(known_in_bands.reset_index(), on=keys, how="left")
    practice_rows["known"] = practice_rows["known"].fillna(0.0)
    units, unit_bands = _placed(practice_rows, bands[[*keys, "age_band", "known_events", "person_years"]])
    reference = _reference(bands, practice_rows)
    frame = _figures(units, unit_bands, reference, standard)
    frame["isr_reference"] = (
        frame[["measure", "period"]]
        .merge(_reference_basis(practice_rows), on=["measure", "period"], how="left")["isr_reference"]
        .to_numpy()
    )
    frame.loc[frame["expected"].isna(), "isr_reference"] = None
    return frame


def _reference_basis(practice_rows: pd.DataFrame) -> pd.DataFrame:
    """Per measure and period, what the ISR's reference rates are the rates of: England, when the practices
    with a registered population come from every ICB in England, else the practices loaded."""
    rows = practice_rows[practice_rows["registered_patients"] > 0]
    england = england_icbs()
    icbs = rows.groupby(["measure", "period"])["icb_code"].agg(lambda codes: set(codes.dropna()))
    basis = icbs.map(
        lambda loaded: (
            "England: every practice loaded, from every ICB"
            if england <= loaded
            else f"practices loaded ({len(loaded)} ICB{'s' if len(loaded) != 1 else ''}; not all of England)"
        )
    )
    return basis.rename("isr_reference").reset_index()


def build_standardised_rates(con: duckdb.DuckDBPyConnection) -> int:
    """``marts.standardised_rates`` (:func:`standardised_rates`): an empty table of the contract's columns when
    neither complaints returns nor comments are loaded."""
    frame = standardised_rates(con)
    extract = pd.to_datetime(frame["population_extract"])  # a date, not the timestamp pandas makes of it
    frame["population_extract"] = extract.dt.date.astype(object).where(extract.notna(), None)
    return write_mart(con, "standardised_rates", frame[mart_columns("standardised_rates")])


def _figures(
    units: pd.DataFrame, bands: pd.DataFrame, reference: pd.DataFrame, standard: pd.DataFrame
) -> pd.DataFrame:
    """Disclosure, crude rates, DSRs, ISRs and funnel positions for every unit row, from the published counts."""
    u = units.copy()
    true = u["events"].to_numpy(dtype=float)
    observed, reason = publish_count(true)
    u["observed"], u["suppression_reason"] = observed, reason
    u["suppressed"] = reason != REASON_PUBLISHED
    py = u["person_years"].to_numpy(dtype=float)
    has_population = py > 0
    u["years_of_data"] = np.where(has_population, py / u["registered_patients"].where(has_population), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        u["crude_rate"] = np.where(has_population, observed / py * MULTIPLIER, np.nan)
        for conf, tag in ((0.95, "95"), (0.998, "998")):
            lo, hi = byar_interval(observed, conf)
            u[f"crude_lower_{tag}"] = np.where(has_population, np.asarray(lo) / py * MULTIPLIER, np.nan)
            u[f"crude_upper_{tag}"] = np.where(has_population, np.asarray(hi) / py * MULTIPLIER, np.nan)
        share = np.where(true > 0, u["known"].to_numpy(dtype=float) / true, np.nan)
    u["age_known_share"] = np.where(u["suppressed"], np.nan, np.round(share, 1))
    u = _with_dsr(u, bands, standard)
    u = _with_isr(u, bands, reference)
    u = _with_funnels(u, _pooled(u, bands, standard))
    u["measure_name"] = u["measure"].map({k: m.name for k, m in MEASURES.items()})
    u["source"] = u["measure"].map({k: m.source for k, m in MEASURES.items()})
    u["higher_is_better"] = (
        u["measure"].map({k: m.higher_is_better for k, m in MEASURES.items()}).astype(object)
    )
    u["method"] = u["measure"].map(METHOD)
    u["boundaries"] = CURRENT
    u["multiplier"] = MULTIPLIER
    u["standard_population"] = np.where(
        u["measure"].map(lambda m: MEASURES[m].no_dsr_reason is None), "ESP2013", None
    )
    # Every figure of a withheld row goes with its count.
    figures = [c for c in u.columns if c.startswith(("crude_", "dsr", "isr", "expected"))]
    for column in figures:
        if not column.endswith(("_note", "_funnel", "_judgement", "_reference")):
            u.loc[u["suppressed"], column] = np.nan
    return u


def _with_dsr(u: pd.DataFrame, bands: pd.DataFrame, standard: pd.DataFrame) -> pd.DataFrame:
    """DSR per 1,000 (ESP 2013, Dobson 95% and 99.8%) where the measure's numerator is by age, at least 10 events
    are of known age and every band has registered patients; each unit's band counts scaled to its published
    total (unknown-age events spread as the known ones). Else ``dsr_note`` says why not."""
    for column in ("dsr", "dsr_lower_95", "dsr_upper_95", "dsr_lower_998", "dsr_upper_998"):
        u[column] = np.nan
    note = pd.Series(None, index=u.index, dtype=object)
    by_age = u["measure"].map(lambda m: MEASURES[m].no_dsr_reason is None).to_numpy()
    note[~by_age] = u.loc[~by_age, "measure"].map(lambda m: MEASURES[m].no_dsr_reason)
    empty_band = bands.groupby("row_id")["person_years"].min().reindex(u["row_id"]).to_numpy()
    few = u["suppressed"].to_numpy() | ~(u["observed"].to_numpy(dtype=float) >= MIN_EVENTS)
    few_known = u["known"].to_numpy(dtype=float) < MIN_EVENTS
    no_list = ~(empty_band > 0)
    note[by_age & no_list] = (
        "no DSR: a band of the numerator's ages has no registered patients (or none loaded)"
    )
    note[by_age & ~no_list & few] = f"no DSR: fewer than {MIN_EVENTS} events"
    note[by_age & ~no_list & ~few & few_known] = f"no DSR: fewer than {MIN_EVENTS} events of known age"
    go = by_age & ~no_list & ~few & ~few_known
    u["dsr_note"] = note.to_numpy()
    if not go.any():
        return u
    rows = u.loc[go, ["row_id", "observed", "known"]]
    data = bands.merge(rows, on="row_id").merge(_standard_by_measure(standard), on=["measure", "age_band"])
    data["x"] = data["known_events"] / data["known"] * data["observed"]
    dsr = calculate_dsr(data, x="x", n="person_years", stdpop="esp", by=["row_id"], multiplier=MULTIPLIER,
                        confidence=(0.95, 0.998))  # fmt: skip
    dsr = dsr.set_index("row_id").reindex(u["row_id"])
    for column, result in (("dsr", "value"), ("dsr_lower_95", "lower_95"), ("dsr_upper_95", "upper_95"),
                           ("dsr_lower_998", "lower_998"), ("dsr_upper_998", "upper_998")):  # fmt: skip
        u[column] = np.where(go, dsr[result].to_numpy(dtype=float), np.nan)
    return u


def _with_isr(u: pd.DataFrame, bands: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Expected events at the reference age-specific rates and the ISR observed / expected (PHE calculate_ISRatio:
    exact limits below 10 observed, Byar from 10), on the published count."""
    data = bands.drop(columns=["geography_level", "geography_code"])
    data = data[data["person_years"] > 0]
    ready = data.merge(reference, on=["measure", "period", "age_band"], how="inner")
    ready = ready[(ready["ref_person_years"] > 0) & ready["ref_events"].notna()]
    for column in ("expected", "isr", "isr_lower_95", "isr_upper_95", "isr_lower_998", "isr_upper_998"):
        u[column] = np.nan
    if not ready.empty:
        observed = u.loc[u["row_id"].isin(ready["row_id"]), ["row_id", "observed"]]
        isr = calculate_isratio(ready, x="observed", n="person_years", x_ref="ref_events", n_ref="ref_person_years",
                                by=["row_id"], observed_totals=observed, confidence=(0.95, 0.998))  # fmt: skip
        isr = isr.set_index("row_id").reindex(u["row_id"])
        u["expected"] = isr["expected"].to_numpy(dtype=float)
        for column, result in (("isr", "value"), ("isr_lower_95", "lower_95"), ("isr_upper_95", "upper_95"),
                               ("isr_lower_998", "lower_998"), ("isr_upper_998", "upper_998")):  # fmt: skip
            u[column] = isr[result].to_numpy(dtype=float)
    u["isr_note"] = np.where(
        np.isnan(u["expected"].to_numpy(dtype=float)),
        "no ISR: no registered patients by age, or no event of known age to give reference rates",
        None,
    )
    return u


def _pooled(u: pd.DataFrame, bands: pd.DataFrame, standard: pd.DataFrame) -> pd.DataFrame:
    """Per measure and period, the funnels' centre: the crude rate and the DSR of every practice with a registered
    population pooled (England's when every ICB is loaded), from their total rounded to 5. Withheld practices count
    in it: a centre of the published units alone would leave out exactly the practices with few events."""
    keys = ["measure", "period"]
    practices = u[(u["geography_level"] == "practice") & (u["person_years"] > 0)]
    totals = practices.groupby(keys)[["events", "known", "person_years"]].sum()
    totals["rounded"] = round_to_base(totals["events"].to_numpy(dtype=float))
    totals["crude_funnel_baseline"] = totals["rounded"] / totals["person_years"] * MULTIPLIER
    pooled = bands[bands["row_id"].isin(practices["row_id"])]
    pooled = pooled.groupby([*keys, "age_band"])[["known_events", "person_years"]].sum().reset_index()
    by_age = {k for k, m in MEASURES.items() if m.no_dsr_reason is None}
    pooled = pooled[pooled["measure"].isin(by_age)].merge(totals[["rounded", "known"]].reset_index(), on=keys)
    pooled = pooled[(pooled["known"] > 0) & (pooled["person_years"] > 0)]
    totals["dsr_funnel_baseline"] = np.nan
    if not pooled.empty:
        data = pooled.merge(_standard_by_measure(standard), on=["measure", "age_band"])
        data["x"] = data["known_events"] / data["known"] * data["rounded"]
        dsr = calculate_dsr(data, x="x", n="person_years", stdpop="esp", by=keys, multiplier=MULTIPLIER)
        totals["dsr_funnel_baseline"] = dsr.set_index(keys)["value"].reindex(totals.index)
    return totals[["crude_funnel_baseline", "dsr_funnel_baseline"]].reset_index()


def _standard_by_measure(standard: pd.DataFrame) -> pd.DataFrame:
    """The standard population per measure and age band (its band set's share of ESP 2013)."""
    measure = standard["band_set"].map({m.band_set: k for k, m in MEASURES.items()})
    return standard.assign(measure=measure)[["measure", "age_band", "esp"]]


def _with_funnels(u: pd.DataFrame, pooled: pd.DataFrame) -> pd.DataFrame:
    """PHE funnel positions (assign_funnel_significance) of the crude rate, the DSR and the ISR, each against the
    pooled value of every practice loaded (``_pooled``; 1 for the ISR, whose reference is those practices), with
    its judgement at 99.8% given the measure's polarity.

    Each is PHE's test on the unit's observed count: High (0.001) where the count's 99.8% Byar / exact lower
    limit is above the count the centre implies (the crude centre × person-years; the DSR centre × the DSR's
    implied population, multiplier × observed / DSR, as PHE's DSR funnels; the expected count), so every one is
    the ratio funnel of ``observed`` on that count."""
    u = u.merge(pooled, on=["measure", "period"], how="left")
    observed = u["observed"].to_numpy(dtype=float)
    published = ~u["suppressed"].to_numpy()
    dsr = u["dsr"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre_counts = {
            "crude": u["crude_funnel_baseline"].to_numpy(dtype=float)
            * u["person_years"].to_numpy(dtype=float)
            / MULTIPLIER,
            "dsr": u["dsr_funnel_baseline"].to_numpy(dtype=float) / dsr * observed,
            "isr": u["expected"].to_numpy(dtype=float),
        }
    polarity = u["measure"].map({k: m.higher_is_better for k, m in MEASURES.items()}).to_numpy(dtype=object)
    for name, expected in centre_counts.items():
        u[f"{name}_funnel"] = None
        u[f"{name}_judgement"] = None
        rows = published & (expected > 0)
        if rows.any():
            sig = assign_funnel_significance("ratio", observed[rows], expected[rows])
            u.loc[rows, f"{name}_funnel"] = sig
            u.loc[rows, f"{name}_judgement"] = funnel_judgement(sig, polarity[rows])
    return u
