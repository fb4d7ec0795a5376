"""Sample Friends and Family Test files for the synthetic ICS, in NHS England's and trusts' real shapes.

- an A&E monthly workbook (``.xlsm``) and an inpatient one (``.xlsx``) in the publication layout: Notes,
  Summary, ICB, Trusts, Sites (, Wards), BS sheets; title rows, two-row merged header, England and
  Selection rows, ``*`` for 1-4 responses; A&E percentages 0-1, inpatient 0-100;
- A&E workbooks for the 17 months before that (A&E only), one trust's with a planted step change
  (``PLANTED['fft_shift']``) for the control charts to find;
- a comment export in the trust upload template shape, with demographics;
- a comment export in the public labelled shape (mixed d/m/Y and m/d/Y dates, non-breaking spaces,
  "Did not answer").

Comments carry the planted inequalities (``PLANTED``): phone-access complaints come more often from
younger people and patients of more deprived practices, interpreter stories from the Bangladeshi group,
and both groups score worse.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from pipelines.sample.csv_files import write_csv
from pipelines.sample.ics import PLANTED, SEED, SyntheticICS

MONTH = date(2025, 7, 1)
# Months of A&E workbooks, ending with MONTH: more than the dozen points a control chart needs.
HISTORY_MONTHS = 18
BREAKDOWN = ("Very Good", "Good", "Neither Good nor Poor", "Poor", "Very Poor", "Don't Know")
MODES = ("Mode SMS", "Mode Electronic Discharge", "Mode Paper Discharge", "Mode Paper Home", "Mode Telephone",
         "Mode Online", "Mode Other")  # fmt: skip
XLSM_CONTENT_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"

PHONE = (
    "Tried ringing at 8am for three days running and could not get through on the phone, then no appointments left.",
    "The phone line is always engaged, I was 27th in the queue and gave up.",
    "Impossible to get through by phone, had to walk in to book.",
    "Spent an hour on hold on the telephone just to be told to call back tomorrow.",
)
INTERPRETER = (
    "No interpreter was booked so my daughter had to translate for me about my own health.",
    "Staff did not arrange a Bengali interpreter and I did not understand what the doctor said.",
    "The letter was only in English and nobody explained it in my language.",
)
POSITIVE = (
    "Staff were kind and explained everything clearly.",
    "Seen quickly, the nurse was lovely and reassuring.",
    "Very clean ward and the food was good.",
    "The doctor listened to me and took my worries seriously.",
    "Excellent care from the whole team, thank you.",
)
MIXED = (
    "Good care but the wait in A&E was over five hours.",
    "Nice staff, but nobody told us when my dad would be discharged.",
    "Parking was a nightmare, otherwise fine.",
)
NON_ANSWERS = ("Did not answer", "N/A", "nothing", "")
ETHNICITIES = ("White British", "Any other White background", "Bangladeshi", "Pakistani", "Indian",
               "Black African", "Black Caribbean", "Mixed", "Chinese", "Prefer not to say")  # fmt: skip
AGES = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+")


def _mark_macro_enabled(path: Path) -> None:
    """openpyxl writes the plain workbook content type; an .xlsm declares the macro-enabled one, as Excel does."""
    with tempfile.TemporaryDirectory() as tmp:
        rewritten = Path(tmp) / path.name
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename == "[Content_Types].xml":
                    data = data.replace(XLSX_CONTENT_TYPE.encode(), XLSM_CONTENT_TYPE.encode())
                dst.writestr(item, data)
        shutil.move(rewritten, path)


def _breakdown(rng: np.random.Generator, total: int, p_positive: float) -> list[int]:
    rest = (1 - p_positive) / 4
    return [
        int(v)
        for v in rng.multinomial(
            total,
            [p_positive * 0.7, p_positive * 0.3, rest, rest, rest * 1.2, rest * 0.8]
            / np.sum([p_positive, rest * 4]),
        )
    ]


def fft_row(
    rng: np.random.Generator, total: int, p_positive: float, scale: float, modes: bool
) -> list[object]:
    """Total Responses … Don't Know (and modes) for one row; '*' for 1-4 responses as NHS England publishes."""
    counts = _breakdown(rng, total, p_positive)
    eligible = int(total / rng.uniform(0.1, 0.3))
    mode_counts = (
        [int(v) for v in rng.multinomial(total, [0.55, 0.1, 0.1, 0.05, 0.05, 0.1, 0.05])] if modes else []
    )
    if 1 <= total <= 4:
        return [total, eligible, "*", "*", *(["*"] * 6), *(["*"] * len(mode_counts))]
    positive = (counts[0] + counts[1]) / total if total else 0
    negative = (counts[3] + counts[4]) / total if total else 0
    return [total, eligible, round(positive * scale, 4), round(negative * scale, 4), *counts, *mode_counts]


def _sum_rows(rows: list[list[object]], scale: float) -> list[object]:
    """An aggregate row: sums of the organisations' counts (suppressed rows excluded, as in 'Selection')."""
    usable = [r for r in rows if r[2] != "*"]
    total = sum(int(r[0]) for r in usable)
    counts = [sum(int(r[i]) for r in usable) for i in range(4, 10)]
    width = max(len(r) for r in rows)
    modes = [sum(int(r[i]) for r in usable) for i in range(10, width)]
    eligible = sum(int(r[1]) for r in usable)
    return [total, eligible, round((counts[0] + counts[1]) / total * scale, 4),
            round((counts[3] + counts[4]) / total * scale, 4), *counts, *modes]  # fmt: skip


def _header(sheet: Worksheet, row: int, identifiers: list[str], modes: bool) -> None:
    """The two-row header: identifiers and totals on top, 'Breakdown of Responses' merged over its six columns."""
    top = [*identifiers, "Total Responses", "Total Eligible", "Percentage Positive", "Percentage Negative",
           "Breakdown of Responses", "", "", "", "", ""]  # fmt: skip
    bottom = [""] * (len(identifiers) + 4) + list(BREAKDOWN)
    if modes:
        top += ["Mode of Collection"] + [""] * (len(MODES) - 1)
        bottom += list(MODES)
    for c, value in enumerate(top, start=1):
        if value:
            sheet.cell(row=row, column=c, value=value)
    for c, value in enumerate(bottom, start=1):
        if value:
            sheet.cell(row=row + 1, column=c, value=value)
    first = len(identifiers) + 5
    sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=first + 5)
    if modes:
        sheet.merge_cells(
            start_row=row, start_column=first + 6, end_row=row, end_column=first + 5 + len(MODES)
        )
    for c in range(1, len(identifiers) + 5):
        sheet.merge_cells(start_row=row, start_column=c, end_row=row + 1, end_column=c)


def _data_sheet(workbook: Workbook, name: str, header_row: int, identifiers: list[str], england: list[str],
                rows: list[tuple[list[object], list[object]]], scale: float, modes: bool) -> None:  # fmt: skip
    sheet = workbook.create_sheet(name)
    sheet.cell(row=2, column=2, value="Show data for:")
    _header(sheet, header_row, identifiers, modes)
    measures = [m for _ids, m in rows]
    r = header_row + 2
    name_col = len(identifiers)
    for label in [*england, "Selection (excluding suppressed data)"]:
        sheet.cell(row=r, column=name_col, value=label)
        for c, value in enumerate(_sum_rows(measures, scale), start=name_col + 1):
            sheet.cell(row=r, column=c, value=value)
        r += 1
    for ids, values in rows:
        for c, value in enumerate([*ids, *values], start=1):
            sheet.cell(row=r, column=c, value=value)
        r += 1


def write_workbook(
    ics: SyntheticICS,
    path: Path,
    setting: str,
    rng: np.random.Generator,
    month: date = MONTH,
    raised: dict[str, float] | None = None,
) -> Path:
    """One monthly workbook of ``setting`` ('ae' or 'inpatient') for ``month`` in the publication layout.

    ``raised``: trust code → amount added to that trust's (and its sites') share positive this month."""
    import openpyxl

    raised = raised or {}

    inpatient = setting == "inpatient"
    scale = 100.0 if inpatient else 1.0  # NHS England has written both; the reader must normalise to 0-1
    header_row = 10 if inpatient else 3
    england = (["England (including Independent Sector Providers)", "England (excluding Independent Sector Providers)"]
               if inpatient else ["England"])  # fmt: skip
    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "Notes"
    title = "Inpatient" if inpatient else "A&E"
    if not inpatient:  # the inpatient template has no title text: its month comes from the file name
        notes.cell(row=2, column=2, value=f"{title} Friends and Family Test (FFT) data - {month:%B %Y}")
    notes.cell(row=5, column=1, value=f"What is {title} FFT?")
    summary = workbook.create_sheet("Summary")
    summary.cell(row=3, column=2, value="FFT")
    summary.cell(row=3, column=3, value="Number of organisations submitting")
    acute = [t for t in ics.trusts if not t.code.endswith("3")]  # the ambulance trust has no A&E or wards
    site_rows, trust_rows, ward_rows = [], [], []
    for t_index, trust in enumerate(acute):
        trust_totals: list[list[object]] = []
        level = 0.86 - 0.05 * t_index + raised.get(trust.code, 0.0)
        for s_index, site in enumerate(trust.sites):
            # One small site each month: 1-4 responses are published as '*'.
            total = 3 if (t_index, s_index) == (0, 1) and not inpatient else int(rng.integers(180, 900))
            values = fft_row(rng, total, level, scale, modes=False)
            site_rows.append(([ics.icb_code, trust.code, trust.name, site.code, site.name], values))
            trust_totals.append(values)
            if inpatient:
                for ward in ("Ward 1 - Acute Medicine", "Ward 2 - Surgery"):
                    w_total = int(rng.integers(20, 120))
                    ward_rows.append(([ics.icb_code, trust.code, trust.name, site.code, site.name, ward],
                                      fft_row(rng, w_total, 0.88, scale, modes=False)))  # fmt: skip
        total = sum(int(v[0]) for v in trust_totals)
        trust_rows.append(([ics.icb_code, trust.code, trust.name], fft_row(rng, total, level, scale, True)))
    icb_total = sum(int(v[0]) for _i, v in trust_rows)
    icb_rows = [([ics.icb_code, ics.icb_name], fft_row(rng, icb_total, 0.85, scale, modes=False))]
    _data_sheet(workbook, "ICB", header_row, ["ICB Code", "ICB Name"], england, icb_rows, scale, False)
    _data_sheet(
        workbook,
        "Trusts",
        header_row,
        ["ICB Code", "Trust Code", "Trust Name"],
        england,
        trust_rows,
        scale,
        True,
    )
    _data_sheet(workbook, "Sites", header_row, ["ICB Code", "Trust Code", "Trust Name", "Site Code", "Site Name"],
                england, site_rows, scale, False)  # fmt: skip
    if inpatient:
        _data_sheet(workbook, "Wards", header_row,
                    ["ICB Code", "Trust Code", "Trust Name", "Site Code", "Site Name", "Ward Name"],
                    england, ward_rows, scale, False)  # fmt: skip
    bs = workbook.create_sheet("BS")
    bs.append(["", "Sort", "STP Code", "STP name", "Trust code", "Trust name", "Site Code", "Site Name"])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    if path.suffix == ".xlsm":
        _mark_macro_enabled(path)
    return path


def _comment(
    rng: np.random.Generator, age: str, ethnicity: str, deprivation: float, gp: bool
) -> tuple[int, str]:
    """An FFT score (1-5) and comment text, with the planted inequalities."""
    young_gap = -PLANTED["phone_access_age_gap"].get(age, 0.0)
    p_phone = (0.08 + 2.0 * young_gap + 0.35 * deprivation) if gp else 0.02
    p_interpreter = 0.45 if ethnicity == "Bangladeshi" else 0.01
    draw = rng.random()
    if draw < p_interpreter:
        return int(rng.choice([3, 4, 5])), str(rng.choice(INTERPRETER))
    if draw < p_interpreter + p_phone:
        return int(rng.choice([3, 4, 4, 5])), str(rng.choice(PHONE))
    if draw < p_interpreter + p_phone + 0.12:
        return int(rng.choice([2, 3])), str(rng.choice(MIXED))
    if draw < p_interpreter + p_phone + 0.22:
        return int(rng.choice([1, 2])), str(rng.choice(NON_ANSWERS))
    return int(rng.choice([1, 1, 2])), str(rng.choice(POSITIVE))


def write_trust_upload(ics: SyntheticICS, path: Path, rng: np.random.Generator, n: int = 420) -> Path:
    """Comment-level FFT in the trust upload template, GP practices and trust sites, with demographics."""
    sites = [(s.code, t.code) for t in ics.trusts for s in t.sites]
    header = ["comment_id", "date", "location_1", "location_2", "location_3", "fft", "comment", "question",
              "sex", "gender", "age", "ethnicity", "sexuality", "disability", "religion"]  # fmt: skip
    rows = []
    for i in range(1, n + 1):
        gp = rng.random() < 0.6
        if gp:
            practice = ics.practices[int(rng.integers(0, len(ics.practices)))]
            location, service, deprivation = practice.code, "General practice", practice.deprivation
        else:
            location, _trust = sites[int(rng.integers(0, len(sites)))]
            service, deprivation = str(rng.choice(["Emergency department", "Inpatients", "Outpatients"])), 0.5
        age = str(rng.choice(AGES, p=[0.12, 0.16, 0.16, 0.15, 0.14, 0.13, 0.09, 0.05]))
        ethnicity = str(
            rng.choice(ETHNICITIES, p=[0.55, 0.07, 0.1, 0.06, 0.05, 0.05, 0.03, 0.03, 0.02, 0.04])
        )
        score, text = _comment(rng, age, ethnicity, deprivation, gp)
        sex = str(rng.choice(["Male", "Female", "Prefer not to say"], p=[0.45, 0.52, 0.03]))
        when = MONTH + timedelta(days=int(rng.integers(0, 31)))
        if i % 17 == 0:
            text = text.replace(" ", "\xa0", 2)  # exports from Excel carry non-breaking spaces
        if i % 23 == 5:
            # People write their details into free text; the text stage must take them out (test NHS number
            # 999 000 0018 and an Ofcom drama-range Leeds number: neither belongs to anyone).
            text += f" My NHS number is 999 000 0018, please ring me on 0113 496 0{i % 1000:03d}."
        rows.append([f"C{i:05d}", when.strftime("%d/%m/%Y"), location, service, "", score, text,
                     "Overall, how was your experience of our service?", sex,
                     {"Male": "Man", "Female": "Woman"}.get(sex, sex), age, ethnicity,
                     str(rng.choice(["Heterosexual", "Gay or lesbian", "Bisexual", "Prefer not to say"], p=[0.85, 0.05, 0.04, 0.06])),
                     str(rng.choice(["No", "Yes", "Prefer not to say"], p=[0.75, 0.2, 0.05])),
                     str(rng.choice(["Christian", "Muslim", "No religion", "Hindu"], p=[0.4, 0.15, 0.4, 0.05]))])  # fmt: skip
    return write_csv(path, rows, header, lineterminator="\r\n")


def write_public_labelled(ics: SyntheticICS, path: Path, rng: np.random.Generator, n: int = 160) -> Path:
    """The public labelled shape: two trusts' exports glued together, one writing m/d/Y dates."""
    header = ["Comment ID", "Trust", "Respondent ID", "Date", "Service type 1", "Service type 2",
              "FFT categorical answer", "FFT question", "FFT answer", "Person identifiable info?",
              "Comment sentiment", "Staff manner & personal attributes", "Contacting services"]  # fmt: skip
    rows = []
    for i in range(1, n + 1):
        trust = ics.trusts[i % 2]
        age = str(rng.choice(AGES))
        ethnicity = str(rng.choice(ETHNICITIES))
        score, text = _comment(rng, age, ethnicity, 0.5, gp=False)
        when = MONTH + timedelta(days=int(rng.integers(0, 31)))
        # The second trust's system wrote US-order dates without zero padding, as in the real file.
        written = (
            when.strftime("%d/%m/%Y") if trust is ics.trusts[0] else f"{when.month}/{when.day}/{when.year}"
        )
        question = "FFT Why?" if i % 2 else "What could we do better?"
        respondent = f"{trust.code} PTS {i}"
        rows.append([f"{respondent} - Q1", trust.code, respondent, written, "PTS\xa0 - Patient Transport", "",
                     score if i % 25 else 6, question, text or "Did not answer", "", "", "", ""])  # fmt: skip
    return write_csv(path, rows, header, lineterminator="\r\n")


def _month_words(month: date) -> str:
    return re.sub(r"\s+", "-", f"{month:%B %Y}".lower())


def earlier_ae_months() -> list[date]:
    """The months before ``MONTH`` with an A&E workbook: enough for a control chart (``HISTORY_MONTHS`` in all)."""
    months = []
    year, month = MONTH.year, MONTH.month
    for _ in range(HISTORY_MONTHS - 1):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        months.append(date(year, month, 1))
    return sorted(months)


def write_earlier_ae_workbooks(ics: SyntheticICS, folder: Path) -> list[Path]:
    """A&E workbooks for the months before ``MONTH``, with the planted step change (``PLANTED['fft_shift']``):
    the shifted trust's level is higher by ``drop`` before ``from_month`` and as in ``MONTH`` from then on."""
    shift = PLANTED["fft_shift"]
    step = date.fromisoformat(f"{shift['from_month']}-01")
    paths = []
    for month in earlier_ae_months():
        # Each month draws from its own generator: the ``MONTH`` files are the same with or without these.
        rng = np.random.default_rng([SEED, 7, month.year, month.month])
        raised = {shift["trust"]: float(shift["drop"])} if month < step else {}
        name = f"friends-and-family-test-ae-data-{_month_words(month)}.xlsm"
        paths.append(write_workbook(ics, folder / name, "ae", rng, month=month, raised=raised))
    return paths


def write_fft(ics: SyntheticICS, folder: Path) -> list[Path]:
    """Every FFT sample file; returns the paths written."""
    rng = np.random.default_rng([SEED, 7])
    folder.mkdir(parents=True, exist_ok=True)
    month = _month_words(MONTH)
    return [
        write_workbook(ics, folder / f"friends-and-family-test-ae-data-{month}.xlsm", "ae", rng),
        write_workbook(
            ics, folder / f"friends-and-family-test-inpatient-data-{month}.xlsx", "inpatient", rng
        ),
        write_trust_upload(ics, folder / f"fft_comments_upload_{MONTH:%Y-%m}.csv", rng),
        write_public_labelled(ics, folder / f"fft_labelled_comments_{MONTH:%Y-%m}.csv", rng),
        *write_earlier_ae_workbooks(ics, folder),
    ]
