"""End-to-end speed of the text stage (redact + themes + sentiment) on 1,000,000 comments, vs Presidio.

Corpus: the real comments in ../shared/data/pxtextmining (v6 framework file + phase-1 files, ~18k distinct),
re-sampled with replacement; half of the synthetic comments are a real comment followed by the first
sentence of another, so texts are almost all distinct (the model scores each distinct (text, question)
once per batch - repeating a small sample would make it look free).  15% get personal data injected at a
random sentence boundary, and the values are recorded, so recall is exact: NHS numbers with valid
modulus-11 check digits (spaced 3-3-4 or not), postcodes (any case, with or without the space), phone
numbers from Ofcom's drama range 0113 496 0xxx (three layouts) and email addresses.

Ours: each size (100k, 300k, 1M) is loaded into ``raw.comment_text`` / ``staged.comments`` of a fresh
DuckDB file under bench/out/, then ``code_comments`` runs in a child process that reports wall and CPU
time and peak RSS (so the sizes cannot share memory).  Throughput per core = comments / CPU seconds.
The child opens the file with ``open_store`` and a DuckDB memory limit (``--duckdb-memory``, 512MB), as
the pipeline does with CHORUS_MEMORY_LIMIT; without one DuckDB caches every page it touches.

Presidio: ``presidio-analyzer`` is not a Chorus dependency, so it is installed in its own venv
(bench/out/presidio-venv, created on first run) and run there on the first 20,000 comments of the 1M set
with the NLP engine replaced by a no-op (no spaCy model: pattern recognisers only) and the UK-relevant
recognisers (NHS number, UK postcode, phone with region GB, email, URL, NI number).  Recall is scored the
same way for both: an injected value counts as found when a detection of the right kind covers it.

Usage: .venv/bin/python bench/text_speed.py [--sizes 100000,300000,1000000] [--presidio-n 20000]
Exit status is 0 whether or not the targets are met; the figures are printed and written to
bench/out/text_speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OUT = REPO / "bench" / "out"
DATA = REPO.parent / "shared" / "data" / "pxtextmining"
PRESIDIO_VENV = OUT / "presidio-venv"

TARGET_PER_CORE = 20_000
TARGET_RATIO = 4.0
KINDS = ("NHS_NUMBER", "POSTCODE", "PHONE", "EMAIL")
PRESIDIO_KIND = {
    "UK_NHS": "NHS_NUMBER",
    "UK_POSTCODE": "POSTCODE",
    "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
}

# ---------------------------------------------------------------------------------------------------------
# Corpus
# ---------------------------------------------------------------------------------------------------------


def real_comments() -> pd.DataFrame:
    """Distinct non-empty real comments with the question they answer (when known)."""
    frames = []
    v6 = pd.read_csv(DATA / "v6framework_train.csv", usecols=["FFT answer", "FFT question"])
    frames.append(v6.rename(columns={"FFT answer": "text", "FFT question": "question"}))
    for name, qcol in (
        ("phase_1__text_data.csv", "question"),
        ("phase_1__co.csv", "question"),
        ("phase_1__co_multi_label.csv", None),
    ):
        if (DATA / name).exists():
            df = pd.read_csv(DATA / name)
            frames.append(pd.DataFrame({"text": df["feedback"], "question": df[qcol] if qcol else None}))
    df = pd.concat(frames, ignore_index=True).dropna(subset=["text"])
    df["text"] = df["text"].astype(str).str.strip()
    df = df[df["text"].str.len() > 0].drop_duplicates("text").reset_index(drop=True)
    df["question"] = df["question"].where(df["question"].notna(), None)
    return df


def _nhs_number(rng: np.random.Generator) -> str:
    """A random NHS number with a valid modulus-11 check digit (computed here, independently of Chorus)."""
    while True:
        d = rng.integers(0, 10, 9)
        if d[0] == 0:
            continue
        check = 11 - int(sum(int(x) * w for x, w in zip(d, range(10, 1, -1), strict=True))) % 11
        if check == 10:
            continue
        return "".join(map(str, d)) + str(0 if check == 11 else check)


_OUTWARD = ("LS1", "LS6", "M1", "M20", "B15", "SW1A", "EC1A", "CF10", "G2", "BS8", "NE1", "L3", "S10", "YO31",
            "NG7", "OX3", "CB2", "PL6", "HU3", "W1G", "N19", "SE5", "TS4", "DN2", "WF1")  # fmt: skip
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_FIRST = ("jane", "sam", "alex", "priya", "mohammed", "chris", "olu", "kate", "tom", "aisha")
_LAST = ("smith", "jones", "patel", "khan", "brown", "taylor", "okafor", "wilson", "evans", "walker")
_DOMAINS = ("gmail.com", "hotmail.co.uk", "nhs.net", "yahoo.co.uk", "example.org", "btinternet.com")

_TEMPLATES = {
    "NHS_NUMBER": (
        "My NHS number is {v}.",
        "NHS no: {v}",
        "(nhs number {v})",
        "please check my records, {v}.",
    ),
    "POSTCODE": ("I live in {v}.", "we are at {v} and", "postcode {v}", "the clinic near {v} was closed."),
    "PHONE": ("Please call me on {v}.", "ring {v} if you need me", "my number is {v}", "Tel {v}"),
    "EMAIL": ("email me at {v}", "Contact: {v}.", "my daughter's email is {v} please reply", "({v})"),
}


def _pii_value(kind: str, rng: np.random.Generator) -> str:
    if kind == "NHS_NUMBER":
        n = _nhs_number(rng)
        return f"{n[:3]} {n[3:6]} {n[6:]}" if rng.random() < 0.6 else n
    if kind == "POSTCODE":
        pc = f"{rng.choice(_OUTWARD)}{rng.integers(0, 10)}{rng.choice(list(_INWARD_LETTERS))}{rng.choice(list(_INWARD_LETTERS))}"
        pc = pc[:-3] + " " + pc[-3:] if rng.random() < 0.7 else pc
        return pc.lower() if rng.random() < 0.25 else pc
    if kind == "PHONE":
        last = f"{rng.integers(0, 1000):03d}"
        layout = rng.integers(0, 3)
        return (f"0113 496 0{last}", f"01134960{last}", f"+44 113 496 0{last}")[layout]
    return f"{rng.choice(_FIRST)}.{rng.choice(_LAST)}{rng.integers(1, 99)}@{rng.choice(_DOMAINS)}"


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def make_batch(
    real: pd.DataFrame, start: int, n: int, seed: int, pii_rate: float = 0.15
) -> tuple[pd.DataFrame, list[tuple[str, str, str]]]:
    """Rows ``start .. start+n`` of the synthetic corpus (deterministic per row block) and the PII injected."""
    rng = np.random.default_rng([seed, start])
    texts, questions = real["text"].to_numpy(), real["question"].to_numpy()
    a = rng.integers(0, len(texts), n)
    b = rng.integers(0, len(texts), n)
    join = rng.random(n) < 0.5
    inject = rng.random(n) < pii_rate
    out_text: list[str] = []
    truth: list[tuple[str, str, str]] = []
    ids = [f"bench:{start + i:07d}" for i in range(n)]
    for i in range(n):
        t = texts[a[i]]
        if join[i]:
            t = t + " " + _SENTENCE_END.split(texts[b[i]], maxsplit=1)[0]
        if inject[i]:
            parts = _SENTENCE_END.split(t)
            for _ in range(1 + int(rng.random() < 0.2)):
                kind = KINDS[rng.integers(0, len(KINDS))]
                v = _pii_value(kind, rng)
                tpl = _TEMPLATES[kind][rng.integers(0, 4)]
                parts.insert(int(rng.integers(0, len(parts) + 1)), tpl.format(v=v))
                truth.append((ids[i], kind, v))
            t = " ".join(parts)
        out_text.append(t)
    frame = pd.DataFrame({"comment_id": ids, "text": out_text, "question": questions[a]})
    return frame, truth


def build_db(path: Path, n: int, real: pd.DataFrame, seed: int = 7, chunk: int = 100_000) -> None:
    """A fresh DuckDB file with ``n`` comments in raw.comment_text / staged.comments, and bench.truth."""
    import duckdb

    from pipelines.sources.shared.comments import ensure_comment_tables

    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    for schema in ("raw", "staged", "bench"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    ensure_comment_tables(con)
    con.execute("CREATE TABLE bench.truth (comment_id VARCHAR, kind VARCHAR, value VARCHAR)")
    for start in range(0, n, chunk):
        frame, truth = make_batch(real, start, min(chunk, n - start), seed)
        con.register("_f", frame)
        con.execute(
            "INSERT INTO raw.comment_text (comment_id, source, text, file_sha256) SELECT comment_id, 'bench', text, 'sha0' FROM _f"
        )
        con.execute(
            """INSERT INTO staged.comments (comment_id, source, channel, question, text_ref, file_sha256)
               SELECT comment_id, 'bench', 'survey_comment', question, comment_id, 'sha0' FROM _f"""
        )
        con.unregister("_f")
        if truth:
            con.register("_t", pd.DataFrame(truth, columns=["comment_id", "kind", "value"]))
            con.execute("INSERT INTO bench.truth SELECT * FROM _t")
            con.unregister("_t")
    con.execute("CHECKPOINT")
    con.close()


# ---------------------------------------------------------------------------------------------------------
# Child: code one database, report time and memory
# ---------------------------------------------------------------------------------------------------------


def _rss_kb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def child(db: Path, batch_size: int, profile: Path | None, memory_limit: str) -> None:
    from pipelines.core.store import open_store
    from pipelines.text.coding import code_comments
    from pipelines.text.model import ThemeSentimentModel

    model = ThemeSentimentModel.load()
    model.predict_arrays(["warm up the model"], [None])
    checkpoints: dict[int, int] = {}
    marks = [100_000, 300_000, 1_000_000]

    def progress(done: int, total: int) -> None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for m in marks:
            if done >= m and m not in checkpoints:
                checkpoints[m] = peak
        checkpoints[done] = peak  # every batch: the RSS trace

    # Opened as the pipeline opens its store: DuckDB's buffer pool capped (CHORUS_MEMORY_LIMIT), so the
    # figure measures the text stage, not DuckDB caching every page of a growing table.
    with open_store(db, memory_limit=memory_limit) as con:
        rss0 = _rss_kb()
        c0 = os.times()
        t0 = time.perf_counter()
        if profile:
            import cProfile

            prof = cProfile.Profile()
            summary = prof.runcall(code_comments, con, model, batch_size, progress)
            prof.dump_stats(str(profile))
        else:
            summary = code_comments(con, model=model, batch_size=batch_size, progress=progress)
        wall = time.perf_counter() - t0
        c1 = os.times()
    print(json.dumps({
        "coded": summary.coded, "redactions": summary.redactions, "wall_s": wall,
        "cpu_s": (c1.user - c0.user) + (c1.system - c0.system), "rss_start_kb": rss0,
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "rss_trace_kb": checkpoints,
        "duckdb_memory_limit": memory_limit,
    }))  # fmt: skip


def run_child(db: Path, batch_size: int, memory_limit: str, profile: Path | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", str(db), "--batch-size", str(batch_size)]
    cmd += ["--duckdb-memory", memory_limit]
    if profile:
        cmd += ["--profile-out", str(profile)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"child failed on {db}: {proc.stderr.strip().splitlines()[-1:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------------------
# Recall
# ---------------------------------------------------------------------------------------------------------


def our_recall(db: Path, ids: list[str] | None = None) -> dict[str, dict[str, float]]:
    """Per kind: injected values gone from the redacted text with that kind recorded for the comment."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    if ids is not None:
        con.register("_ids", pd.DataFrame({"comment_id": ids}))
    where = "WHERE comment_id IN (SELECT comment_id FROM _ids)" if ids is not None else ""
    rows = con.execute(
        f"""WITH t AS (SELECT * FROM bench.truth {where})
            SELECT t.kind, count(*) AS injected,
                   count(*) FILTER (NOT contains(c.text_redacted, t.value) AND EXISTS (
                       SELECT 1 FROM staged.comment_redactions r WHERE r.comment_id = t.comment_id AND r.kind = t.kind)) AS found
            FROM t JOIN staged.comment_text c USING (comment_id) GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    extra = con.execute(
        f"""SELECT kind, sum(occurrences) FROM staged.comment_redactions
            WHERE comment_id NOT IN (SELECT comment_id FROM bench.truth)
            {"AND comment_id IN (SELECT comment_id FROM _ids)" if ids is not None else ""} GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    con.close()
    return _recall_table(rows) | {"_redactions_in_clean_comments": dict(extra)}


def _recall_table(rows: list[tuple[str, int, int]]) -> dict[str, dict[str, float]]:
    out = {k: {"injected": n, "found": f, "recall": f / n if n else float("nan")} for k, n, f in rows}
    n, f = sum(r[1] for r in rows), sum(r[2] for r in rows)
    out["ALL"] = {"injected": n, "found": f, "recall": f / n if n else float("nan")}
    return out


# ---------------------------------------------------------------------------------------------------------
# Presidio (separate venv)
# ---------------------------------------------------------------------------------------------------------

PRESIDIO_WORKER = '''
"""Runs inside bench/out/presidio-venv: Presidio's pattern-only analyzer (no NLP model) over texts.jsonl."""
import json, sys, time

import tldextract.tldextract as _tld
_tld.TLD_EXTRACTOR = _tld.TLDExtract(suffix_list_urls=())  # offline: the bundled public-suffix snapshot

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
from presidio_analyzer.predefined_recognizers import (
    EmailRecognizer, NhsRecognizer, PhoneRecognizer, UkNinoRecognizer, UkPostcodeRecognizer, UrlRecognizer,
)


class NoNlpEngine(NlpEngine):
    """Does nothing: recognisers get empty NLP artifacts, so no spaCy model is loaded or downloaded."""
    def load(self): pass
    def is_loaded(self): return True
    def process_text(self, text, language):
        return NlpArtifacts(entities=[], tokens=[], tokens_indices=[], lemmas=[], nlp_engine=self, language=language)
    def process_batch(self, texts, language, batch_size=1, n_process=1, **kwargs):
        for t in texts:
            yield t, self.process_text(t, language)
    def is_stopword(self, word, language): return False
    def is_punct(self, word, language): return False
    def get_supported_entities(self): return []
    def get_supported_languages(self): return ["en"]


texts = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
registry = RecognizerRegistry(recognizers=[
    NhsRecognizer(), UkPostcodeRecognizer(), PhoneRecognizer(supported_regions=("GB",)),
    EmailRecognizer(), UrlRecognizer(), UkNinoRecognizer(),
])
engine = AnalyzerEngine(registry=registry, nlp_engine=NoNlpEngine(), supported_languages=["en"])
engine.analyze("warm up 0113 496 0000 a@b.com", language="en")
c0, t0 = time.process_time(), time.perf_counter()
results = [[(r.entity_type, r.start, r.end) for r in engine.analyze(t, language="en")] for t in texts]
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
from importlib.metadata import version
json.dump({"wall_s": wall, "cpu_s": cpu, "n": len(texts), "version": version("presidio-analyzer"),
           "recognizers": [type(r).__name__ for r in registry.recognizers], "results": results},
          open(sys.argv[2], "w"))
'''


def ensure_presidio_venv() -> Path | None:
    py = PRESIDIO_VENV / "bin" / "python"
    if (
        py.exists()
        and subprocess.run([py, "-c", "import presidio_analyzer"], capture_output=True).returncode == 0
    ):
        return py
    print(f"creating {PRESIDIO_VENV} (python3.11 -m venv; pip install presidio-analyzer) ...", flush=True)
    try:
        subprocess.run(["python3.11", "-m", "venv", str(PRESIDIO_VENV)], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "presidio-analyzer"], check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"Presidio unavailable ({exc}); skipping the comparison")
        return None
    return py


def run_presidio(texts: list[str]) -> dict | None:
    py = ensure_presidio_venv()
    if py is None:
        return None
    worker, inp, res = OUT / "presidio_worker.py", OUT / "presidio_texts.jsonl", OUT / "presidio_results.json"
    worker.write_text(PRESIDIO_WORKER, encoding="utf-8")
    inp.write_text("".join(json.dumps(t) + "\n" for t in texts), encoding="utf-8")
    env = os.environ | {"OMP_NUM_THREADS": "1"}
    proc = subprocess.run([py, worker, inp, res], capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        print(f"Presidio run failed: {proc.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(res.read_text())


def presidio_recall(ids: list[str], texts: list[str], results: list, truth: pd.DataFrame) -> dict:
    by_id = {cid: (t, r) for cid, t, r in zip(ids, texts, results, strict=True)}
    rows: dict[str, list[int]] = {}
    for cid, kind, value in truth.itertuples(index=False):
        text, found = by_id[cid]
        start = text.find(value)
        end = start + len(value)
        hit = any(PRESIDIO_KIND.get(et) == kind and s <= start and e >= end for et, s, e in found)
        rows.setdefault(kind, [0, 0])
        rows[kind][0] += 1
        rows[kind][1] += hit
    table = _recall_table([(k, n, f) for k, (n, f) in sorted(rows.items())])
    clean = [r for cid, (_, r) in by_id.items() if cid not in set(truth["comment_id"])]
    fp: dict[str, int] = {}
    for res in clean:
        for et, _, _ in res:
            fp[et] = fp.get(et, 0) + 1
    return table | {"_detections_in_clean_comments": fp}


# ---------------------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100000,300000,1000000")
    ap.add_argument("--presidio-n", type=int, default=20_000)
    ap.add_argument("--batch-size", type=int, default=20_000)
    ap.add_argument("--profile", action="store_true", help="cProfile the largest size's coding run")
    ap.add_argument("--duckdb-memory", default="512MB", help="DuckDB memory_limit of the coding run")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--profile-out", dest="profile_path", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.batch_size, args.profile_path, args.duckdb_memory)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    real = real_comments()
    print(
        f"{len(real):,} distinct real comments (mean {real['text'].str.len().mean():.0f} chars)", flush=True
    )
    ours: dict[int, dict] = {}
    for n in sizes:
        db = OUT / f"text_speed_{n}.duckdb"
        t0 = time.perf_counter()
        build_db(db, n, real)
        print(f"[{n:>9,}] built {db.name} in {time.perf_counter() - t0:.0f} s; coding ...", flush=True)
        profile = OUT / "text_speed.prof" if args.profile and n == max(sizes) else None
        r = run_child(db, args.batch_size, args.duckdb_memory, profile)
        r["per_core"] = r["coded"] / r["cpu_s"]
        r["per_s"] = r["coded"] / r["wall_s"]
        ours[n] = r
        print(f"[{n:>9,}] {r['per_s']:>8,.0f} comments/s wall, {r['per_core']:>8,.0f}/s per core (CPU), "
              f"peak RSS {r['peak_rss_kb'] / 1024:,.0f} MiB", flush=True)  # fmt: skip
    big = max(sizes)
    db = OUT / f"text_speed_{big}.duckdb"
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    sample = con.execute(
        "SELECT comment_id, text FROM raw.comment_text ORDER BY comment_id LIMIT ?", [args.presidio_n]
    ).fetchall()
    stats = con.execute(
        "SELECT avg(length(text)), count(DISTINCT text) / count(*) FROM raw.comment_text"
    ).fetchone()
    truth = con.execute("SELECT comment_id, kind, value FROM bench.truth").df()
    con.close()
    ids = [s[0] for s in sample]
    texts = [s[1] for s in sample]
    sample_truth = truth[truth["comment_id"].isin(set(ids))]
    recall_all = our_recall(db)
    recall_sample = our_recall(db, ids)

    # Our redaction alone on the same texts (like for like with Presidio's pattern analyzer).
    from pipelines.text.redaction import redact

    c0 = time.process_time()
    for t in texts:
        redact(t)
    ours_redact_cpu = time.process_time() - c0
    pres = run_presidio(texts)
    pres_recall = presidio_recall(ids, texts, pres["results"], sample_truth) if pres else None

    # ----- report -----
    e2e = ours[big]["per_core"]
    redact_rate = len(texts) / ours_redact_cpu
    print("\n== Chorus text stage: raw.comment_text -> staged tables (code_comments) ==")
    print(
        f"corpus: mean {stats[0]:.0f} chars/comment, {stats[1]:.1%} distinct texts; {len(truth):,} PII values injected in {big:,}"
    )
    print(f"{'comments':>10} {'wall s':>8} {'CPU s':>8} {'per s':>9} {'per core':>9} {'peak RSS MiB':>13}")
    for n, r in ours.items():
        print(
            f"{n:>10,} {r['wall_s']:>8.1f} {r['cpu_s']:>8.1f} {r['per_s']:>9,.0f} {r['per_core']:>9,.0f} {r['peak_rss_kb'] / 1024:>13,.0f}"
        )
    trace = {int(k): v for k, v in ours[big]["rss_trace_kb"].items()}
    marks = [m for m in (100_000, 300_000, 1_000_000) if m in trace]
    if marks:
        print(
            f"peak RSS inside the {big:,} run at "
            + ", ".join(f"{m:,}: {trace[m] / 1024:,.0f} MiB" for m in marks)
        )
    print(
        f"target >= {TARGET_PER_CORE:,}/s/core end to end: {'MET' if e2e >= TARGET_PER_CORE else 'MISSED'} ({e2e:,.0f})"
    )
    print(f"\n== Recall on injected PII (value gone and kind recorded), all {big:,} ==")
    for k, v in recall_all.items():
        if not k.startswith("_"):
            print(f"  {k:<11} {v['found']:>7,} / {v['injected']:>7,}  {v['recall']:.4f}")
    print(f"  redactions in comments with nothing injected: {recall_all['_redactions_in_clean_comments']}")
    print(f"\n== Same {len(texts):,} texts: Chorus vs Presidio (pattern-only) ==")
    if pres:
        p_rate = pres["n"] / pres["cpu_s"]
        print(
            f"Presidio {pres['version']} recognisers: {', '.join(pres['recognizers'])}; NLP engine: none (no-op)"
        )
        print(f"{'':<34} {'texts/s/core':>13} {'recall':>8}")
        print(f"{'Presidio analyze (detect only)':<34} {p_rate:>13,.0f} {pres_recall['ALL']['recall']:>8.4f}")
        print(
            f"{'Chorus redact() (detect+replace)':<34} {redact_rate:>13,.0f} {recall_sample['ALL']['recall']:>8.4f}"
        )
        print(
            f"{'Chorus end to end (+themes+sent.)':<34} {e2e:>13,.0f} {recall_sample['ALL']['recall']:>8.4f}"
        )
        print("per kind recall (Presidio / Chorus): " + ", ".join(
            f"{k} {pres_recall.get(k, {}).get('recall', float('nan')):.3f} / {recall_sample[k]['recall']:.3f}" for k in KINDS if k in recall_sample))  # fmt: skip
        print(
            f"Presidio detections in comments with nothing injected: {pres_recall['_detections_in_clean_comments']}"
        )
        print(
            f"Chorus redactions in the same clean comments: {recall_sample['_redactions_in_clean_comments']}"
        )
        ratio_e2e, ratio_redact = e2e / p_rate, redact_rate / p_rate
        ok_recall = recall_sample["ALL"]["recall"] >= pres_recall["ALL"]["recall"]
        print(f"ratio end to end / Presidio: {ratio_e2e:.1f}x; redaction only / Presidio: {ratio_redact:.1f}x; "
              f"recall {'equal or better' if ok_recall else 'WORSE'}")  # fmt: skip
        print(f"target >= {TARGET_RATIO:.0f}x Presidio at equal or better recall: "
              f"{'MET' if ratio_e2e >= TARGET_RATIO and ok_recall else 'MISSED'}")  # fmt: skip
    report = {
        "sizes": ours, "corpus": {"mean_chars": stats[0], "distinct_share": stats[1], "injected": len(truth)},
        "recall_all": recall_all, "recall_sample": recall_sample, "redact_only_per_core": redact_rate,
        "presidio": None if not pres else {k: v for k, v in pres.items() if k != "results"} | {"recall": pres_recall},
    }  # fmt: skip
    (OUT / "text_speed.json").write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    print(f"\nfigures: {OUT / 'text_speed.json'}")


if __name__ == "__main__":
    main()
