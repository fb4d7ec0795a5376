"""Benchmark: end-to-end refresh at national scale (issue 8, item 6). Not a test: it reports, never asserts.

Builds a synthetic national landing folder with the project's own sample writers (``pipelines/sample``):

- reference files for 6,500 practices in ~106 sub-ICB locations (one synthetic ICB, ``QZ9``, so the README's
  example queries have rows to return) and 40 trusts;
- one year of practice-level GPPS (2023 grammar, full 1,001-column list) plus a respondent extract; with
  ``--gpps-years N`` (issue 19: ``--gpps-years 10``) also the practice files of the other years of
  2027-N … 2026, each in its year's header generation (2017-2021, 2022-2023, 2024+), one national-style
  practice file a year as an analyst downloads it;
- 1,000,000 FFT comments in the trust upload shape, 12 monthly files, sentences drawn from the real
  labelled comments in ``../shared/data/pxtextmining`` with personal data injected into ~2%;
- 100,000 complaints in a local register (plus KO41a/b returns);
- 500 Healthwatch reports (HTML and Markdown) with their register, reviews and the LA lookup.

Then times, each in a fresh subprocess with its own peak RSS (``RUSAGE_CHILDREN``), with
``CHORUS_LANDING_DIR`` / ``CHORUS_WAREHOUSE`` / ``CHORUS_PUBLISHED`` inside the bench folder and no
``DAGSTER_HOME`` (ephemeral instance):

1. full refresh (``chorus run``) from an empty warehouse;
2. no-change refresh;
3. one-new-file refresh (an extra complaints register file);
4. the README's example queries on the published file (read-only), median of 20 runs each.

Targets (2-core machine, issue 22) at national scale: full < 300 s, no-change < 20 s, one new file < 60 s,
peak < 4 GB, each query < 100 ms. At a smaller ``--scale`` s the time and memory targets scale with the
input above a fixed part (process start, ~90 Dagster steps, the model and GX loading): full 60 + 240·s s,
one new file 20 + 40·s s, peak 1,024 + 3,072·s MB; the no-change refresh does no per-row work, so its
20 s holds at every scale (``targets_for``).

``--check`` makes it a guard: the exit status is 1 when any refresh fails or any figure misses its target.
Every run (checked or not) appends one row to ``bench/results/refresh.csv``: when, the commit, the scale,
each refresh's seconds, exit status, peak RSS and the 1-minute load average before and after it, the CPU
model, the verdict and what missed. ``make bench`` runs the small guard (``--scale 0.05 --check``).

Run: ``.venv/bin/python bench/refresh.py [--scale 1.0] [--gpps-years 1] [--check] [--keep] [--reuse]
[--out bench/out/refresh]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PXTEXT = REPO.parent / "shared" / "data" / "pxtextmining"
DEFAULT_OUT = REPO / "bench" / "out" / "refresh"
FULL = {"practices": 6500, "comments": 1_000_000, "complaints": 100_000, "reports": 500}
EXTRA_COMPLAINTS = 2_000  # rows in the "one new file"
RESPONDENTS_PER_PRACTICE = 20  # GPPS respondent extract (real national: ~100 per practice)
TARGETS = {"full_s": 300.0, "no_change_s": 20.0, "one_file_s": 60.0, "peak_mb": 4096.0, "query_ms": 100.0}
RESULTS = REPO / "bench" / "results" / "refresh.csv"


def targets_for(scale: float) -> dict[str, float]:
    """The national targets at ``scale``: a fixed part plus a part proportional to the input (docstring)."""
    return {
        "full_s": 60.0 + 240.0 * scale,
        "no_change_s": TARGETS["no_change_s"],
        "one_file_s": 20.0 + 40.0 * scale,
        "peak_mb": 1024.0 + 3072.0 * scale,
        "query_ms": TARGETS["query_ms"],
    }


# --- the national synthetic world --------------------------------------------------------------------


def national_ics(practices: int, trusts: int = 40, per_sub_icb: int = 62):  # noqa: ANN201 - SyntheticICS
    """A national-size ``SyntheticICS``: ``practices`` practices in ~practices/62 sub-ICB locations (one LA
    and one LSOA per practice each), ``trusts`` trusts with two sites; same dataclasses as ``synthetic_ics``,
    which is fixed at three sub-ICB locations and three-digit practice numbers."""
    import numpy as np

    from pipelines.sample.ics import SEED, Practice, Site, SubICB, SyntheticICS, Trust

    rng = np.random.default_rng([SEED, 6500])
    n_sub = max(3, -(-practices // per_sub_icb))
    letters = "0123456789BCDEFGHJKLMNPRSTUVWXY"
    subs = tuple(
        SubICB(f"Z{letters[i // 10]}{i % 10}", f"NHS Synthetic National ICB - Z{letters[i // 10]}{i % 10} (SYNTHETIC)",
               f"E38{900000 + i}", f"NHS Synthetic District {i} CCG (SYNTHETIC)")
        for i in range(n_sub)
    )  # fmt: skip
    las = tuple((f"E06{900000 + i}", f"Synthetic District {i} (SYNTHETIC)") for i in range(n_sub))
    place = np.linspace(0.15, 0.85, n_sub)
    rng.shuffle(place)
    out: list[Practice] = []
    lsoas: list[tuple[str, str, str, int]] = []
    for n in range(practices):
        s = n % n_sub
        sub = subs[s]
        k = n // n_sub
        deprivation = float(np.clip(rng.normal(place[s], 0.2), 0.01, 0.99))
        lsoa = f"E01{900000 + n}"
        lsoas.append((lsoa, f"Synthetic {s} {n:04d}A (SYNTHETIC)", las[s][0],
                      int(np.clip(32844 * (1 - deprivation) + rng.normal(0, 800), 1, 32844))))  # fmt: skip
        pcn = f"U{s:03d}{k // 6:02d}"
        out.append(Practice(
            code=f"X{n + 1:05d}", name=f"NATIONAL PRACTICE {n + 1:05d} (SYNTHETIC)",
            postcode=f"ZZ{s % 90 + 1} {k % 9 + 1}{'ABDEFGHJL'[k % 9]}{'NPQRSTUWX'[n % 9]}",
            pcn_code=pcn, pcn_name=f"SYNTHETIC PCN {pcn}", sub_icb=sub.code, old_ccg=sub.code,
            list_size=int(np.clip(rng.lognormal(np.log(8500), 0.5), 1800, 32000)), deprivation=deprivation,
            imd_score=round(5 + 55 * deprivation + float(rng.normal(0, 2)), 3), lsoa_code=lsoa,
            minority_share=float(np.clip(0.05 + 0.45 * deprivation + rng.normal(0, 0.05), 0.02, 0.8)),
            young_share=float(np.clip(0.18 + 0.15 * deprivation + rng.normal(0, 0.03), 0.08, 0.45)),
            open_date=date(1974 + int(rng.integers(0, 40)), 4, 1),
        ))  # fmt: skip
    trust_list = tuple(
        Trust(code, f"SYNTHETIC NATIONAL TRUST {t} NHS TRUST",
              tuple(Site(f"{code}{j + 1:02d}", f"SYNTHETIC SITE {code}{j + 1:02d} (SYNTHETIC)") for j in range(2)))
        for t in range(trusts)
        for code in [f"R{'ZYXWVUTS'[t // 10]}{t % 10}"]
    )  # fmt: skip
    base = SyntheticICS()
    return replace(base, icb_name="NHS Synthetic National ICB (SYNTHETIC)", local_authorities=las, sub_icbs=subs,
                   practices=tuple(out), trusts=trust_list, lsoas=tuple(lsoas))  # fmt: skip


def write_reference_files(ics, folder: Path) -> None:  # noqa: ANN001
    from pipelines.sources.reference.sample import write_reference

    write_reference(ics, folder)


LAST_GPPS_YEAR = 2026  # the latest survey year a ten-year run reaches (2017-2026)


def write_gpps_files(ics, folder: Path, years: int = 1) -> dict[int, float]:  # noqa: ANN001
    """One year (2023 grammar: practice, ICS, national files and the variables list) + a respondent extract;
    with ``years`` > 1 also a practice file for each other year of the ``years`` ending with
    ``LAST_GPPS_YEAR``, in its year's header generation. Returns the seconds each year took to write."""
    import numpy as np

    from pipelines.sources.gpps.sample import (
        write_practice_file,
        write_qn_files,
        write_respondent_extract,
        write_variables_list,
    )

    seconds: dict[int, float] = {}
    start = time.perf_counter()
    rng = np.random.default_rng([20261125, 3])
    write_qn_files(ics, folder, 2023, rng)
    write_variables_list(folder, 2023)
    write_respondent_extract(ics, folder / "gpps_2023_respondent_extract.csv", rng,
                             per_practice=RESPONDENTS_PER_PRACTICE)  # fmt: skip
    seconds[2023] = round(time.perf_counter() - start, 1)
    if years > 1:
        for year in range(LAST_GPPS_YEAR - years + 1, LAST_GPPS_YEAR + 1):
            if year == 2023:
                continue
            start = time.perf_counter()
            write_practice_file([ics], folder, year, np.random.default_rng([20261125, 3, year]))
            seconds[year] = round(time.perf_counter() - start, 1)
    return seconds


def _sql_list(values) -> str:  # noqa: ANN001
    return "[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]"


def _pick(values, salt: str) -> str:  # noqa: ANN001
    """SQL: a deterministic pick from ``values`` per row ``i`` (duplicates in ``values`` weight the draw)."""
    return f"{_sql_list(values)}[1 + (hash(i, '{salt}') % {len(values)})::BIGINT]"


PII = (  # personal data the redaction step must find (the NHS number is the standard valid test number)
    "' My NHS number is 943 476 5919.'",
    "' Please ring me back on 07700 900' || lpad((i % 1000)::VARCHAR, 3, '0') || '.'",
    "' Email me at patient' || i || '@example.com if you need more.'",
    "' I live at ' || (1 + i % 90) || ' High Street, LS1 4AP.'",
    "' My date of birth is 14/03/1962.'",
)


def write_fft_comments(ics, folder: Path, n: int, months: int = 12) -> int:  # noqa: ANN001
    """``n`` comments in the trust upload shape, one file per month (April 2025 on), through DuckDB COPY.

    Sentences are the real labelled FFT comments (v6 framework set and phase 1), ~2% with personal data."""
    import duckdb

    from pipelines.sources.fft.sample import AGES, ETHNICITIES

    folder.mkdir(parents=True, exist_ok=True)
    locations = [(p.code, "General practice") for p in ics.practices]
    for t in ics.trusts:
        for s in t.sites:
            locations += [(s.code, kind) for kind in ("Emergency department", "Inpatients", "Outpatients")]
    with duckdb.connect() as con:
        con.execute(
            f"""CREATE TABLE sentences AS
                SELECT (row_number() OVER (ORDER BY text) - 1)::BIGINT AS k, text FROM (
                    SELECT trim("FFT answer") AS text FROM read_csv('{PXTEXT / "v6framework_train.csv"}', all_varchar = true)
                    UNION SELECT trim(feedback) FROM read_csv('{PXTEXT / "phase_1__text_data.csv"}', all_varchar = true))
                WHERE length(text) > 3"""
        )
        con.execute("CREATE TABLE locations (k BIGINT, code VARCHAR, service VARCHAR)")
        con.executemany(
            "INSERT INTO locations VALUES (?, ?, ?)", [(k, c, s) for k, (c, s) in enumerate(locations)]
        )
        n_sentences = con.execute("SELECT count(*) FROM sentences").fetchone()[0]
        pii = f"[{', '.join(PII)}][1 + (hash(i, 'pk') % {len(PII)})::BIGINT]"
        con.execute(
            f"""CREATE TABLE comments AS
                SELECT i % {months} AS m, 'FFT' || lpad(i::VARCHAR, 7, '0') AS comment_id,
                       strftime(DATE '2025-04-01' + to_months((i % {months})::INTEGER)
                                + to_days((hash(i, 'd') % 28)::INTEGER), '%d/%m/%Y') AS date,
                       l.code AS location_1, l.service AS location_2, '' AS location_3,
                       {_pick(["1", "1", "1", "1", "2", "2", "3", "4", "5", "1"], "f")} AS fft,
                       s.text || CASE WHEN hash(i, 'p') % 50 = 0 THEN {pii} ELSE '' END AS comment,
                       'Overall, how was your experience of our service?' AS question,
                       {_pick(["Male", "Female", "Female", "Prefer not to say"], "s")} AS sex,
                       {_pick(["Man", "Woman", "Woman", "Prefer not to say"], "g")} AS gender,
                       {_pick(AGES, "a")} AS age, {_pick(ETHNICITIES, "e")} AS ethnicity,
                       {_pick(["Heterosexual"] * 8 + ["Gay or lesbian", "Bisexual"], "o")} AS sexuality,
                       {_pick(["No", "No", "No", "Yes", "Prefer not to say"], "y")} AS disability,
                       {_pick(["Christian", "Muslim", "No religion", "No religion", "Hindu"], "r")} AS religion
                FROM range({n}) t(i)
                JOIN locations l ON l.k = hash(i, 'l') % {len(locations)}
                JOIN sentences s ON s.k = hash(i, 'x') % {n_sentences}"""
        )
        for m in range(months):
            month = date(2025 + (3 + m) // 12, (3 + m) % 12 + 1, 1)
            con.execute(
                f"""COPY (SELECT * EXCLUDE (m) FROM comments WHERE m = {m} ORDER BY comment_id)
                    TO '{folder / f"fft_comments_upload_{month:%Y-%m}.csv"}' (HEADER, DELIMITER ',')"""
            )
        return con.execute("SELECT count(*) FROM comments").fetchone()[0]


def write_fft_workbooks(ics, folder: Path) -> None:  # noqa: ANN001
    import numpy as np

    from pipelines.sources.fft.sample import write_workbook

    rng = np.random.default_rng([20261125, 7])
    ics = replace(ics, trusts=ics.trusts[:4])  # the writer's planted scores are laid out for a few trusts
    write_workbook(ics, folder / "friends-and-family-test-ae-data-july-2025.xlsm", "ae", rng)
    write_workbook(ics, folder / "friends-and-family-test-inpatient-data-july-2025.xlsx", "inpatient", rng)


def write_complaint_files(ics, folder: Path, n: int, extra: Path) -> None:  # noqa: ANN001
    """KO41a/b returns and an ``n``-row register (the sample writers); ``extra`` is the later "new file"."""
    import numpy as np

    from pipelines.sources.complaints.sample import write_complaints, write_register

    write_complaints(ics, folder)  # returns + a small register, overwritten below at national size
    write_register(
        ics, folder / "complaints_register_2025-26.csv", np.random.default_rng([20261125, 42]), n=n
    )
    staging = extra.with_suffix(".tmp")
    write_register(ics, staging, np.random.default_rng([20261125, 43]), n=EXTRA_COMPLAINTS)
    with (
        staging.open(newline="", encoding="utf-8") as src,
        extra.open("w", newline="", encoding="utf-8") as dst,
    ):
        reader, writer = csv.reader(src), csv.writer(dst)
        writer.writerow(next(reader))
        for row in reader:  # new references, so the file adds complaints rather than repeating them
            writer.writerow([row[0].replace("C2025", "C2026N", 1), *row[1:]])
    staging.unlink()


def write_healthwatch_files(ics, folder: Path, reports: int) -> None:  # noqa: ANN001
    """``reports`` reports (HTML and Markdown, the sample's four report texts) with a register, plus the
    Feedback Centre reviews and the LA lookup from the sample writers."""
    from pipelines.sources.healthwatch import sample as hw

    for code, name in ics.local_authorities:  # the review writer names each LA's Healthwatch from HW
        hw.HW.setdefault(code, f"Healthwatch {name}")
    templates = [
        (hw.PHONE_REPORT, "GP practices", "Getting through: access to GP practices"),
        (hw.DISCHARGE_REPORT, "Hospital services", "Leaving hospital: what patients told us"),
        (hw.ENTER_VIEW_REPORT, "Hospital services", "Enter and view: community hospital"),
        (hw.DENTAL_REPORT, "Pharmacy and dental", "Pharmacy and dental services"),
    ]
    (folder / "reports").mkdir(parents=True, exist_ok=True)
    register = []
    for n in range(reports):
        la_code, la_name = ics.local_authorities[n % len(ics.local_authorities)]
        sections, service, title = templates[n % len(templates)]
        title = f"{title} in {la_name} ({n + 1})"
        name = hw.HW[la_code]
        published = (date(2024, 4, 1) + timedelta(days=(n * 7) % 700)).isoformat()
        if n % 2:
            file = f"hw-report-{n + 1:04d}.md"
            hw.write_markdown(folder / "reports" / file, title, sections)
        else:
            file = f"hw-report-{n + 1:04d}.html"
            hw.write_html(folder / "reports" / file, title, name, sections)
        register.append([file, name, la_code, published, service, title])
    with (folder / "healthwatch-report-register.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            ["File", "Local Healthwatch", "Local authority", "Publication date", "Service type", "Title"]
        )
        writer.writerows(register)
    hw.write_reviews(ics, folder / "feedback-centre-reviews.csv")
    hw.write_lookup(ics, folder / "lad23-sicbl23-icb23-lookup.csv")


def generate(
    landing: Path, extra: Path, scale: float, marker: Path, gpps_years: int = 1
) -> dict[str, object]:
    """Write the whole landing folder; returns what was written and how long each source took (and each GPPS
    year, ``gpps_seconds``).

    Progress is kept in ``marker``: with the same scale and GPPS years, sources already written are not
    written again."""
    sizes = {k: max(1, round(v * scale)) for k, v in FULL.items()}
    sizes["practices"] = max(30, sizes["practices"])
    ics = national_ics(sizes["practices"], trusts=max(4, round(40 * min(1.0, scale * 4))))
    generated: dict = {"scale": scale, "gpps_years": gpps_years, "sizes": sizes, "sub_icbs": len(ics.sub_icbs),
                       "trusts": len(ics.trusts), "seconds": {}, "gpps_seconds": {}, "done": []}  # fmt: skip
    if marker.exists():
        earlier = json.loads(marker.read_text())
        if (earlier.get("scale"), earlier.get("gpps_years", 1)) == (scale, gpps_years):
            generated = earlier
    for source, write in (
        ("reference", lambda: write_reference_files(ics, landing / "reference")),
        ("gpps", lambda: generated["gpps_seconds"].update(write_gpps_files(ics, landing / "gpps", gpps_years))),
        ("fft", lambda: (write_fft_comments(ics, landing / "fft", sizes["comments"]),
                         write_fft_workbooks(ics, landing / "fft"))),
        ("complaints", lambda: write_complaint_files(ics, landing / "complaints", sizes["complaints"], extra)),
        ("healthwatch", lambda: write_healthwatch_files(ics, landing / "healthwatch", sizes["reports"])),
        ("stories", lambda: (landing / "stories").mkdir(parents=True, exist_ok=True)),
    ):  # fmt: skip
        if source in generated["done"]:
            continue
        shutil.rmtree(landing / source, ignore_errors=True)
        start = time.perf_counter()
        write()
        generated["seconds"][source] = round(time.perf_counter() - start, 1)
        generated["done"].append(source)
        marker.write_text(json.dumps(generated))
        files = [p for p in (landing / source).rglob("*") if p.is_file()]
        mb = sum(p.stat().st_size for p in files) / 1e6
        print(
            f"  {source:<12} {len(files):>4} files {mb:>8.1f} MB  in {generated['seconds'][source]:6.1f} s",
            flush=True,
        )
    return generated


# --- measuring ----------------------------------------------------------------------------------------

STEP_RE = re.compile(r'STEP_SUCCESS - Finished execution of step "([^"]+)" in ([0-9.]+)\s*(ms|s|m)\b')
STEP_RE_MIN = re.compile(r'STEP_SUCCESS - Finished execution of step "([^"]+)" in ([0-9]+)m\s*([0-9.]+)s')


def step_durations(log: str) -> dict[str, float]:
    """Seconds per Dagster step from the run's STEP_SUCCESS lines."""
    out: dict[str, float] = {}
    for line in log.splitlines():
        if m := STEP_RE_MIN.search(line):
            out[m[1]] = int(m[2]) * 60 + float(m[3])
        elif m := STEP_RE.search(line):
            out[m[1]] = float(m[2]) * {"ms": 0.001, "s": 1.0, "m": 60.0}[m[3]]
    return out


def bench_env(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DAGSTER_HOME", None)  # ephemeral instance
    env |= {
        "CHORUS_LANDING_DIR": str(work / "landing"),
        "CHORUS_WAREHOUSE": str(work / "warehouse" / "chorus.duckdb"),
        "CHORUS_PUBLISHED": str(work / "warehouse" / "published.duckdb"),
        "GX_ANALYTICS_ENABLED": "false",
        "CHORUS_LOG_LEVEL": "DEBUG",  # the CLI logs at INFO; DEBUG carries the STEP_SUCCESS durations
    }
    return env


def child_refresh(work: str, label: str, timeout: float) -> None:
    """Run ``chorus run`` once as this process's only child; print wall time, peak RSS and step times."""
    work_dir = Path(work)
    chorus = Path(sys.executable).parent / "chorus"
    command = [str(chorus), "run"] if chorus.exists() else [sys.executable, "-m", "pipelines.cli", "run"]
    log_path = work_dir / "logs" / f"{label}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with log_path.open("w", encoding="utf-8") as log:
        try:
            rc = subprocess.run(command, cwd=REPO, env=bench_env(work_dir), stdout=log, stderr=subprocess.STDOUT,
                                timeout=timeout).returncode  # fmt: skip
        except subprocess.TimeoutExpired:
            rc = -9
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    text = log_path.read_text(encoding="utf-8", errors="replace")
    # `chorus run` writes Dagster's event stream (the STEP_SUCCESS lines) to a log file it names first.
    named = re.search(r"Dagster's full log: (\S+)", text)
    events = Path(named[1]) if named else None
    steps = step_durations(
        events.read_text(encoding="utf-8", errors="replace") if events and events.exists() else text
    )
    failures = [
        line.strip() for line in text.splitlines() if line.startswith(("FAILED", "CHECK FAILED", "error:"))
    ]
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "rc": rc, "steps": steps,
                      "failures": failures[:10], "log": str(log_path)}))  # fmt: skip


def readme_queries() -> list[str]:
    """The SQL blocks of the README's "Querying the published store" section."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Querying the published store", 1)[1].split("\n## ", 1)[0]
    return [q.strip().rstrip(";") for q in re.findall(r"```sql\n(.*?)```", section, flags=re.S)]


def child_queries(published: str, repeat: int) -> None:
    """Open the published file read-only and time each README query: cold first run, then median of ``repeat``."""
    import duckdb

    out = []
    start = time.perf_counter()
    con = duckdb.connect(published, read_only=True)
    connect_ms = (time.perf_counter() - start) * 1000
    for sql in readme_queries():
        runs, rows = [], 0
        for _ in range(repeat + 1):
            t = time.perf_counter()
            rows = len(con.execute(sql).fetchall())
            runs.append((time.perf_counter() - t) * 1000)
        out.append({"sql": " ".join(sql.split())[:70], "first_ms": runs[0], "median_ms": statistics.median(runs[1:]),
                    "max_ms": max(runs[1:]), "rows": rows})  # fmt: skip
    con.close()
    print(json.dumps({"connect_ms": connect_ms, "queries": out,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))  # fmt: skip


def in_child(*args: str) -> dict:
    """Run this script with ``args`` in a fresh interpreter; its last stdout line is JSON."""
    out = subprocess.run(
        [sys.executable, __file__, *args], cwd=REPO, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def store_figures(work: Path) -> dict[str, object]:
    """Sizes of the working and published stores and the main table counts (read-only, after the run)."""
    import duckdb

    warehouse, published = work / "warehouse" / "chorus.duckdb", work / "warehouse" / "published.duckdb"
    figures: dict[str, object] = {
        "warehouse_mb": warehouse.stat().st_size / 1e6 if warehouse.exists() else None,
        "published_mb": published.stat().st_size / 1e6 if published.exists() else None,
    }
    if warehouse.exists():
        with duckdb.connect(str(warehouse), read_only=True) as con:
            for table in ("staged.comments", "staged.comment_themes", "staged.gpps_results", "staged.complaints",
                          "staged.healthwatch_findings", "quarantine.rows", "marts.metric_by_group"):  # fmt: skip
                try:
                    figures[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                except duckdb.Error:
                    figures[table] = None
    return figures


# --- report -------------------------------------------------------------------------------------------


def verdict(value: float | None, target: float) -> tuple[str, str]:
    if value is None:
        return "n/a", "-"
    return ("pass" if value < target else "MISS"), f"{value / target:.2f}×"


LABELS = {"full": ("full refresh", "full_s"), "no_change": ("no-change refresh", "no_change_s"),
          "one_file": ("one-new-file refresh", "one_file_s")}  # fmt: skip


def misses(runs: dict[str, dict], queries: dict | None, targets: dict[str, float]) -> list[str]:
    """Every failed refresh and every figure at or over its target, in words (empty: all met)."""
    out = []
    for key, (name, target) in LABELS.items():
        run = runs.get(key)
        if run is None:
            out.append(f"{name}: not run")
            continue
        if run["rc"] != 0:
            out.append(f"{name}: exit {run['rc']}")
        if run["seconds"] >= targets[target]:
            out.append(f"{name}: {run['seconds']:.1f} s >= {targets[target]:.0f} s")
        if run["peak_mb"] >= targets["peak_mb"]:
            out.append(f"{name}: peak {run['peak_mb']:.0f} MB >= {targets['peak_mb']:.0f} MB")
    if queries is None:
        out.append("README queries: no published file")
    else:
        out += [
            f"README query {n}: {q['median_ms']:.1f} ms >= {targets['query_ms']:.0f} ms"
            for n, q in enumerate(queries["queries"], start=1)
            if q["median_ms"] >= targets["query_ms"]
        ]
    return out


def git_commit() -> str:
    """Short HEAD commit, with ``-dirty`` when tracked files differ from it."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def cpu_model() -> str:
    return next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                 if line.startswith("model name")), platform.processor())  # fmt: skip


def record(
    runs: dict[str, dict],
    queries: dict | None,
    scale: float,
    found: list[str],
    path: Path = RESULTS,
    gpps_years: int = 1,
) -> str:
    """Append this run to ``path`` (CSV, header written once; a column added since is added to the rows
    already there, empty); returns the commit recorded."""
    row: dict[str, object] = {
        "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "commit": git_commit(), "scale": scale,
        "cpu": cpu_model(), "cores": os.cpu_count(),
    }  # fmt: skip
    for key in LABELS:
        run = runs.get(key, {})
        row |= {f"{key}_s": round(run["seconds"], 1) if run else None, f"{key}_rc": run.get("rc"),
                f"{key}_peak_mb": round(run["peak_mb"]) if run else None,
                f"{key}_load1_before": run.get("load_before"), f"{key}_load1_after": run.get("load_after")}  # fmt: skip
    row["query_max_median_ms"] = (
        round(max(q["median_ms"] for q in queries["queries"]), 2) if queries and queries["queries"] else None
    )
    row["verdict"] = "pass" if not found else "MISS"
    row["misses"] = "; ".join(found)
    row["gpps_years"] = gpps_years
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    if not new:
        with path.open(newline="", encoding="utf-8") as handle:
            earlier = list(csv.DictReader(handle))
        if earlier and set(row) - set(earlier[0]):
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(row))
                writer.writeheader()
                writer.writerows(earlier)
    with path.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        if new:
            writer.writeheader()
        writer.writerow(row)
    return str(row["commit"])


def print_report(
    runs: dict[str, dict], queries: dict | None, generated: dict, stores: dict, targets: dict[str, float]
) -> None:
    rows: list[tuple[str, str, str, str, str]] = []

    def add(name: str, value: float | None, unit: str, target: float) -> None:
        status, ratio = verdict(value, target)
        shown = "-" if value is None else f"{value:,.1f} {unit}" if unit != "ms" else f"{value:,.2f} ms"
        rows.append((name, shown, f"< {target:,.0f} {unit}", ratio, status))

    labels = LABELS
    for key, (name, target) in labels.items():
        run = runs.get(key)
        if not run:
            continue
        suffix = "" if run["rc"] == 0 else f" (exit {run['rc']})"
        load = f", load {run.get('load_before', '?')} -> {run.get('load_after', '?')}"
        add(name + suffix + load, run["seconds"], "s", targets[target])
        add(f"  peak RSS, {name}", run["peak_mb"], "MB", targets["peak_mb"])
    if queries:
        for n, q in enumerate(queries["queries"], start=1):
            add(
                f"README query {n} (median of 20, {q['rows']} rows)",
                q["median_ms"],
                "ms",
                targets["query_ms"],
            )
    widths = [max(len(r[i]) for r in [("what", "figure", "target", "ratio", "")] + rows) for i in range(5)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print("\n" + line.format("what", "figure", "target", "ratio", ""))
    print(line.format(*("-" * w for w in widths)))
    for r in rows:
        print(line.format(*r))
    if queries:
        print(f"\npublished open (read-only): {queries['connect_ms']:.1f} ms; first (cold) runs: "
              + ", ".join(f"{q['first_ms']:.1f} ms" for q in queries["queries"]))  # fmt: skip
    for key, run in runs.items():
        steps = sorted(run["steps"].items(), key=lambda kv: -kv[1])
        total = sum(run["steps"].values())
        print(f"\nwhere the time went, {labels[key][0]} ({run['seconds']:.1f} s wall, {total:.1f} s in "
              f"{len(steps)} steps, {run['seconds'] - total:.1f} s outside steps):")  # fmt: skip
        for step, seconds in steps[: 12 if key == "full" else 6]:
            print(f"  {seconds:8.1f} s  {step}")
        for failure in run["failures"]:
            print(f"  ! {failure}")
    print(
        "\nstores: "
        + ", ".join(f"{k} {v:,.0f}" if isinstance(v, float) else f"{k} {v}" for k, v in stores.items())
    )
    print("input: " + json.dumps(generated["sizes"]) + f", {generated['sub_icbs']} sub-ICB locations, "
          f"{generated['trusts']} trusts, {generated.get('gpps_years', 1)} GPPS year(s)")  # fmt: skip
    print("written in (s): " + json.dumps(generated["seconds"]) + "; GPPS by year: "
          + json.dumps(generated.get("gpps_seconds", {})))  # fmt: skip


def machine() -> str:
    import dagster
    import duckdb

    cpu = cpu_model()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GB RAM, Python {platform.python_version()}, "
            f"Dagster {dagster.__version__}, DuckDB {duckdb.__version__}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the input (0.05 = a quick run)")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a refresh fails or a figure misses its target"
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="bench folder (default bench/out/refresh)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench folder afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse (or finish) a landing folder generated at the same scale"
    )
    parser.add_argument(
        "--gpps-years", type=int, default=1,
        help=f"years of practice-level GPPS ending {LAST_GPPS_YEAR} (10 = 2017-{LAST_GPPS_YEAR}, issue 19)",
    )  # fmt: skip
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per README query")
    parser.add_argument("--timeout", type=float, default=3 * 3600, help="seconds allowed per refresh")
    parser.add_argument(
        "--child-refresh", nargs=3, metavar=("WORK", "LABEL", "TIMEOUT"), help=argparse.SUPPRESS
    )
    parser.add_argument("--child-queries", nargs=2, metavar=("PUBLISHED", "REPEAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_refresh:
        child_refresh(args.child_refresh[0], args.child_refresh[1], float(args.child_refresh[2]))
        return
    if args.child_queries:
        child_queries(args.child_queries[0], int(args.child_queries[1]))
        return

    work = args.out.resolve()
    landing, extra = work / "landing", work / "extra" / "complaints_register_2026-27_new.csv"
    marker = work / "generated.json"
    print(f"machine: {machine()}")
    if not args.reuse:
        shutil.rmtree(work, ignore_errors=True)
    extra.parent.mkdir(parents=True, exist_ok=True)
    (landing / "complaints" / extra.name).unlink(missing_ok=True)
    print(f"landing folder (scale {args.scale}): {landing} ...", flush=True)
    start = time.perf_counter()
    if not 1 <= args.gpps_years <= LAST_GPPS_YEAR - 2016:
        parser.error(f"--gpps-years must be 1-{LAST_GPPS_YEAR - 2016} (GPPS years from 2017)")
    generated = generate(landing, extra, args.scale, marker, args.gpps_years)
    print(f"  ready in {time.perf_counter() - start:.0f} s", flush=True)
    shutil.rmtree(work / "warehouse", ignore_errors=True)

    runs: dict[str, dict] = {}
    for label, prepare in (("full", None), ("no_change", None),
                           ("one_file", lambda: shutil.copy(extra, landing / "complaints" / extra.name))):  # fmt: skip
        if prepare:
            prepare()
        print(f"refresh: {label} ...", flush=True)
        load_before = round(os.getloadavg()[0], 2)
        runs[label] = in_child("--child-refresh", str(work), label, str(args.timeout))
        r = runs[label]
        r |= {"load_before": load_before, "load_after": round(os.getloadavg()[0], 2)}
        print(
            f"  {r['seconds']:.1f} s, peak {r['peak_mb']:.0f} MB, exit {r['rc']} (log: {r['log']})",
            flush=True,
        )
    published = work / "warehouse" / "published.duckdb"
    queries = in_child("--child-queries", str(published), str(args.repeat)) if published.exists() else None
    stores = store_figures(work)
    print(f"\nmachine: {machine()}")
    targets = targets_for(args.scale)
    print_report(runs, queries, generated, stores, targets)
    found = misses(runs, queries, targets)
    commit = record(runs, queries, args.scale, found, gpps_years=args.gpps_years)
    print(f"\nrecorded in {RESULTS.relative_to(REPO)} ({commit}, scale {args.scale})")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    if found:
        print("targets missed:\n  " + "\n  ".join(found))
    if args.check and found:
        sys.exit(1)


if __name__ == "__main__":
    main()
