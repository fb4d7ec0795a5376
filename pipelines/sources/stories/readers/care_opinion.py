"""Care Opinion API v2 JSON exports (``care_opinion_api_v2``).

An export of the ``/opinions`` endpoint, as the API returns it (an array of opinions; an object holding
the array under ``opinions`` / ``items`` is accepted too). Each opinion: ``id``, ``title``, ``body``
(Markdown), ``dateOfPublication``, ``dateOfSubmission``, ``criticality``, ``authorRole``,
``authorAgeGroup``, ``submissionRoute``, ``tags`` (with ``polarity``), ``healthServices`` (NACS / ODS
codes) and ``responses`` — embedded, or as ``links`` (``rel``, ``id``). The export is streamed: memory
holds one block of the file and one batch of stories.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import duckdb

from pipelines.ingest.detect import Layout, LoadCounts
from pipelines.ingest.files import FileRejected, LandingFile
from pipelines.sources.stories.json_stream import ExportShape, JsonSyntaxError, iter_export, shape_of
from pipelines.sources.stories.readers.common import (
    SOURCE,
    STORY_TABLES,
    Story,
    ensure_story_tables,
    parse_date,
)
from pipelines.sources.stories.readers.loading import _load_stories


def _polarity(value: Any) -> str | None:
    """A tag's polarity as positive / negative / neutral from a number, a sign or a word."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return "positive" if value > 0 else "negative" if value < 0 else "neutral"
    text = str(value).strip().lower()
    return {"+": "positive", "-": "negative", "pos": "positive", "neg": "negative"}.get(text, text)


def _first(obj: dict, *keys: str) -> Any:
    """The value of the first of ``keys`` that ``obj`` holds and is not empty."""
    for key in keys:
        if key in obj and obj[key] not in (None, ""):
            return obj[key]
    return None


def _links(opinion: dict, rel: str) -> list[dict]:
    """The opinion's links whose ``rel`` names ``rel`` (services or responses given by reference)."""
    return [
        link
        for link in opinion.get("links") or []
        if isinstance(link, dict) and rel in str(link.get("rel", "")).lower()
    ]


def story_from_opinion(opinion: dict, source_row: int) -> Story:
    """One Care Opinion API v2 opinion as a ``Story``."""
    raw_id = _first(opinion, "id", "opinionId")
    services = []
    for service in _first(opinion, "healthServices", "healthservices", "services") or []:
        if isinstance(service, dict):
            code = _first(service, "nacsCode", "nacs", "odsCode", "code", "id")
            services.append((str(code).strip().upper() if code else None, _first(service, "name", "title"),
                             _first(service, "type", "serviceType")))  # fmt: skip
    if not services:
        services = [
            (str(link.get("id")).strip().upper(), link.get("title"), None)
            for link in _links(opinion, "healthservice")
        ]
    tags = []
    for tag in opinion.get("tags") or []:
        if isinstance(tag, dict):
            tags.append(
                (
                    _first(tag, "name", "label", "tag"),
                    _first(tag, "group", "tagGroup", "type"),
                    _polarity(tag.get("polarity")),
                )
            )
        elif isinstance(tag, str):
            tags.append((tag, None, None))
    responses = []
    embedded = opinion.get("responses")
    if isinstance(embedded, list) and embedded:
        for response in embedded:
            if isinstance(response, dict):
                body = _first(response, "body", "text")
                responses.append((str(_first(response, "id") or "") or None,
                                  parse_date(_first(response, "dateOfPublication", "date", "published")),
                                  _first(response, "responderName", "authorName", "responder", "author"),
                                  len(body) if isinstance(body, str) else None))  # fmt: skip
    else:
        responses = [(str(link.get("id")), None, None, None) for link in _links(opinion, "response")]
    criticality = opinion.get("criticality")
    return Story(
        source_row=source_row,
        story_id=f"care_opinion:{raw_id}" if raw_id not in (None, "") else None,
        source_format="care_opinion_api_v2",
        payload=json.dumps(opinion, ensure_ascii=False, sort_keys=True),
        title=_first(opinion, "title"),
        body_markdown=_first(opinion, "body"),
        published=_first(opinion, "dateOfPublication", "published"),
        submitted=_first(opinion, "dateOfSubmission", "submitted"),
        criticality=None if criticality is None else str(criticality),
        author_role=_first(opinion, "authorRole"),
        author_age_group=_first(opinion, "authorAgeGroup"),
        submission_route=_first(opinion, "submissionRoute"),
        services=services,
        tags=tags,
        responses=responses,
    )


# Layout detection reads at most this many characters of a JSON export: its shape and first opinions.
PREFIX_CHARS = 1 << 16


def _json_rejection(f: LandingFile, exc: Exception) -> FileRejected:
    """The ledger message for a JSON export that cannot be read: the parser's line and column."""
    if isinstance(exc, JsonSyntaxError):
        return FileRejected(
            f"{f.rel_path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg} "
            "(a truncated or hand-edited export?)"
        )
    reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
    return FileRejected(f"{f.rel_path}: not UTF-8 text, so not a JSON export ({reason})")


def _export_shape(f: LandingFile) -> ExportShape:
    """The export's shape from its first ``PREFIX_CHARS`` characters (never the whole file)."""
    try:
        return shape_of(f.path, PREFIX_CHARS)
    except (JsonSyntaxError, UnicodeDecodeError) as exc:
        raise _json_rejection(f, exc) from exc


def _not_opinions(shape: ExportShape) -> str | None:
    """What a JSON export is when it is not an array of opinions (for the rejection), None when it is one.

    Judged on the first opinions (at most 20, within the prefix); an export whose first opinion is longer
    than the prefix is taken as one, and its opinions are checked one by one as they load.
    """
    if shape.kind == "scalar":
        return f"expected a JSON array of opinions, found a JSON {type(shape.scalar).__name__}"
    if shape.kind == "object" and shape.container is None:
        keys = ", ".join(shape.keys[:8]) + (" …" if len(shape.keys) > 8 or shape.partial else "")
        return f"expected a JSON array of opinions, found an object with keys {keys or '(none)'}"
    if shape.empty or not shape.first:
        return None
    if not all(isinstance(o, dict) for o in shape.first):
        kinds = sorted({type(o).__name__ for o in shape.first})
        return f"expected a JSON array of opinions, found an array of {', '.join(kinds)}"
    if not any("dateOfPublication" in o or "body" in o for o in shape.first):
        keys = sorted({k for o in shape.first for k in o})[:8]
        return (
            "expected a JSON array of opinions (with dateOfPublication or body), found an array of objects "
            f"with keys {', '.join(keys)}"
        )
    return None


def _looks_like_care_opinion(f: LandingFile) -> bool:
    """Every .json file in the stories folder is read as Care Opinion: one that is not says exactly why.

    Reads only the file's first ``PREFIX_CHARS`` characters.
    """
    problem = _not_opinions(_export_shape(f))
    if problem:
        raise FileRejected(f"{f.rel_path}: {problem}")
    return True


def _opinions(f: LandingFile) -> Iterator[dict]:
    """The export's opinions, one at a time (bounded memory); a rejection naming the line and column of a
    syntax error, or the place of an element that is not an opinion object."""
    try:
        for number, opinion in enumerate(iter_export(f.path), start=1):
            if not isinstance(opinion, dict):
                raise FileRejected(
                    f"{f.rel_path}: element {number} of the opinions array is a JSON {type(opinion).__name__}, "
                    "not an opinion object"
                )
            yield opinion
    except (JsonSyntaxError, UnicodeDecodeError) as exc:
        raise _json_rejection(f, exc) from exc


def load_care_opinion(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """A Care Opinion API v2 JSON export (one row read = one opinion), streamed: memory holds one block of
    the file and one batch of stories, whatever the export's size."""
    ensure_story_tables(con)
    shape = _export_shape(f)
    if problem := _not_opinions(shape):
        raise FileRejected(f"{f.rel_path}: {problem}")
    if shape.empty:
        return _load_stories(
            con, f, [], ["the export holds no opinions: an incremental export with nothing new"]
        )
    stories = (story_from_opinion(o, i) for i, o in enumerate(_opinions(f), start=1))
    return _load_stories(con, f, stories)


CARE_OPINION = Layout(
    name="care_opinion_api_v2", source=SOURCE,
    description="Care Opinion API v2 opinions export (JSON): stories with Markdown bodies, tags, services, responses",
    tables=STORY_TABLES, load=load_care_opinion, suffixes=frozenset({".json"}), sniff=_looks_like_care_opinion,
)  # fmt: skip
