"""Healthwatch sample files for the synthetic ICS: reports in four formats, their register, the local
authority → ICB lookup and Feedback Centre-style reviews.

The text carries the planted inequalities (``PLANTED`` in ``ics.py``): younger people and people in the
most deprived place (Saltmarsh, ZC3) struggle to get through on the phone; Bangladeshi patients describe
missing interpreters. Every name says SYNTHETIC.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pipelines.sample.csv_files import write_csv
from pipelines.sample.ics import PLANTED, SEED, SyntheticICS

if TYPE_CHECKING:  # reportlab is imported only when a PDF is written
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import SimpleDocTemplate

HW = {
    "E06999901": "Healthwatch Riverside (SYNTHETIC)",
    "E06999902": "Healthwatch Hillcrest (SYNTHETIC)",
    "E06999903": "Healthwatch Saltmarsh (SYNTHETIC)",
}
BANGLADESHI = str(PLANTED["ethnic_group_gap"]["group"])

# (heading, [(kind, text)]) sections of each report; kinds: p paragraph, b bullet, q quote.
Sections = list[tuple[str, list[tuple[str, str]]]]
PHONE_REPORT = [
    ("Getting a GP appointment in Saltmarsh", [
        ("p", "Between January and March we heard from 214 people living in Saltmarsh about contacting their GP "
              "practice. We ran a survey, held drop-in sessions at two community centres and spoke to people at the "
              "food bank."),
        ("p", "The clearest message was about the phone. Most people said that ringing at 8am was the only way to "
              "get an appointment, and that by the time they got through the day's appointments had gone."),
    ]),
    ("What people told us", [
        ("b", "Younger people, especially those aged 16 to 34 who work shifts, said they cannot wait on hold for "
              "forty minutes at 8am."),
        ("b", "People without credit on their phone said the queue used up their minutes."),
        ("b", "Several people said the online form closes as soon as it opens."),
        ("q", "\u201cI rang 52 times on Monday morning. When I got through I was told to try again tomorrow.\u201d"),
        ("q", "\u201cI am 23 and work in a warehouse. I cannot make calls at 8am, so I just don't bother any more.\u201d"),
        ("p", "People in the most deprived neighbourhoods were more likely to say they had given up trying and gone "
              "to A&E or a pharmacy instead."),
    ]),
    ("Interpreters", [
        ("p", "Members of the Bangladeshi community told us that they were asked to bring a family member to "
              "interpret, sometimes a child. Several said an interpreter had been booked but did not arrive."),
        ("q", "\u201cMy daughter had to miss school to translate for me at the surgery.\u201d"),
    ]),
    ("Our recommendations", [
        ("b", "Practices should offer a call-back instead of a queue, and keep some appointments for later in the day."),
        ("b", "Practices should book professional interpreters and record language needs on the patient record."),
        ("b", "The ICB should publish how long callers wait, by practice, every quarter."),
    ]),
]  # fmt: skip
DISCHARGE_REPORT = [
    ("Leaving hospital: what Riverside patients told us", [
        ("p", "We visited Riverside General Hospital (SYNTHETIC) and spoke with 63 patients and 18 family members "
              "about going home from the wards."),
        ("p", "Most people praised the nurses, who were kind and patient even when the ward was busy."),
    ]),
    ("Waiting to go home", [
        ("b", "Many people waited most of the day for medicines to be ready before they could leave."),
        ("b", "Carers said they were not told when their relative would be discharged."),
        ("q", "\u201cThe nurses were wonderful, but nobody told my mum what her new tablets were for.\u201d"),
    ]),
    ("Language and communication", [
        ("p", "Bangladeshi patients and their families said discharge letters were only in English and no "
              "interpreter was offered on the ward, so they did not understand their medication."),
        ("q", "\u201cThey gave my father a leaflet in English. He reads Bengali. Nobody asked.\u201d"),
    ]),
]  # fmt: skip
ENTER_VIEW_REPORT = [
    ("Enter and view: Saltmarsh Community Hospital (SYNTHETIC)", [
        ("p", "Our authorised representatives visited two wards in February. The wards were clean and staff were "
              "welcoming."),
    ]),
    ("What we saw", [
        ("b", "Menus were available in English only."),
        ("b", "Notice boards gave a phone number for complaints but no other way to get in touch."),
        ("b", "Staff told us that booking an interpreter takes several days, so they often rely on relatives."),
    ]),
    ("What patients said", [
        ("q", "\u201cI wanted to ask the doctor about my operation but there was no one to translate for me.\u201d"),
        ("p", "Patients from the Bangladeshi community said they felt rushed and not listened to when no "
              "interpreter was present."),
    ]),
]  # fmt: skip
DENTAL_REPORT = [
    ("Pharmacy and dental services in Hillcrest", [
        ("p", "People in Hillcrest were mostly positive about their local pharmacies, which they described as "
              "friendly and quick."),
        ("p", "Finding an NHS dentist taking new patients was the main worry: people told us they had phoned every "
              "practice on the list."),
    ]),
    ("Highlights", [
        ("b", "Pharmacists explained new medicines clearly."),
        ("b", "Older people valued being able to walk to the pharmacy."),
        ("q", "\"The pharmacist noticed my tablets clashed and sorted it out with the GP the same day.\""),
    ]),
]  # fmt: skip


def _register_rows() -> list[list[str]]:
    return [
        ["saltmarsh-gp-access-2025.pdf", HW["E06999903"], "E06999903", "31/03/2025", "GP practices",
         "Getting through: access to GP practices in Saltmarsh"],
        ["riverside-hospital-discharge-2024.html", HW["E06999901"], "Riverside Borough (SYNTHETIC)", "2024-11-14",
         "Hospital services", "Leaving hospital: what Riverside patients told us"],
        ["saltmarsh-enter-and-view-2025.docx", HW["E06999903"], "E06999903", "12 February 2025", "Hospital services",
         "Enter and view: Saltmarsh Community Hospital"],
        ["hillcrest-pharmacy-dental-2025.md", HW["E06999902"], "E06999902", "2025-05-02", "Pharmacy and dental",
         "Pharmacy and dental services in Hillcrest"],
    ]  # fmt: skip


def write_pdf(path: Path, title: str, healthwatch: str, sections: Sections) -> None:
    """A report PDF with a title page, one section per page and a running footer (reportlab)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()

    def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.setFont("Helvetica", 8)
        canvas.drawString(72, 30, f"{healthwatch} | {title} | Page {doc.page}")

    flow = [Paragraph(title, styles["Title"]), Paragraph(f"Published by {healthwatch}.", styles["BodyText"])]
    for heading, items in sections:
        flow += [PageBreak(), Paragraph(heading, styles["Heading1"])]
        for kind, text in items:
            text = text.replace("&", "&amp;")
            if kind == "b":
                flow.append(Paragraph(text, styles["BodyText"], bulletText="\u2022"))
            else:
                flow.append(Paragraph(text, styles["Italic" if kind == "q" else "BodyText"]))
    SimpleDocTemplate(str(path), pagesize=A4, title=title, author=healthwatch, invariant=1).build(
        flow, onFirstPage=footer, onLaterPages=footer
    )


def write_html(path: Path, title: str, healthwatch: str, sections: Sections) -> None:
    """A report as a web page, with site navigation and footer around the article."""
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title></head><body>",
             f"<header><nav><a href='/'>{healthwatch}</a> | <a href='/reports'>Reports</a></nav></header>",
             f"<main><article><h1>{title}</h1>"]  # fmt: skip
    for heading, items in sections:
        parts.append(f"<h2>{heading}</h2>")
        bullets = [t for k, t in items if k == "b"]
        for kind, text in items:
            if kind == "p":
                parts.append(f"<p>{text.replace('&', '&amp;')}</p>")
            elif kind == "q":
                parts.append(f"<blockquote><p>{text}</p></blockquote>")
        if bullets:
            parts.append("<ul>" + "".join(f"<li>{t}</li>" for t in bullets) + "</ul>")
    parts.append(
        f"</article></main><footer><p>&copy; {healthwatch}. Cookie settings.</p></footer></body></html>"
    )
    path.write_text("\n".join(parts), encoding="utf-8")


def write_docx(path: Path, title: str, sections: Sections) -> None:
    """A report as a Word document: Title, Heading 1, List Bullet and Quote styles."""
    import docx

    document = docx.Document()
    document.add_paragraph(title, style="Title")
    for heading, items in sections:
        document.add_heading(heading, level=1)
        for kind, text in items:
            style = {"p": None, "b": "List Bullet", "q": "Quote"}[kind]
            document.add_paragraph(text, style=style)
    document.core_properties.title = title
    document.save(str(path))


def write_markdown(path: Path, title: str, sections: Sections) -> None:
    """A report as Markdown with front matter."""
    lines = ["---", f"title: {title}", "---", "", f"# {title}", ""]
    for heading, items in sections:
        lines += [f"## {heading}", ""]
        for kind, text in items:
            lines += [
                {"p": "", "b": "- ", "q": "> "}[kind] + text.replace("pharmacies", "**pharmacies**"),
                "",
            ]
    path.write_text("\n".join(lines), encoding="utf-8")


REVIEW_TEXT = {
    "phone": ("Impossible to get through on the phone at 8am, I was number 30 in the queue and then all the "
              "appointments had gone.", 1, 2),
    "phone_young": ("I work shifts and can't spend an hour on hold every morning. There is no other way to book.", 1, 2),
    "interpreter": ("Nobody offered an interpreter. My son had to translate for me about my own health.", 1, 2),
    "good": ("The receptionist was helpful and I got an appointment the same week. The nurse was lovely.", 4, 5),
    "ok": ("Appointment ran late but the doctor listened and explained things well.", 3, 4),
    "hospital_good": ("Staff on the ward were kind and kept my family informed.", 4, 5),
    "hospital_wait": ("Waited all day for my medicines before I could go home.", 2, 3),
}  # fmt: skip


def write_reviews(ics: SyntheticICS, path: Path, seed: int = SEED) -> None:
    """Feedback Centre-style reviews: worse, and about phones, for younger people and deprived practices;
    about interpreters for Bangladeshi reviewers."""
    rng = np.random.default_rng([seed, 5])
    rows = []
    practices = sorted(ics.practices, key=lambda p: p.deprivation)
    for n in range(60):
        practice = practices[int(rng.integers(0, len(practices)))]
        young = rng.random() < 0.3 + 0.3 * practice.deprivation
        age = (
            str(rng.choice(["16-24", "25-34"]))
            if young
            else str(rng.choice(["45-54", "55-64", "65-74", "75-84"]))
        )
        bangladeshi = rng.random() < practice.minority_share * 0.4
        ethnicity = (
            "Bangladeshi"
            if bangladeshi
            else str(rng.choice(["White British", "Indian", "Other White", "Prefer not to say"]))
        )
        if bangladeshi and rng.random() < 0.7:
            key = "interpreter"
        elif rng.random() < 0.2 + 0.5 * practice.deprivation + (0.25 if young else 0):
            key = "phone_young" if young else "phone"
        else:
            key = "good" if rng.random() < 0.7 else "ok"
        text, low, high = REVIEW_TEXT[key]
        la_code, _ = ics.local_authority_of(practice.sub_icb)
        rows.append([f"HW-R{n + 1:04d}", practice.name.title(), practice.code, HW[la_code],
                     f"{int(rng.integers(1, 28)):02d}/{int(rng.integers(1, 13)):02d}/2025", int(rng.integers(low, high + 1)),
                     "", text, age, str(rng.choice(["Male", "Female"])), ethnicity, str(rng.choice(["Yes", "No", ""]))])  # fmt: skip
    for n, site in enumerate([s for t in ics.trusts[:2] for s in t.sites]):
        for k, key in enumerate(("hospital_good", "hospital_wait")):
            text, low, high = REVIEW_TEXT[key]
            rows.append([f"HW-H{n * 2 + k + 1:04d}", site.name.title(), site.code, HW["E06999901"],
                         f"2025-0{k + 3}-1{n}", high, "Ward stay", text, "65-74", "Female", "White British", "No"])  # fmt: skip
    # A review with a star rating outside 1-5 (exports do carry these): it must be quarantined, not loaded.
    rows.append(["HW-R9999", practices[0].name.title(), practices[0].code, HW["E06999902"], "05/05/2025", 6, "",
                 "Great service.", "35-44", "Female", "Indian", "No"])  # fmt: skip
    write_csv(path, rows, ["Review ID", "Service name", "ODS code", "Local Healthwatch", "Date", "Star rating",
                           "Review title", "Review text", "Age group", "Sex", "Ethnicity", "Disability"])  # fmt: skip


def write_lookup(ics: SyntheticICS, path: Path) -> None:
    """ONS local authority district → sub-ICB location → ICB lookup, one row per district."""
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["LAD23CD", "LAD23NM", "SICBL23CD", "SICBL23CDH", "SICBL23NM", "ICB23CD", "ICB23CDH",
                         "ICB23NM", "ObjectId"])  # fmt: skip
        for n, sub in enumerate(ics.sub_icbs, start=1):
            la_code, la_name = ics.local_authority_of(sub.code)
            writer.writerow([la_code, la_name, sub.ons_code, sub.code, sub.name, ics.icb_ons_code, ics.icb_code,
                             ics.icb_name, n])  # fmt: skip


def write_healthwatch(ics: SyntheticICS, folder: Path) -> list[Path]:
    """Every Healthwatch sample file; returns the paths written."""
    reports = folder / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    register = _register_rows()
    write_csv(
        folder / "healthwatch-report-register.csv",
        register,
        ["File", "Local Healthwatch", "Local authority", "Publication date", "Service type", "Title"],
    )
    write_pdf(reports / register[0][0], register[0][5], register[0][1], PHONE_REPORT)
    write_html(reports / register[1][0], register[1][5], register[1][1], DISCHARGE_REPORT)
    write_docx(reports / register[2][0], register[2][5], ENTER_VIEW_REPORT)
    write_markdown(reports / register[3][0], register[3][5], DENTAL_REPORT)
    write_reviews(ics, folder / "feedback-centre-reviews.csv")
    write_lookup(ics, folder / "lad23-sicbl23-icb23-lookup.csv")
    return sorted(p for p in folder.rglob("*") if p.is_file())
