"""Document readers on small hand-written files: pages, headings, bullets, quotes, site chrome."""

from pathlib import Path

from pipelines.sources.healthwatch.documents import (
    docx_blocks,
    findings,
    html_blocks,
    markdown_blocks,
    markdown_to_text,
    pdf_blocks,
)


def write_three_page_pdf(path: Path) -> None:
    """Three pages, each with a heading, body text and a running footer carrying the page number."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()

    def footer(canvas, doc) -> None:  # noqa: ANN001 - reportlab callback
        canvas.setFont("Helvetica", 8)
        canvas.drawString(72, 30, f"Healthwatch Test | Page {doc.page} of 3")

    flow = []
    for page in (1, 2, 3):
        flow += [
            Paragraph(f"Section {page}", styles["Heading1"]),
            Paragraph(
                f"Finding A on page {page}: people waited a long time on the phone to book.",
                styles["BodyText"],
            ),
            Paragraph(
                f"Finding B on page {page}: nobody offered an interpreter.",
                styles["BodyText"],
                bulletText="\u2022",
            ),
        ]
        if page < 3:
            flow.append(PageBreak())
    SimpleDocTemplate(str(path), pagesize=A4, invariant=1).build(
        flow, onFirstPage=footer, onLaterPages=footer
    )


def test_pdf_with_several_pages_keeps_page_numbers_and_drops_footers(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    write_three_page_pdf(path)
    found = findings(pdf_blocks(path))
    assert [(f.page, f.section, f.kind) for f in found] == [
        (1, "Section 1", "paragraph"), (1, "Section 1", "bullet"),
        (2, "Section 2", "paragraph"), (2, "Section 2", "bullet"),
        (3, "Section 3", "paragraph"), (3, "Section 3", "bullet"),
    ]  # fmt: skip
    assert found[3].text == "Finding B on page 2: nobody offered an interpreter."
    assert not any("Healthwatch Test" in f.text for f in found)


def test_html_drops_chrome_and_reads_lists_and_quotes() -> None:
    html = """<html><body><nav><p>Home | Reports</p></nav><main><h1>Title</h1><h2>Access</h2>
              <p>People told us  about&nbsp;phones.</p><ul><li>Long waits <ul><li>at 8am</li></ul></li></ul>
              <blockquote><p>"I gave up."</p></blockquote></main><footer><p>Cookies</p></footer></body></html>"""
    found = findings(html_blocks(html))
    assert [(f.kind, f.section, f.text) for f in found] == [
        ("paragraph", "Access", "People told us about phones."),
        ("bullet", "Access", "Long waits"),
        ("bullet", "Access", "at 8am"),
        ("quote", "Access", '"I gave up."'),
    ]


def test_docx_styles_give_headings_bullets_and_quotes(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Enter and view", level=1)
    document.add_paragraph("The ward was clean.")
    document.add_paragraph("Menus in English only.", style="List Bullet")
    document.add_paragraph("Nobody translated for me.", style="Quote")
    document.save(str(tmp_path / "r.docx"))
    found = findings(docx_blocks(tmp_path / "r.docx"))
    assert [(f.kind, f.section, f.page) for f in found] == [
        ("paragraph", "Enter and view", None), ("bullet", "Enter and view", None), ("quote", "Enter and view", None),
    ]  # fmt: skip


def test_markdown_front_matter_headings_lists_quotes_and_emphasis() -> None:
    md = "---\ntitle: x\n---\n# Report\n\nWe **heard** from [people](http://x).\n\n- one\n- two\n  more\n\n> quoted\n> story\n\nSetext\n======\n\nEnd _here_."
    blocks = markdown_blocks(md)
    assert [(b.kind, b.text) for b in blocks] == [
        ("heading", "Report"), ("paragraph", "We heard from people."), ("bullet", "one"), ("bullet", "two more"),
        ("quote", "quoted story"), ("heading", "Setext"), ("paragraph", "End here."),
    ]  # fmt: skip
    assert markdown_to_text("Waited **3 hours**.\n\n* no call-back") == "Waited 3 hours.\n- no call-back"
