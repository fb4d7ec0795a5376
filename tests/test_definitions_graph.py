"""The asset graph, frozen: every asset key, check and dependency, so a change of layout cannot change it.

`tests/definitions_graph.json` is the graph as it stands. A deliberate change to the graph regenerates it
(`CHORUS_UPDATE_GRAPH=1 pytest tests/test_definitions_graph.py`) and the diff shows in review.
"""

import json
import os
from pathlib import Path

import dagster as dg

SNAPSHOT = Path(__file__).with_name("definitions_graph.json")


def asset_graph(defs: dg.Definitions) -> dict[str, object]:
    """Assets with their group and dependencies, and checks, as plain sorted data."""
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "materializable": node.is_materializable,
            "group": node.group_name,
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
        }
    checks = sorted(f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys)
    return {"assets": assets, "checks": checks}


def test_graph_matches_snapshot(all_definitions: dg.Definitions) -> None:
    current = asset_graph(all_definitions)
    if os.environ.get("CHORUS_UPDATE_GRAPH"):
        SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert current["checks"] == expected["checks"]
    assert current["assets"] == expected["assets"]


def test_no_dependency_names_a_missing_asset(all_definitions: dg.Definitions) -> None:
    """A mistyped key in ``deps=`` would silently become an external placeholder asset."""
    graph = all_definitions.resolve_asset_graph()
    placeholders = [
        key.to_user_string()
        for key in graph.get_all_asset_keys()
        if not graph.get(key).is_materializable and not graph.get(key).is_observable
    ]
    assert placeholders == []
