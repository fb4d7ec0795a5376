"""``marts.metric_by_group`` rebuilt by family (issue 22, item 4): one new complaints return rebuilds the
complaints rows only, and the table is then what a build from scratch of the same files makes.

On a copy of the session's sample build: a new KO41b return for a quarter not yet loaded arrives, the
complaints source and the marts run, then the file is taken out of the landing folder and they run again.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from pipelines.core.fingerprint import FULL_REBUILD_TAG
from pipelines.core.store import open_store
from pipelines.marts import build
from pipelines.marts.estimates import FAMILIES, SHARED_CODE
from tests.conftest import copy_sample_build, failed_checks, materialize, step_failures

RETURN = "complaints/ko41b_2025-26_q1.csv"
NEW_RETURN = "complaints/ko41b_2025-26_q2.csv"
NEW_PERIOD = "2025-26 Q2"
KEY = ["source", "geography_level", "geography_code", "period", "metric_id", "dimension", "group_value"]
NOT_COMPLAINTS = tuple(f.name for f in FAMILIES if f.name != "complaints")


def mart_rows(warehouse: Path, where: str = "TRUE") -> pd.DataFrame:
    """Rows of marts.metric_by_group (``where``), in one fixed order."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = con.execute(f"SELECT * FROM marts.metric_by_group WHERE {where}").df()
    return frame.sort_values(KEY, kind="mergesort").reset_index(drop=True)


def family_builds(warehouse: Path) -> dict[str, tuple[str, object]]:
    """family -> (fingerprint, built_at) as the last build of its rows recorded them."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT build, fingerprint, built_at FROM meta.build_fingerprints WHERE build LIKE 'marts.metric_by_group:%'"
        ).fetchall()
    return {build_name.split(":", 1)[1]: (fingerprint, at) for build_name, fingerprint, at in rows}


def refresh(
    definitions: dg.Definitions, landing: Path, paths: dict[str, Path], tags: dict[str, str] | None = None
) -> dict[str, object]:
    """Run the complaints source and the marts: the metric_by_group materialisation's family metadata, and
    for each mart whether it was rebuilt."""
    result = materialize(
        definitions,
        landing,
        paths["warehouse"],
        groups=("complaints", "marts"),
        published=paths["published"],
        tags=tags,
    )
    assert result.success, step_failures(result)
    assert not failed_checks(result)
    marts = {
        e.asset_key.path[-1]: e.step_materialization_data.materialization.metadata
        for e in result.get_asset_materialization_events()
        if e.asset_key.path[0] == "marts"
    }
    metadata = marts["metric_by_group"]
    keys = ("families_rebuilt", "families_kept", "rebuilt_whole", "why")
    out: dict[str, object] = {k: metadata[k].value for k in keys}
    return out | {f"{name} rebuilt": m["rebuilt"].value for name, m in marts.items()}


def from_scratch(warehouse: Path, tmp: Path) -> pd.DataFrame:
    """marts.metric_by_group as a full build makes it from the same store (in a copy of it)."""
    scratch = tmp / "scratch.duckdb"
    shutil.copy(warehouse, scratch)
    with open_store(scratch) as con:
        build.build_metric_by_group(con)
    return mart_rows(scratch)


@pytest.fixture(scope="module")
def store(
    sample_pipeline: tuple[list[dg.AssetMaterialization], Path],
    sample_landing: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Path]:
    """A writable copy of the sample build and of its landing folder."""
    tmp = tmp_path_factory.mktemp("incremental_metric_by_group")
    paths = copy_sample_build(sample_pipeline[1], tmp)
    paths["landing"] = tmp / "landing"
    shutil.copytree(sample_landing, paths["landing"])
    paths["tmp"] = tmp
    return paths


def test_one_new_return_rebuilds_only_the_complaints_rows_and_withdrawing_it_rebuilds_them_again(
    all_definitions: dg.Definitions, store: dict[str, Path]
) -> None:
    warehouse, landing = store["warehouse"], store["landing"]
    others_before = mart_rows(warehouse, "source <> 'complaints'")
    builds_before = family_builds(warehouse)
    assert set(builds_before) == {f.name for f in FAMILIES}, "the sample build recorded every family"
    assert NEW_PERIOD not in set(mart_rows(warehouse, "source = 'complaints'")["period"])

    # A return for the next quarter: the same practices, a period not loaded before.
    text = (landing / RETURN).read_text(encoding="utf-8")
    assert "2025-26 Q1" in text
    (landing / NEW_RETURN).write_text(text.replace("2025-26 Q1", NEW_PERIOD), encoding="utf-8")
    metadata = refresh(all_definitions, landing, store)

    assert {k: metadata[k] for k in ("families_rebuilt", "families_kept", "rebuilt_whole", "why")} == {
        "families_rebuilt": "complaints",
        "families_kept": ", ".join(NOT_COMPLAINTS),
        "rebuilt_whole": False,
        "why": "the inputs of these families changed",
    }
    # Marts that read neither the complaints rows nor the returns are kept; the control charts are redrawn.
    assert metadata["triangulation rebuilt"] is False and metadata["representation rebuilt"] is False
    assert metadata["spc rebuilt"] is True
    builds_after = family_builds(warehouse)
    # Not recomputed: every other family's rows were last built by the same build as before.
    assert {f: builds_after[f] for f in NOT_COMPLAINTS} == {f: builds_before[f] for f in NOT_COMPLAINTS}
    assert builds_after["complaints"] != builds_before["complaints"]
    # ... and their rows are exactly as they were (the GPPS rows among them).
    others_after = mart_rows(warehouse, "source <> 'complaints'")
    assert set(others_after["source"]) >= {"gpps_published", "gpps_practices", "gpps_respondents"}
    pd.testing.assert_frame_equal(others_after, others_before, check_exact=True)
    complaints = mart_rows(warehouse, "source = 'complaints'")
    assert NEW_PERIOD in set(complaints["period"]), "the new return's quarter is missing"
    assert {"2025-26 Q1", NEW_PERIOD} <= set(
        complaints.loc[complaints["metric_id"] == "complaints_per_10k", "period"]
    )
    # The table is what a build from scratch of the same files makes: same columns, types and rows. (Floats
    # to 1e-9: DuckDB may sum in another order between two builds.)
    pd.testing.assert_frame_equal(mart_rows(warehouse), from_scratch(warehouse, store["tmp"]), rtol=1e-9)

    # Withdrawn (taken out of the landing folder): the complaints rows are rebuilt without it.
    (landing / NEW_RETURN).unlink()
    metadata = refresh(all_definitions, landing, store)
    assert metadata["families_rebuilt"] == "complaints"
    assert NEW_PERIOD not in set(mart_rows(warehouse, "source = 'complaints'")["period"])
    assert {f: family_builds(warehouse)[f] for f in NOT_COMPLAINTS} == {
        f: builds_before[f] for f in NOT_COMPLAINTS
    }
    pd.testing.assert_frame_equal(
        mart_rows(warehouse, "source <> 'complaints'"), others_before, check_exact=True
    )
    pd.testing.assert_frame_equal(mart_rows(warehouse), from_scratch(warehouse, store["tmp"]), rtol=1e-9)


def test_a_run_tagged_as_chorus_run_all_rebuilds_the_table_whole(
    all_definitions: dg.Definitions, store: dict[str, Path]
) -> None:
    """`chorus run --all` tags its run so: metric_by_group is written whole though no file changed."""
    before = mart_rows(store["warehouse"])
    metadata = refresh(all_definitions, store["landing"], store, tags={FULL_REBUILD_TAG: "true"})
    assert metadata["rebuilt_whole"] is True and metadata["why"] == "asked for a full rebuild"
    assert metadata["families_rebuilt"] == ", ".join(f.name for f in FAMILIES)
    pd.testing.assert_frame_equal(mart_rows(store["warehouse"]), before, rtol=1e-9)
    # Without the tag, the same unchanged store rebuilds nothing.
    assert refresh(all_definitions, store["landing"], store)["families_rebuilt"] == "none"


def test_a_full_rebuild_writes_every_family_and_changes_nothing(store: dict[str, Path]) -> None:
    """`chorus run --all` (``whole``): every family rebuilt, the table written whole, the same rows."""
    warehouse = store["tmp"] / "whole.duckdb"
    shutil.copy(store["warehouse"], warehouse)
    before = mart_rows(warehouse)
    with open_store(warehouse) as con:
        kept = build.refresh_metric_by_group(con)
        assert kept.rebuilt == () and kept.kept == tuple(f.name for f in FAMILIES)
        whole = build.refresh_metric_by_group(con, whole=True)
    assert whole.whole and whole.rebuilt == tuple(f.name for f in FAMILIES) and whole.kept == ()
    pd.testing.assert_frame_equal(mart_rows(warehouse), before, rtol=1e-9)


def test_a_missing_table_is_built_whole(store: dict[str, Path]) -> None:
    warehouse = store["tmp"] / "missing.duckdb"
    shutil.copy(store["warehouse"], warehouse)
    before = mart_rows(warehouse)
    with open_store(warehouse) as con:
        con.execute("DROP TABLE marts.metric_by_group")
        refreshed = build.refresh_metric_by_group(con)
    assert refreshed.whole and refreshed.reason == "the table did not exist"
    pd.testing.assert_frame_equal(mart_rows(warehouse), before, rtol=1e-9)


def test_every_file_a_family_names_as_its_code_exists() -> None:
    """A fingerprint skips a missing file: a renamed file named here would blind it to that code."""
    missing = [p for p in (*SHARED_CODE, *(c for f in FAMILIES for c in f.code)) if not p.is_file()]
    assert not missing
    rows = [source for f in FAMILIES for source in f.row_sources]
    assert len(rows) == len(set(rows)), "two families write the same source's rows"


def variation_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    frame = con.execute("SELECT * FROM marts.variation").df()
    keys = ["source", "boundaries", "icb_code", "unit_level", "unit_code", "period", "metric_id"]
    return frame.sort_values(keys, kind="mergesort").reset_index(drop=True)


def test_variation_builds_again_only_the_sources_whose_rows_changed(
    store: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A changed practice or sub-ICB value of one source re-funnels that source alone; every other source's
    funnels are kept row for row, and the table is what a build from scratch makes."""
    warehouse = store["tmp"] / "variation.duckdb"
    shutil.copy(store["warehouse"], warehouse)
    asked: list[list[str]] = []
    variation_on = build._variation_on

    def spy(con: duckdb.DuckDBPyConnection, boundaries: str, sources: list[str]) -> pd.DataFrame:
        asked.append(list(sources))
        return variation_on(con, boundaries, sources)

    monkeypatch.setattr(build, "_variation_on", spy)
    with open_store(warehouse) as con:
        build.build_variation(con)  # brings every source's recorded fingerprint up to date
        before = variation_rows(con)
        sources = set(before["source"])
        assert "gpps_published" in sources and len(sources) > 1, sources
        changed = sorted(sources - {"gpps_published"})[0]
        asked.clear()
        con.execute(
            f"""UPDATE marts.metric_by_group SET value = value * 0.5
                WHERE source = '{changed}' AND dimension = 'overall' AND geography_level IN ('practice', 'sub_icb')"""
        )
        build.build_variation(con)
        assert asked == [[changed], [changed]], (
            "only the changed source is funnelled again, on both boundaries"
        )
        after = variation_rows(con)
        pd.testing.assert_frame_equal(
            after[after["source"] != changed].reset_index(drop=True),
            before[before["source"] != changed].reset_index(drop=True),
            check_exact=True,
        )
        halved = after.loc[after["source"] == changed, "value"].to_numpy()
        assert halved == pytest.approx(before.loc[before["source"] == changed, "value"].to_numpy() * 0.5)
        con.execute("DROP TABLE marts.variation")
        build.build_variation(con)
        pd.testing.assert_frame_equal(variation_rows(con), after, rtol=1e-9)
