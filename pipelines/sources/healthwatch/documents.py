"""Text out of Healthwatch report documents (PDF, HTML, DOCX, Markdown), split into findings.

Pure functions, no DuckDB and no Dagster. A document becomes a list of ``Block`` (heading, paragraph,
bullet or quote, with its page number where the format has pages); ``findings`` keeps everything but
headings and remembers, for each finding, the heading it sits under.

PDF has no paragraphs, only positioned lines, so they are rebuilt from geometry: a vertical gap clearly
larger than the line spacing, a change of font size, a bullet glyph or an opening quote mark starts a new
block, and lines in a clearly larger font than the page's body text are headings. Running headers and
footers (the same line on most pages, page numbers) are dropped.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the document libraries are imported only when a file of their kind is read
    from docx.text.paragraph import Paragraph
    from pypdf import PageObject

# Glyphs that open a bullet point. \x7f is what a '•' in a standard-14 font often extracts as.
BULLETS = "•◦▪▫●○■□‣⁃∙·\x7f–-*"
BULLET_RE = re.compile(r"^\s*(?:[" + re.escape(BULLETS) + r"]|\d{1,2}[.)])\s+")
OPEN_QUOTES = ('"', "“", "‘", "'")
PAGE_NUMBER_RE = re.compile(r"^(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE)


@dataclass(frozen=True)
class Block:
    """One piece of a document: ``kind`` is heading, paragraph, bullet or quote."""

    kind: str
    text: str
    page: int | None = None
    section: str | None = None


def clean(text: str) -> str:
    """Whitespace folded (non-breaking spaces and soft hyphens too), ends trimmed."""
    text = text.replace("\xa0", " ").replace("\u00ad", "").replace("\x7f", "•")
    return re.sub(r"\s+", " ", text).strip()


def classify(text: str, default: str = "paragraph") -> Block:
    """A bullet when it opens with a bullet glyph or number, a quote when it opens with a quote mark."""
    if BULLET_RE.match(text):
        return Block("bullet", clean(BULLET_RE.sub("", text, count=1)))
    stripped = clean(text)
    if default == "paragraph" and stripped.startswith(OPEN_QUOTES) and len(stripped) > 2:
        return Block("quote", stripped)
    return Block(default, stripped)


def findings(blocks: Iterable[Block]) -> list[Block]:
    """Every non-heading block with text, each carrying the nearest heading above it as ``section``."""
    section: str | None = None
    out: list[Block] = []
    for block in blocks:
        if block.kind == "heading":
            section = block.text
            continue
        if block.text:
            out.append(replace(block, section=section))
    return out


# --- PDF -------------------------------------------------------------------------------------------


@dataclass
class _Line:
    y: float
    size: float
    text: str
    closed: bool = False


def _pdf_lines(page: PageObject) -> list[_Line]:
    """Lines of one page with their baseline height and font size, in content order."""
    lines: list[_Line] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        if not text:
            return
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        height = size * (abs(cm[3]) or 1.0) * (abs(tm[3]) or 1.0)
        for index, piece in enumerate(text.split("\n")):
            last = lines[-1] if lines else None
            # A chunk on the same baseline (a bold word inside a sentence) continues the open line.
            if index == 0 and last is not None and not last.closed and abs(last.y - y) < 1.0:
                last.text += piece
                last.size = max(last.size, height) if piece.strip() else last.size
            elif piece or index == 0:
                lines.append(_Line(y, height, piece))
        if text.endswith("\n") and lines:
            lines[-1].closed = True

    page.extract_text(visitor_text=visit)
    return [line for line in lines if line.text.strip()]


def _masked(text: str) -> str:
    return re.sub(r"\d+", "#", clean(text))


def _edge_key(line: _Line) -> tuple[str, int]:
    return _masked(line.text), round(line.y / 3)


def _edges(lines: list[_Line], body: float) -> list[_Line]:
    """The top-most and bottom-most lines of a page, when set no larger than body text."""
    if not lines:
        return []
    ordered = sorted(lines, key=lambda line: line.y)
    return [
        line for line in {id(x): x for x in (ordered[0], ordered[-1])}.values() if line.size <= body * 1.05
    ]


def _running_lines(pages: list[list[_Line]], body: float) -> set[tuple[str, int]]:
    """Running headers and footers: the same words (digits masked) at the same height, at the top or
    bottom edge of at least half of the pages, in a font no larger than the body text. Body text that
    happens to repeat, and headings, are not edges of that kind and are kept."""
    if len(pages) < 2:
        return set()
    counts: Counter[tuple[str, int]] = Counter()
    for page in pages:
        counts.update({_edge_key(line) for line in _edges(page, body)})
    return {key for key, n in counts.items() if n >= max(2, len(pages) / 2)}


def _body_size(pages: list[list[_Line]]) -> float:
    """The font size most of the document's characters are set in (the body text)."""
    sizes: Counter[float] = Counter()
    for page in pages:
        for line in page:
            sizes[round(line.size, 1)] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _pdf_page_blocks(
    lines: list[_Line], page_number: int, running: set[tuple[str, int]], body: float
) -> list[Block]:
    edges = {id(line) for line in _edges(lines, body)}
    kept = [
        line
        for line in lines
        if not (id(line) in edges and _edge_key(line) in running)
        and not PAGE_NUMBER_RE.match(clean(line.text))
    ]
    if not kept:
        return []
    blocks: list[Block] = []
    current: list[str] = []
    current_kind = "paragraph"
    previous: _Line | None = None

    def flush() -> None:
        nonlocal current
        if current:
            text = " ".join(current)
            block = Block("heading", clean(text)) if current_kind == "heading" else classify(text)
            blocks.append(replace(block, page=page_number))
        current = []

    for line in kept:
        is_heading = line.size >= body * 1.15
        kind = "heading" if is_heading else "paragraph"
        starts_new = (
            previous is None
            or kind != current_kind
            or abs(line.size - previous.size) > 0.5
            or (previous.y - line.y) > max(line.size, previous.size) * 1.45
            or bool(BULLET_RE.match(line.text))
            or (clean(line.text).startswith(OPEN_QUOTES[1:2]) and not is_heading)
        )
        if starts_new:
            flush()
            current_kind = kind
        current.append(line.text)
        previous = line
    flush()
    return blocks


def pdf_blocks(path: Path) -> list[Block]:
    """Blocks of a PDF with 1-based page numbers (pypdf, text layer only: scanned pages yield nothing)."""
    import pypdf

    reader = pypdf.PdfReader(str(path))
    pages = [_pdf_lines(page) for page in reader.pages]
    body = _body_size(pages)
    running = _running_lines(pages, body)
    blocks: list[Block] = []
    for number, lines in enumerate(pages, start=1):
        blocks.extend(_pdf_page_blocks(lines, number, running, body))
    return blocks


# --- HTML ------------------------------------------------------------------------------------------

_HTML_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote")
_HTML_NOISE = ("script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template")


def html_blocks(html: str) -> list[Block]:
    """Blocks of an HTML page (BeautifulSoup): headings, paragraphs, list items and blockquotes.

    Site chrome (nav, header, footer, aside, scripts) is removed first; when the page has a ``main``
    or ``article`` element only that is read.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(_HTML_NOISE):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    blocks: list[Block] = []
    for element in root.find_all(_HTML_BLOCKS):
        parents = {p.name for p in element.parents}
        # A paragraph inside a quote or a list item is read as part of that quote or item.
        if "blockquote" in parents or (element.name == "p" and "li" in parents):
            continue
        if element.name == "li":
            text = " ".join(
                child.get_text(" ") if hasattr(child, "get_text") else str(child)
                for child in element.children
                if getattr(child, "name", None) not in ("ul", "ol")
            )
            blocks.append(Block("bullet", clean(text)))
        elif element.name == "blockquote":
            blocks.append(Block("quote", clean(element.get_text(" "))))
        elif element.name.startswith("h"):
            blocks.append(Block("heading", clean(element.get_text(" "))))
        else:
            blocks.append(classify(element.get_text(" ")))
    return [b for b in blocks if b.text]


# --- DOCX ------------------------------------------------------------------------------------------


def docx_blocks(path: Path) -> list[Block]:
    """Blocks of a Word document (python-docx), body paragraphs then table cells.

    Styles decide the kind: ``Heading n`` / ``Title`` → heading, list styles or numbering → bullet,
    ``Quote`` / ``Intense Quote`` → quote. Word has no fixed pages, so no page numbers.
    """
    import docx

    document = docx.Document(str(path))
    blocks: list[Block] = []

    def add(paragraph: Paragraph) -> None:
        text = clean(paragraph.text)
        if not text:
            return
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        numbered = paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
        if style.startswith("Heading") or style == "Title":
            blocks.append(Block("heading", text))
        elif "List" in style or numbered:
            blocks.append(Block("bullet", clean(BULLET_RE.sub("", text, count=1))))
        elif "Quote" in style:
            blocks.append(Block("quote", text))
        else:
            blocks.append(classify(text))

    for paragraph in document.paragraphs:
        add(paragraph)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    add(paragraph)
    return blocks


# --- Markdown --------------------------------------------------------------------------------------

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~|`)(?=\S)(.+?)(?<=\S)\1")


def markdown_inline_to_text(text: str) -> str:
    """Inline Markdown to plain text: links keep their words, emphasis and code marks go, HTML tags go."""
    text = _MD_LINK.sub(r"\1", text)
    for _ in range(2):  # nested emphasis (***bold italic***)
        text = _MD_EMPHASIS.sub(r"\2", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!])", r"\1", text)
    return clean(text)


def markdown_blocks(markdown: str) -> list[Block]:
    """Blocks of a Markdown document: ATX / setext headings, bullets, numbered items, quotes, paragraphs.

    YAML front matter and fenced code are skipped; consecutive ``>`` lines form one quote.
    """
    lines = markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[0].strip() == "---":
        end = next((i for i, line in enumerate(lines[1:], start=1) if line.strip() in ("---", "...")), None)
        if end is not None:
            lines = lines[end + 1 :]
    blocks: list[Block] = []
    buffer: list[str] = []
    buffer_kind = "paragraph"
    in_fence = False

    def flush() -> None:
        nonlocal buffer
        if buffer:
            text = markdown_inline_to_text(" ".join(buffer))
            block = classify(text) if buffer_kind == "paragraph" else Block(buffer_kind, text)
            if block.text:
                blocks.append(block)
        buffer = []

    for line in lines:
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            flush()
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if not stripped or re.fullmatch(r"(-{3,}|\*{3,}|_{3,})", stripped):
            flush()
            continue
        if re.fullmatch(r"(=+|-+)", stripped) and buffer and buffer_kind == "paragraph":
            # Setext heading: the buffered line(s) above an underline.
            buffer_kind = "heading"
            flush()
            buffer_kind = "paragraph"
            continue
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", stripped)
        if heading:
            flush()
            blocks.append(Block("heading", markdown_inline_to_text(heading.group(1))))
            buffer_kind = "paragraph"
            continue
        bullet = re.match(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(.*)$", line)
        if bullet:
            flush()
            buffer_kind = "bullet"
            buffer.append(bullet.group(1))
            continue
        if stripped.startswith(">"):
            if buffer_kind != "quote":
                flush()
                buffer_kind = "quote"
            buffer.append(stripped.lstrip(">").strip())
            continue
        if buffer_kind == "quote":
            flush()
            buffer_kind = "paragraph"
        # A plain line continues a bullet (lazy continuation) or a paragraph.
        buffer.append(stripped)
    flush()
    return blocks


def markdown_to_text(markdown: str | None) -> str:
    """A Markdown body as plain text, one paragraph per line (what redaction and coding read)."""
    if not markdown:
        return ""
    return "\n".join(
        ("- " if b.kind == "bullet" else "") + b.text for b in markdown_blocks(markdown) if b.text
    )


# --- dispatch --------------------------------------------------------------------------------------

DOCUMENT_SUFFIXES = frozenset({".pdf", ".html", ".htm", ".docx", ".md"})


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def decode_document(data: bytes, html: bool = False) -> str:
    """A Markdown or HTML report's text, exactly: never a U+FFFD replacement character.

    UTF-8 (with or without BOM) and UTF-16 with BOM are read as such; an HTML page's declared charset
    (``<meta charset=...>``) next; otherwise Windows-1252, what Word and Excel save on Windows (curly
    quotes, en dashes, £, accented names), and latin-1 for the five bytes cp1252 leaves undefined.
    ISO-8859-1 declarations are read as Windows-1252, as browsers do.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(data[:4096]) if html else None
    encodings = ["cp1252", "latin-1"]
    if declared:
        name = declared.group(1).decode("ascii").lower()
        encodings.insert(0, "cp1252" if name in {"iso-8859-1", "latin1", "latin-1", "us-ascii"} else name)
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1")  # never reached: latin-1 decodes every byte


def document_blocks(path: Path) -> list[Block]:
    """Blocks of any supported document, chosen by file suffix."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return pdf_blocks(path)
    if suffix in (".html", ".htm"):
        return html_blocks(decode_document(path.read_bytes(), html=True))
    if suffix == ".docx":
        return docx_blocks(path)
    if suffix == ".md":
        return markdown_blocks(decode_document(path.read_bytes()))
    raise ValueError(f"{path.name}: not a document type Chorus reads ({suffix})")
