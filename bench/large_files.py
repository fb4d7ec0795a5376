"""Benchmark: large single files (issue 21 item 7). Not a test.

Generates, in a temporary folder:

- a Care Opinion API v2 JSON export of about ``--json-mb`` MB (one array of opinions);
- an FFT trust-upload comments CSV of about ``--csv-mb`` MB;

then loads each through ``ingest_source`` into a fresh working store (the same path the assets take:
ledger, quarantine, reconciliation; no suite), each in its own subprocess, and reports wall seconds,
the subprocess's peak RSS, and the warehouse folder's peak size on disk while loading (the store file,
its WAL and DuckDB's spill folder, sampled every 50 ms) against the input's size.

Run: ``.venv/bin/python bench/large_files.py [--json-mb 60] [--csv-mb 60] [--memory-limit 2GB]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

WORDS = [
    "the",
    "staff",
    "were",
    "kind",
    "and",
    "listened",
    "but",
    "the",
    "wait",
    "in",
    "the",
    "department",
    "was",
    "very",
    "long",
    "and",
    "nobody",
    "told",
    "us",
    "what",
    "was",
    "happening",
    "with",
    "my",
    "mother",
    "after",
    "the",
    "scan",
    "the",
    "doctor",
    "explained",
    "everything",
    "clearly",
    "thank",
    "you",
]


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def write_json(path: Path, megabytes: float, seed: int = 0) -> int:
    """A Care Opinion export of about ``megabytes`` MB, written opinion by opinion; returns opinions."""
    rng = random.Random(seed)
    target = int(megabytes * 1e6)
    n = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        while out.tell() < target:
            n += 1
            opinion = {
                "id": n,
                "title": _text(rng, 5),
                "body": _text(rng, rng.randint(80, 400)),
                "dateOfPublication": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00Z",
                "criticality": rng.choice(["notcritical", "mildlycritical", "stronglycritical"]),
                "authorRole": "patient",
                "healthServices": [{"nacsCode": f"RZ{rng.randint(1, 3)}01", "name": "Riverside (Synthetic)"}],
                "tags": [{"name": "staff attitude", "polarity": rng.choice(["positive", "negative"])}],
            }
            out.write(("," if n > 1 else "") + json.dumps(opinion))
        out.write("]")
    return n


def write_comments(path: Path, megabytes: float, seed: int = 0) -> int:
    """An FFT trust-upload comments CSV of about ``megabytes`` MB; returns rows."""
    rng = random.Random(seed)
    target = int(megabytes * 1e6)
    n = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["comment_id", "date", "location_1", "location_2", "location_3", "fft", "comment",
                         "question", "sex", "gender", "age", "ethnicity", "sexuality", "disability", "religion"])  # fmt: skip
        while out.tell() < target:
            n += 1
            writer.writerow([f"C{n:08d}", f"{rng.randint(1, 28):02d}/07/2025", f"RZ{rng.randint(1, 3)}01",
                             "Inpatients", "", rng.randint(1, 5), _text(rng, rng.randint(5, 60)),
                             "Overall, how was your experience of our service?", rng.choice(["Male", "Female"]),
                             "", rng.choice(["25-34", "45-54", "65-74"]), "White British", "", "No", ""])  # fmt: skip
    return n


def folder_bytes(folder: Path) -> int:
    """Bytes on disk under ``folder`` (allocated blocks: a sparse file counts what it holds)."""
    total = 0
    for path in folder.rglob("*"):
        try:
            if path.is_file():
                total += path.stat().st_blocks * 512
        except OSError:
            continue
    return total


def load_one(landing: str, warehouse: str, source: str, memory_limit: str) -> None:
    """Child process: ingest one source's folder into a fresh store; print figures as JSON."""
    sys.path.insert(0, str(REPO))
    from pipelines.core.store import open_store
    from pipelines.ingest.loop import ingest_source

    if source == "stories":
        from pipelines.sources.stories.readers import STORY_LAYOUTS as layouts
        from pipelines.sources.stories.readers import ensure_story_tables as prepare
    else:
        from pipelines.sources.fft.common import ensure_fft_tables as prepare
        from pipelines.sources.fft.readers import FFT_LAYOUTS as layouts

    folder = Path(warehouse).parent
    peak = {"bytes": 0}
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            now = folder_bytes(folder)
            if now > peak["bytes"]:
                peak["bytes"] = now
                # Where the bytes are at the peak: the store, its WAL, the spill folder.
                peak["parts"] = {
                    p.name: round(folder_bytes(p) / 1e6, 1)
                    if p.is_dir()
                    else round(p.stat().st_blocks * 512 / 1e6, 1)
                    for p in folder.iterdir()
                }
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    start = time.perf_counter()
    with open_store(warehouse, memory_limit=memory_limit) as con:
        prepare(con)
        report = ingest_source(con, Path(landing), source, layouts)
        counts = [(o.status, o.counts.rows_read if o.counts else None, o.error) for o in report.outcomes]
    seconds = time.perf_counter() - start
    done.set()
    watcher.join()
    peak["bytes"] = max(peak["bytes"], folder_bytes(folder))
    print(json.dumps({
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "warehouse_peak_mb": round(peak["bytes"] / 1e6, 1),
        "at_peak_mb": peak.get("parts", {}),
        "warehouse_after_mb": round(folder_bytes(folder) / 1e6, 1),
        "outcomes": counts,
    }))  # fmt: skip


def run(source: str, make: object, megabytes: float, memory_limit: str, tmp: Path) -> dict:
    landing = tmp / source / "landing"
    (landing / source).mkdir(parents=True)
    name = "care-opinion-large.json" if source == "stories" else "fft_comments_upload_large.csv"
    path = landing / source / name
    count = make(path, megabytes)  # type: ignore[operator]
    warehouse = tmp / source / "warehouse" / "chorus.duckdb"
    warehouse.parent.mkdir(parents=True)
    env_code = f"import sys; sys.path.insert(0, {str(REPO)!r}); from bench.large_files import load_one; load_one(*sys.argv[1:])"
    # The settle interval would wait for a file written just now.
    env = {"CHORUS_SETTLE_SECONDS": "0", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", env_code, str(landing), str(warehouse), source, memory_limit],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.update(input_mb=round(path.stat().st_size / 1e6, 1), records=count)
    result["warehouse_peak_per_input"] = round(result["warehouse_peak_mb"] / result["input_mb"], 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json-mb", type=float, default=60)
    parser.add_argument("--csv-mb", type=float, default=60)
    parser.add_argument("--memory-limit", default="2GB")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chorus-large-") as tmp:
        for source, make, mb in (("stories", write_json, args.json_mb), ("fft", write_comments, args.csv_mb)):
            if mb <= 0:
                continue
            result = run(source, make, mb, args.memory_limit, Path(tmp))
            print(f"{source}: {json.dumps(result)}", flush=True)


if __name__ == "__main__":
    main()
