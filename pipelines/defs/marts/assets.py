"""Marts assets: thin wrappers over ``pipelines.marts.build``; each reports its table's metadata."""

from collections.abc import Callable

import dagster as dg
import duckdb

from pipelines.core.fingerprint import FULL_REBUILD_TAG, is_current, record_build
from pipelines.core.store import table_exists
from pipelines.lib.metadata import query_markdown, table_metadata
from pipelines.lib.resources import ChorusResource
from pipelines.marts import build, standardised_rates, triangulation
from pipelines.marts.estimates import mart_fingerprint
from pipelines.marts.spc import build_spc

GROUP = "marts"


def _family_metadata(refresh: build.FamilyRefresh) -> dict[str, dg.MetadataValue]:
    """Which families of ``marts.metric_by_group`` this build rebuilt and which it kept, and why."""
    return {
        "families_rebuilt": dg.MetadataValue.text(", ".join(refresh.rebuilt) or "none"),
        "families_kept": dg.MetadataValue.text(", ".join(refresh.kept) or "none"),
        "rebuilt_whole": dg.MetadataValue.bool(refresh.whole),
        "why": dg.MetadataValue.text(refresh.reason),
    }


def _mart(
    name: str,
    builder: Callable[[duckdb.DuckDBPyConnection], int],
    description: str,
    deps: list[dg.AssetKey | str],
    highlights_sql: str | None = None,
    by_family: bool = False,
) -> dg.AssetsDefinition:
    """A mart asset: skipped when nothing it is built from changed, else ``builder``; with ``by_family``
    (``marts.metric_by_group``), ``build.refresh_metric_by_group`` rebuilds only the families that changed,
    and the whole table on a run tagged ``FULL_REBUILD_TAG`` (`chorus run --all`)."""
    key = dg.AssetKey(["marts", name])

    @dg.asset(
        key=key,
        group_name=GROUP,
        description=description,
        kinds={"duckdb", "sql", "python"},
        deps=deps,
        pool="duckdb_writer",
        automation_condition=dg.AutomationCondition.eager(),
    )
    def _build(context: dg.AssetExecutionContext, chorus: ChorusResource) -> dg.MaterializeResult:
        whole = by_family and context.run.tags.get(FULL_REBUILD_TAG) == "true"
        with chorus.connect() as con:
            fingerprint = mart_fingerprint(con, name)
            unchanged = (
                not whole
                and table_exists(con, f"marts.{name}")
                and is_current(con, f"marts.{name}", fingerprint)
            )
            family_metadata = {}
            if unchanged:
                context.log.info(
                    f"marts.{name}: no loaded file and no code changed since the last build; kept"
                )
                if by_family:
                    family_metadata = _family_metadata(build.kept_whole(con))
            elif by_family:
                refresh = build.refresh_metric_by_group(con, whole=whole)
                context.log.info(
                    f"marts.{name}: rebuilt {', '.join(refresh.rebuilt) or 'no family'}, kept "
                    f"{', '.join(refresh.kept) or 'no family'} ({refresh.reason})"
                )
                family_metadata = _family_metadata(refresh)
                record_build(con, f"marts.{name}", fingerprint)
            else:
                builder(con)
                record_build(con, f"marts.{name}", fingerprint)
            metadata = table_metadata(con, f"marts.{name}")
            metadata["rebuilt"] = not unchanged
            metadata |= family_metadata
            if highlights_sql:
                metadata["highlights"] = dg.MetadataValue.md(query_markdown(con, highlights_sql))
        return dg.MaterializeResult(metadata=metadata)

    return _build


def _source_tables() -> list[dg.AssetKey]:
    """The staged tables the marts read (external to this group, resolved by key)."""
    return [
        dg.AssetKey(["staged", "gpps_results"]),
        dg.AssetKey(["staged", "survey_responses"]),
        dg.AssetKey(["staged", "fft_scores"]),
        dg.AssetKey(["ref", "practice_deprivation"]),
        dg.AssetKey(["ref", "registered_population"]),
        dg.AssetKey(["staged", "comment_sentiment"]),
        dg.AssetKey(["staged", "comment_themes"]),
    ]


metric_by_group = _mart(
    "metric_by_group",
    build.build_metric_by_group,
    "Every metric by geography (practice → England), period and demographic group: value, numerator, denominator, "
    "unweighted and effective n, 95% and 99.8% intervals, gap from the overall value and from the best group with "
    "significance, disclosure control, and the change from the previous and the earliest comparable period (never "
    "across a survey's series break) with significance and the Fingertips recent trend. Sources: GPPS published "
    "results and respondent-level extracts, FFT, complaints, comment sentiment.",
    # The complaints family reads the returns and registers themselves (pipelines/marts/estimates.py).
    [*_source_tables(), dg.AssetKey(["staged", "complaint_returns"]), dg.AssetKey(["staged", "complaints"])],
    highlights_sql="""SELECT geography_code, period, metric_id, dimension, group_value, round(value, 3) AS value,
                             round(diff_from_overall, 3) AS gap FROM marts.metric_by_group
                      WHERE worse_than_overall AND geography_level = 'icb' ORDER BY diff_from_overall LIMIT 10""",
    by_family=True,
)
deprivation_gradient = _mart(
    "deprivation_gradient",
    build.build_deprivation_gradient,
    "Slope (SII) and relative (RII) index of inequality across practice deprivation quintiles, PHE method with "
    "seeded Monte-Carlo intervals, the direction of each gradient, and whether it is widening or narrowing since "
    "the previous comparable period.",
    [metric_by_group.key],
    highlights_sql="""SELECT geography_code, period, metric_id, round(sii, 3) AS sii, round(rii, 3) AS rii, direction
                      FROM marts.deprivation_gradient WHERE direction <> 'no_clear_gradient' ORDER BY sii LIMIT 10""",
)
variation = _mart(
    "variation",
    build.build_variation,
    "How each ICB's sub-ICB locations and practices vary: PHE funnel significance against the ICB and England, "
    "judged with the measure's polarity, range and best-to-worst ratio.",
    [metric_by_group.key],
    highlights_sql="""SELECT icb_code, period, metric_id, unit_level, max(units) AS units, round(max(range), 3) AS range,
                             round(max(best_to_worst_ratio), 2) AS best_to_worst, count(*) FILTER (vs_icb LIKE 'Low%') AS low_outliers
                      FROM marts.variation GROUP BY ALL ORDER BY range DESC LIMIT 10""",
)
national_variation = _mart(
    "national_variation",
    build.build_national_variation,
    "How every practice and sub-ICB location loaded varies against England per measure and year: range, "
    "best-to-worst ratio and the count better or worse than England beyond the 99.8% funnel limits.",
    [variation.key],
    highlights_sql="""SELECT period, metric_id, unit_level, units, round(range, 3) AS range,
                             round(best_to_worst_ratio, 2) AS best_to_worst, units_worse_998, units_better_998
                      FROM marts.national_variation ORDER BY range DESC LIMIT 10""",
)
representation = _mart(
    "representation",
    build.build_representation,
    "Who we are not hearing from: each channel's share of voices by age band, sex, sex by age band and ethnic "
    "group against the population (registered patients; Census 2021 ethnic group apportioned to practices by "
    "registered patients per LSOA), representation ratio with interval, under-represented flag (ratio < 0.8 and "
    "significant); a dimension without a population (learning disability) kept with the reason.",
    [
        *_source_tables(),
        dg.AssetKey(["staged", "gpps_respondent_profile"]),
        dg.AssetKey(["ref", "registered_population_quinary"]),
        dg.AssetKey(["ref", "practice_lsoa_registrations"]),
        dg.AssetKey(["ref", "lsoa_ethnic_group"]),
    ],
    highlights_sql="""SELECT channel, geography_code, period, dimension, group_value, round(representation_ratio, 2) AS ratio
                      FROM marts.representation WHERE under_represented ORDER BY representation_ratio LIMIT 10""",
)
gpps_question_options = _mart(
    "gpps_question_options",
    build.build_gpps_question_options,
    "Every answer option of every evaluative GPPS question (ref.gpps_measures) per organisation (practice → "
    "England) and survey year: the option's published share with the base it is a share of (evaluative or full), "
    "whether it counts as positive, and disclosure control (shares on fewer than 10 respondents withheld, bases "
    "rounded to 5). The positive share of each question is in marts.metric_by_group.",
    [dg.AssetKey(["staged", "gpps_results"]), dg.AssetKey(["ref", "gpps_measures"])],
    highlights_sql="""SELECT period, metric_id, option_label, count(*) AS organisations, round(avg(share), 3) AS mean_share
                      FROM marts.gpps_question_options WHERE NOT suppressed AND geography_level = 'practice'
                      GROUP BY ALL ORDER BY period DESC, metric_id, any_value(option_code) LIMIT 10""",
)
triangulation = _mart(
    "triangulation",
    triangulation.build_triangulation,
    "Numbers joined to stories: per geography × group × framework theme, the survey evidence, complaints, comment "
    "volume and negativity, Healthwatch findings and reviews and redacted example comments (cells of 10+), ranked "
    "within each geography by the evidence that the group fares worse (methods agreeing at 99.8%, then strength).",
    [metric_by_group.key, *_source_tables()],
    highlights_sql="""SELECT geography_code, dimension, group_value, theme, round(survey_worst_gap, 3) AS survey_gap,
                             comments, round(negative_theme_share, 2) AS negative_theme_share, methods_agreeing_worse
                      FROM marts.triangulation WHERE geography_level = 'icb' AND convergent_rank <= 3
                      ORDER BY geography_code, convergent_rank LIMIT 10""",
)
spc = _mart(
    "spc",
    build_spc,
    "Statistical process control in the NHS Making Data Count style: XmR charts of each organisation's monthly FFT "
    "share positive and quarterly complaints rate (12+ published points), one row per point with mean, process "
    "limits, the shift / trend / outside-limits / two-of-three rules and the variation icon.",
    [metric_by_group.key, dg.AssetKey(["staged", "fft_scores"]), dg.AssetKey(["ref", "nhs_trusts"])],
    highlights_sql="""SELECT icb_code, geography_code, metric_id, max(points) AS points, count(*) FILTER (special_cause) AS special,
                             any_value(series_variation) AS latest
                      FROM marts.spc GROUP BY ALL ORDER BY special DESC LIMIT 10""",
)
standardised = _mart(
    "standardised_rates",
    standardised_rates.build_standardised_rates,
    "Case-mix: complaints (KO41b-style returns) and comments per 1,000 registered patients a year by practice, "
    "sub-ICB location and ICB: crude rate, directly age-standardised rate (ESP 2013, Dobson limits) where the "
    "numerator is by age, indirectly standardised ratio against the loaded practices' age-specific rates, and "
    "PHE funnel positions on the crude and the adjusted values with the measure's polarity. Counts of 1-9 withheld.",
    [
        dg.AssetKey(["staged", "complaint_returns"]),
        dg.AssetKey(["staged", "comment_sentiment"]),
        dg.AssetKey(["ref", "registered_population"]),
        dg.AssetKey(["ref", "registered_population_quinary"]),
        dg.AssetKey(["ref", "practice_geography_versions"]),
    ],
    highlights_sql="""SELECT geography_code, period, measure, round(crude_rate, 2) AS crude, round(dsr, 2) AS dsr,
                             round(isr, 2) AS isr, crude_funnel, isr_funnel FROM marts.standardised_rates
                      WHERE crude_funnel <> isr_funnel ORDER BY period DESC, measure, geography_code LIMIT 10""",
)
data_dictionary = _mart(
    "data_dictionary",
    build.build_data_dictionary,
    "Every published table and column (marts and ref) with its description, type and source.",
    [
        metric_by_group.key,
        deprivation_gradient.key,
        variation.key,
        national_variation.key,
        representation.key,
        gpps_question_options.key,
        triangulation.key,
        spc.key,
        standardised.key,
    ],
)
