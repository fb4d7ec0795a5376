"""A Care Opinion JSON export is recognised from a prefix and loaded in bounded memory, one opinion at a time."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import duckdb
import pytest

from pipelines.core.store import ensure_store
from pipelines.ingest.files import FileRejected, LandingFile
from pipelines.sources.stories import json_stream
from pipelines.sources.stories.readers import care_opinion, loading


def _opinion(n: int, body_chars: int = 200) -> dict:
    return {
        "id": n,
        "title": f"Story {n}",
        "body": ("The staff were kind and the ward was clean. " * (body_chars // 44 + 1))[:body_chars],
        "dateOfPublication": "2025-03-05T10:22:31Z",
        "criticality": "notcritical",
        "healthServices": [{"nacsCode": "RZ101", "name": "Riverside (Synthetic)"}],
        "tags": [{"name": "kind staff", "polarity": "positive"}],
    }


def _landing(tmp_path: Path, data: bytes, name: str = "export.json") -> LandingFile:
    path = tmp_path / "stories" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return LandingFile.from_path(path, tmp_path, "stories")


def test_detection_reads_only_a_prefix(tmp_path: Path) -> None:
    """The opinions after the prefix are never read to recognise the file: bytes there that are not even
    text do not stop it being recognised; loading reads them and says where the file breaks."""
    head = json.dumps([_opinion(n) for n in range(1, 4)])[:-1] + ", "
    padding = json.dumps([_opinion(n) for n in range(4, 2000)])[1:-1]
    assert len(head) + len(padding) > 4 * care_opinion.PREFIX_CHARS
    f = _landing(tmp_path, (head + padding + ", \xff\xfe not json").encode("latin-1", "replace") + b"\xff]")
    assert care_opinion._looks_like_care_opinion(f)
    con = duckdb.connect()
    ensure_store(con)
    with pytest.raises(FileRejected, match="not UTF-8 text"):
        care_opinion.load_care_opinion(con, f)


def test_syntax_error_after_the_prefix_names_its_line_and_column(tmp_path: Path) -> None:
    opinions = [_opinion(n) for n in range(1, 1000)]
    text = json.dumps(opinions, indent=1)
    broken = text[: len(text) // 2] + "\n  oops,\n" + text[len(text) // 2 :]
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(broken)
    f = _landing(tmp_path, broken.encode())
    assert care_opinion._looks_like_care_opinion(f)  # the error is beyond the prefix
    con = duckdb.connect()
    ensure_store(con)
    with pytest.raises(FileRejected) as rejected:
        care_opinion.load_care_opinion(con, f)
    assert (
        f"not valid JSON at line {expected.value.lineno}, column {expected.value.colno}: {expected.value.msg}"
        in str(rejected.value)
    )


def test_loading_holds_one_block_and_one_batch_not_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python's peak allocation while loading a 4 MB export stays a small fraction of the file (parsing it
    whole would take several times its size); every opinion is loaded."""
    monkeypatch.setattr(json_stream, "BLOCK_CHARS", 64 << 10)
    # Stories are staged in batches by the loading module, which reads STAGE_BATCH there.
    monkeypatch.setattr(loading, "STAGE_BATCH", 100)
    con = duckdb.connect()
    ensure_store(con)
    # A first small export: modules the loader imports on first use are not what is measured.
    care_opinion.load_care_opinion(con, _landing(tmp_path, json.dumps([_opinion(1)]).encode(), "first.json"))
    data = json.dumps([_opinion(n, body_chars=1500) for n in range(2, 2502)]).encode()
    f = _landing(tmp_path, data)
    tracemalloc.start()
    try:
        counts = care_opinion.load_care_opinion(con, f)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (counts.rows_read, counts.rows_loaded, counts.rows_quarantined) == (2500, 2500, 0)
    assert (
        con.execute(
            "SELECT count(*) FROM staged.stories WHERE source_file = 'stories/export.json'"
        ).fetchone()[0]
        == 2500
    )
    assert len(data) > 4_000_000
    assert peak < len(data) / 4, (peak, len(data))


def test_the_stream_reads_what_json_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny blocks split every token: the elements and errors are the standard parser's."""
    monkeypatch.setattr(json_stream, "BLOCK_CHARS", 5)
    path = tmp_path / "x.json"
    for doc in [
        '{"meta": {"n": 2}, "opinions": [{"a": 1}, {"b": 12345, "c": "\\u00e9\\n"}], "x": 3}',
        '[1, 2.5e3, "x", {"a": [1, 2]}, null, true]',
        '[{"a": "b"} {"c": 1}]',
        "[1, 2",
        "[1] x",
        "",
    ]:
        path.write_text(doc)
        try:
            parsed = json.loads(doc)
            expected = parsed["opinions"] if isinstance(parsed, dict) else parsed
        except json.JSONDecodeError as exc:
            with pytest.raises(json_stream.JsonSyntaxError) as got:
                list(json_stream.iter_export(path))
            assert (got.value.msg, got.value.lineno, got.value.colno) == (exc.msg, exc.lineno, exc.colno)
            continue
        assert list(json_stream.iter_export(path)) == expected
