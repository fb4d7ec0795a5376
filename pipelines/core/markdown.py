"""Markdown for the Dagster UI built from data: every data-derived string is made inert first.

Landing files are not trusted. A header or cell holding ``![h](http://host/x.png)`` rendered as Markdown
makes the browser fetch that URL when the asset page is viewed; ``<img>``/``<script>`` would be raw HTML;
GFM also turns bare URLs, ``www.`` names and e-mail addresses into links, escaped or not (the autolink
pass runs on the parsed text). :func:`escape_markdown` backslash-escapes the characters that make markup
and defangs autolinks with the usual bracket convention (``http[:]//host``, ``www[.]x``, ``a[@]b``), so
a reader still sees what the file said. Every Markdown table Chorus shows goes through
:func:`markdown_table`, which escapes every cell and column name. No Dagster here: the ingest library
uses it too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

# Characters that start or end live Markdown/HTML: links and images ([ ] ( ) !), raw HTML and autolinks
# (< >), entities (&), code spans (`), emphasis and strikethrough (* ~), table cells (|), escapes (\).
# '_' is left alone: inside words (practice_code) it never emphasises, and column names are full of it.
_MARKUP = re.compile(r"([\\`*\[\]()<>!|~&])")
_WHITESPACE = re.compile(r"[\r\n\t\v\f]+")
# Autolinks GFM makes from plain text; matched after escaping, so '[' / ']' here are already escaped.
_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*):(?=//)")
_WWW = re.compile(r"(?i)\b(www)\.")
_EMAIL = re.compile(r"(?<=[\w.+\-])@(?=[\w\-])")


def escape_markdown(value: object, limit: int | None = None) -> str:
    """``value`` as Markdown text that renders as itself and never as an image, link or HTML.

    ``limit`` truncates the text (with an ellipsis) *before* escaping, so an escape is never cut in half.
    Line breaks become spaces: one value stays on one line (and in one table cell).
    """
    text = _WHITESPACE.sub(" ", str(value))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    text = _MARKUP.sub(r"\\\1", text)
    text = _SCHEME.sub(r"\1\\[:\\]", text)
    text = _WWW.sub(r"\1\\[.\\]", text)
    return _EMAIL.sub(r"\\[@\\]", text)


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], width: int = 80) -> str:
    """A Markdown table; every cell and column name escaped, cells cut to ``width`` characters."""

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:.4g}"
        return escape_markdown(value, limit=width)

    lines = ["| " + " | ".join(escape_markdown(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
