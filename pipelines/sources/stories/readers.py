"""Story layouts (docs/DESIGN.md section 4, "Patient stories").

- ``care_opinion_api_v2``: a JSON export of the Care Opinion API v2 ``/opinions`` endpoint, as the API
  returns it (an array of opinions; an object holding the array under ``opinions`` / ``items`` is accepted
  too). Each opinion: ``id``, ``title``, ``body`` (Markdown), ``dateOfPublication``, ``dateOfSubmission``,
  ``criticality``, ``authorRole``, ``authorAgeGroup``, ``submissionRoute``, ``tags`` (with ``polarity``),
  ``healthServices`` (NACS / ODS codes) and ``responses`` — embedded, or as ``links`` (``rel``, ``id``).
- ``story_collection_csv``: a local story collection, one row per story: id, date, title, story text,
  service ODS code(s) separated by ``;`` or ``|``, author role, age group, optional demographics and
  response date.

A story is one row however many services it names: services go to the bridge ``staged.story_services``,
and the story's sub-ICB / ICB are set only when its services agree. Whether the organisation responded
(count, first date, days taken) is kept. Text (title + body as plain text) goes to ``raw.comment_text``
and one ``staged.comments`` row (channel ``story``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.ingest.detect import Layout, LoadCounts
from pipelines.ingest.files import FileRejected, LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows
from pipelines.sources.healthwatch.documents import markdown_inline_to_text, markdown_to_text
from pipelines.sources.ods import prepare_known_organisations, unknown_organisation_sql
from pipelines.sources.shared.as_arrived import join_notes, stage_incremental_csv
from pipelines.sources.shared.comments import ensure_comment_tables, is_substantive_sql
from pipelines.sources.shared.geography import code_geography_sql
from pipelines.sources.shared.header_map import columns_for_fields, header_rules, register_expected_columns
from pipelines.sources.stories import policy as P
from pipelines.sources.stories.json_stream import ExportShape, JsonSyntaxError, iter_export, shape_of

SOURCE = "stories"
HERE = Path(__file__).parent
TABLES_SQL = (HERE / "tables.sql").read_text()

# Care Opinion criticality, 0 … 5, and the comments rating it maps to (1 very positive … 5 very negative):
# a story that criticises nothing is read as positive, a strongly critical one as very negative.
CRITICALITY = {
    "notcritical": 0, "minimallycritical": 1, "mildlycritical": 2, "moderatelycritical": 3,
    "stronglycritical": 4, "verystronglycritical": 5,
}  # fmt: skip
CRITICALITY_RATING = {0: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: 5}


def ensure_story_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the story tables and the shared comment tables if missing."""
    con.execute(TABLES_SQL)
    ensure_comment_tables(con)


def parse_date(value: Any) -> date | None:
    """ISO dates and timestamps (``2024-03-05T10:22:31Z``), or UK day-first ``05/03/2024``; else None."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def criticality_level(value: Any) -> int | None:
    """Care Opinion criticality as 0 … 5 from its words (any case / spacing) or a number."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) or str(value).strip().isdigit():
        level = int(value)
        return level if 0 <= level <= 5 else None
    return CRITICALITY.get(re.sub(r"[^a-z]", "", str(value).lower()))


def _polarity(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return "positive" if value > 0 else "negative" if value < 0 else "neutral"
    text = str(value).strip().lower()
    return {"+": "positive", "-": "negative", "pos": "positive", "neg": "negative"}.get(text, text)


@dataclass
class Story:
    """One story in the shape both layouts load."""

    source_row: int
    story_id: str | None
    source_format: str
    payload: str
    title: str | None = None
    body_markdown: str | None = None
    published: Any = None
    submitted: Any = None
    criticality: str | None = None
    author_role: str | None = None
    author_age_group: str | None = None
    submission_route: str | None = None
    sex: str | None = None
    ethnicity: str | None = None
    disability: str | None = None
    services: list[tuple[str | None, str | None, str | None]] = field(default_factory=list)
    tags: list[tuple[str | None, str | None, str | None]] = field(default_factory=list)
    responses: list[tuple[str | None, date | None, str | None, int | None]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Title and body as plain text: what the text stage redacts and codes."""
        parts = [markdown_inline_to_text(self.title or ""), markdown_to_text(self.body_markdown)]
        return "\n".join(p for p in parts if p)


def _first(obj: dict, *keys: str) -> Any:
    for key in keys:
        if key in obj and obj[key] not in (None, ""):
            return obj[key]
    return None


def _links(opinion: dict, rel: str) -> list[dict]:
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


# --- CSV collections -------------------------------------------------------------------------------

HEADER_MAP = HERE / "header_map.csv"  # + CHORUS_STORIES_HEADER_MAP (see pipelines/sources/header_map.py)
CSV_REQUIRED = ("story_id", "story", "date")
CSV_FIELDS = ("story_id", "story", "date", "title", "codes", "names", "collection", "author_role", "age", "sex",
              "ethnicity", "disability", "response_date", "responder")  # fmt: skip
register_expected_columns("story_collection_csv", SOURCE, HEADER_MAP, "collection", CSV_REQUIRED)


def _csv_columns(header: list[str]) -> dict[str, str | None] | None:
    """Field → column of a story collection, through the header map; None when a required field is absent."""
    chosen = columns_for_fields(header, header_rules(SOURCE, HEADER_MAP, "collection"))
    if any(field not in chosen for field in CSV_REQUIRED):
        return None
    return {field: chosen.get(field) for field in CSV_FIELDS}


def _looks_like_collection(f: LandingFile) -> bool:
    return _csv_columns(f.csv_header()) is not None


def _split_codes(value: str | None) -> list[str]:
    return [part.strip() for part in re.split(r"[;|]", value or "") if part.strip()]


def stories_from_csv(con: duckdb.DuckDBPyConnection, f: LandingFile) -> tuple[list[Story], list[str]]:
    """Rows of a story collection CSV (read strictly by ``stage_csv``) as ``Story`` objects, and notes.

    A header-only file is an incremental export with nothing new (0 stories); trailing blank lines are
    not stories; a date column mixing d/m/Y and m/d/Y is read as :func:`resolve_day_month` says.
    """
    columns = _csv_columns(f.csv_header()) or {}
    _rows, notes = stage_incremental_csv(con, f, "_stcsv")
    result = con.execute("SELECT * FROM _stcsv ORDER BY source_row")
    names = [d[0] for d in result.description]
    stories = []
    for values in result.fetchall():
        row = dict(zip(names, values, strict=True))

        def get(key: str, row: dict = row) -> str | None:
            name = columns.get(key)
            value = row.get(name) if name else None
            return value.strip() if isinstance(value, str) and value.strip() else None

        collection = get("collection") or re.sub(r"[^A-Za-z0-9_-]+", "-", f.path.stem)
        codes, service_names = _split_codes(get("codes")), _split_codes(get("names"))
        services = [
            (code.upper(), service_names[i] if i < len(service_names) else None, None)
            for i, code in enumerate(codes)
        ]
        if not services and service_names:
            services = [(None, name, None) for name in service_names]
        response_date = get("response_date")
        stories.append(
            Story(
                source_row=int(row["source_row"]),
                story_id=f"{collection}:{get('story_id')}" if get("story_id") else None,
                source_format="csv_collection",
                payload=json.dumps({k: v for k, v in row.items() if k != "source_row"}, ensure_ascii=False),
                title=get("title"),
                body_markdown=get("story"),
                published=get("date"),
                author_role=get("author_role"),
                author_age_group=get("age"),
                sex=get("sex"),
                ethnicity=get("ethnicity"),
                disability=get("disability"),
                services=services,
                responses=[(None, parse_date(response_date), get("responder"), None)]
                if response_date
                else [],
            )
        )
    resolved, date_note = resolve_day_month([s.published for s in stories])
    for story, published in zip(stories, resolved, strict=True):
        story.published = published
    return stories, [*notes, *([date_note] if date_note else [])]


_SLASH_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\s*$")


def resolve_day_month(values: list[Any]) -> tuple[list[Any], str | None]:
    """Dates of one column written d/m/Y, m/d/Y or ISO, as ISO where the order is known; and a note.

    A part above 12 settles a date's order (30/09/2024 is day first, 1/18/2025 month first). The rest
    follow the UK rule, day first; they are ambiguous only when day and month differ. Other values are
    returned as written (ISO and "5 March 2024" are read by :func:`parse_date`). The note, when the
    column mixes orders, says how many of each and how many were read by the rule.
    """
    out: list[Any] = []
    day_first = month_first = ambiguous = 0
    for value in values:
        match = _SLASH_DATE.match(str(value)) if value is not None else None
        if not match:
            out.append(value)
            continue
        a, b, year = int(match.group(1)), int(match.group(2)), match.group(3)
        y = int(year) + (2000 if len(year) == 2 else 0)
        first_is_month = b > 12 and a <= 12
        day, month = (b, a) if first_is_month else (a, b)
        try:
            out.append(date(y, month, day).isoformat())
        except ValueError:
            out.append(value)  # 31/02/2024: left as written, the date rule quarantines it
            continue
        month_first += first_is_month
        day_first += a > 12
        ambiguous += a <= 12 and b <= 12 and a != b
    if not month_first:
        return out, None
    return out, (
        f"date: the column mixes orders, {day_first} date(s) day first and {month_first} month first "
        f"(a part above 12 says which); {ambiguous} with day and month both 12 or less read day first, the "
        "UK rule"
    )


# --- loading ---------------------------------------------------------------------------------------


# Stories are staged this many at a time: Python holds one batch, DuckDB the rest (under its memory cap).
STAGE_BATCH = 2000
_ST_SCHEMA = {
    "_st": (("source_row", "BIGINT"), ("story_id", "VARCHAR"), ("source_format", "VARCHAR"), ("payload", "VARCHAR"),
            ("text", "VARCHAR"), ("has_body", "BOOLEAN"), ("published_text", "VARCHAR"), ("published_date", "DATE"),
            ("submitted_date", "DATE"), ("criticality", "VARCHAR"), ("criticality_level", "INTEGER"),
            ("rating", "INTEGER"), ("author_role", "VARCHAR"), ("author_age_group", "VARCHAR"),
            ("submission_route", "VARCHAR"), ("sex", "VARCHAR"), ("ethnicity", "VARCHAR"), ("disability", "VARCHAR")),
    "_st_services": (("source_row", "BIGINT"), ("service_no", "INTEGER"), ("organisation_code", "VARCHAR"),
                     ("service_name", "VARCHAR"), ("service_type", "VARCHAR")),
    "_st_tags": (("source_row", "BIGINT"), ("tag", "VARCHAR"), ("tag_group", "VARCHAR"), ("polarity", "VARCHAR")),
    "_st_responses": (("source_row", "BIGINT"), ("response_no", "INTEGER"), ("response_id", "VARCHAR"),
                      ("response_date", "DATE"), ("responder", "VARCHAR"), ("characters", "INTEGER")),
}  # fmt: skip


def _append(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Append ``rows`` to temp table ``table`` in one statement (an Arrow table; not row-at-a-time inserts)."""
    if not rows:
        return
    import pyarrow as pa

    types = {"BIGINT": pa.int64(), "INTEGER": pa.int32(), "VARCHAR": pa.string(), "BOOLEAN": pa.bool_(),
             "DATE": pa.date32()}  # fmt: skip
    columns = _ST_SCHEMA[table]
    batch = pa.table(
        {name: pa.array([r[i] for r in rows], type=types[kind]) for i, (name, kind) in enumerate(columns)}
    )
    con.register("_st_batch", batch)
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM _st_batch")
    finally:
        con.unregister("_st_batch")


def _stage_stories(con: duckdb.DuckDBPyConnection, stories: Iterable[Story]) -> int:
    """Stage ``stories`` (any iterable: a stream is consumed batch by batch) into ``_st`` and its bridge
    tables; returns how many were read."""
    for table, columns in _ST_SCHEMA.items():
        spec = ", ".join(f"{name} {kind}" for name, kind in columns)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} ({spec})")
    read = 0
    batch: dict[str, list[tuple]] = {table: [] for table in _ST_SCHEMA}

    def flush() -> None:
        for table, rows in batch.items():
            _append(con, table, rows)
            rows.clear()

    for s in stories:
        read += 1
        level = criticality_level(s.criticality)
        batch["_st"].append((s.source_row, s.story_id, s.source_format, s.payload, s.text,
                             bool(markdown_to_text(s.body_markdown).strip()),
                             None if s.published is None else str(s.published), parse_date(s.published),
                             parse_date(s.submitted), s.criticality, level,
                             CRITICALITY_RATING.get(level) if level is not None else None, s.author_role,
                             s.author_age_group, s.submission_route, s.sex, s.ethnicity, s.disability))  # fmt: skip
        batch["_st_services"] += [(s.source_row, i, *v) for i, v in enumerate(s.services, start=1)]
        batch["_st_tags"] += [(s.source_row, *tag) for tag in s.tags]
        batch["_st_responses"] += [(s.source_row, i, *r) for i, r in enumerate(s.responses, start=1)]
        if len(batch["_st"]) >= STAGE_BATCH:
            flush()
    flush()
    return read


STORY_RULES = [
    RowRule("story_id_present", "story_id", "story_id IS NULL", "the story has no id"),
    P.STORIES.duplicate_key_rule(),
    RowRule("published_date_format", "published_text", "published_date IS NULL",
            "date of publication is missing or not a date (ISO 2024-03-05[T10:22:31Z] or 05/03/2024)"),
    RowRule("body_present", "text", "NOT has_body", "the story has no body text"),
    RowRule("known_organisation", "unknown_services", "unknown_services IS NOT NULL",
            "a service's ODS code is not in the ODS reference (ref.gp_practices / ref.nhs_trusts)"),
]  # fmt: skip


def _load_stories(
    con: duckdb.DuckDBPyConnection, f: LandingFile, stories: Iterable[Story], notes: list[str] | None = None
) -> LoadCounts:
    read = _stage_stories(con, stories)
    if not read:
        # An incremental export with nothing new loads as 0 stories; any other empty file is refused.
        if notes is None:
            raise FileRejected(f"{f.rel_path}: the file holds no stories")
        return LoadCounts(0, 0, 0, join_notes(*notes))
    known = prepare_known_organisations(con)
    # The checks go to a narrow table and the rest are views over _st: one temporary copy of the stories
    # (payloads and text), not one per step, so a large export does not fill the spill folder.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _st_flags AS
            SELECT s.source_row, {P.STORIES.key_count_sql()},
                   (SELECT string_agg(v.organisation_code, ', ' ORDER BY v.service_no) FROM _st_services v
                    WHERE v.source_row = s.source_row AND {unknown_organisation_sql("v.organisation_code", *known)})
                   AS unknown_services
            FROM _st s"""
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW _st_checked AS SELECT * FROM _st JOIN _st_flags USING (source_row)"
    )
    quarantined = quarantine_rows(con, "_st_checked", STORY_RULES, f, policy=P.STORIES)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW _st_ok AS SELECT * FROM _st_checked WHERE {passing_rows(STORY_RULES)}"
    )
    params = [f.rel_path, f.sha256]
    con.execute(
        "INSERT INTO raw.story_records BY NAME SELECT story_id, payload, ? AS source_file, ? AS file_sha256, source_row FROM _st_ok",
        params,
    )
    con.execute(
        """INSERT INTO raw.comment_text BY NAME
           SELECT 'stories:' || story_id AS comment_id, 'stories' AS source, text, ? AS source_file, ? AS file_sha256, source_row
           FROM _st_ok""",
        params,
    )
    con.execute(
        """INSERT INTO staged.story_services BY NAME
           SELECT s.story_id, v.service_no, v.organisation_code, v.service_name, v.service_type,
                  ? AS source_file, ? AS file_sha256, v.source_row
           FROM _st_services v JOIN _st_ok s USING (source_row)""",
        params,
    )
    con.execute(
        """INSERT INTO staged.story_tags BY NAME
           SELECT s.story_id, t.tag, t.tag_group, t.polarity, ? AS source_file, ? AS file_sha256, t.source_row
           FROM _st_tags t JOIN _st_ok s USING (source_row)""",
        params,
    )
    con.execute(
        """INSERT INTO staged.story_responses BY NAME
           SELECT s.story_id, r.response_no, r.response_id, r.response_date, r.responder, r.characters,
                  ? AS source_file, ? AS file_sha256, r.source_row
           FROM _st_responses r JOIN _st_ok s USING (source_row)""",
        params,
    )
    con.execute(
        """INSERT INTO staged.stories BY NAME
           SELECT s.story_id, 'stories:' || s.story_id AS comment_id, s.source_format, s.published_date,
                  s.submitted_date, s.criticality, s.criticality_level, s.rating, s.author_role, s.author_age_group,
                  s.submission_route,
                  (SELECT count(*) FROM _st_services v WHERE v.source_row = s.source_row) AS services,
                  (SELECT count(*) FROM _st_responses r WHERE r.source_row = s.source_row) > 0 AS responded,
                  (SELECT count(*) FROM _st_responses r WHERE r.source_row = s.source_row) AS response_count,
                  (SELECT min(response_date) FROM _st_responses r WHERE r.source_row = s.source_row) AS first_response_date,
                  (SELECT count(*) FROM _st_tags t WHERE t.source_row = s.source_row AND t.polarity = 'positive') AS tags_positive,
                  (SELECT count(*) FROM _st_tags t WHERE t.source_row = s.source_row AND t.polarity = 'negative') AS tags_negative,
                  ? AS source_file, ? AS file_sha256, s.source_row
           FROM _st_ok s""",
        params,
    )
    con.execute(
        "UPDATE staged.stories SET days_to_first_response = datediff('day', published_date, first_response_date) WHERE source_file = ?",
        [f.rel_path],
    )
    con.execute(
        f"""INSERT INTO staged.comments BY NAME
            SELECT 'stories:' || story_id AS comment_id, 'stories' AS source, 'story' AS channel,
                   story_id AS source_record_id, published_date AS comment_date, 'stories:' || story_id AS text_ref,
                   {is_substantive_sql("text")} AS is_substantive, rating, criticality AS rating_as_published,
                   harmonise('age_band', author_age_group) AS age_band, harmonise('sex', sex) AS sex,
                   harmonise('gender_identity', NULL) AS gender_identity,
                   harmonise('ethnicity', ethnicity) AS ethnicity, harmonise_band('ethnicity', ethnicity) AS ethnicity_band,
                   harmonise('disability', disability) AS disability,
                   harmonise('carer', CASE WHEN lower(author_role) LIKE '%carer%' THEN 'yes' END) AS carer,
                   'Not stated' AS sexual_orientation, 'Not stated' AS religion,
                   ? AS source_file, ? AS file_sha256, source_row
            FROM _st_ok""",
        params,
    )
    apply_story_geography(con, f.rel_path)
    con.execute("DROP VIEW _st_ok; DROP VIEW _st_checked; DROP TABLE _st_flags")
    for table in _ST_SCHEMA:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return LoadCounts(read, read - quarantined, quarantined, join_notes(*(notes or [])))


def apply_story_geography(con: duckdb.DuckDBPyConnection, source_file: str | None = None) -> None:
    """Join every story service to the geography (of one file, or all), then roll it up to the story.

    A story keeps its first service as ``organisation_code``; its sub-ICB / ICB are set only when every
    matched service agrees, so a story about a practice in one ICB and a hospital in another is not
    placed in either (the bridge has both).
    """
    ensure_story_tables(con)
    where = "WHERE v.source_file = ?" if source_file else ""
    params = [source_file] if source_file else []
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _st_geo AS
            {
            code_geography_sql(
                con,
                f'''(SELECT v.story_id || '#' || v.service_no AS _geo_key, v.story_id, v.service_no,
                                            v.organisation_code, s.published_date
                                     FROM staged.story_services v JOIN staged.stories s USING (story_id) {where})''',
                "organisation_code",
                "published_date",
            )
        }""",
        params,
    )
    con.execute(
        """UPDATE staged.story_services v SET practice_code = g.practice_code, trust_code = g.trust_code,
               sub_icb_code = g.geo_sub_icb_code, icb_code = g.geo_icb_code,
               geography_matched = g.geo_icb_code IS NOT NULL
           FROM _st_geo g WHERE v.story_id = g.story_id AND v.service_no = g.service_no"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _st_rollup AS
           SELECT story_id, arg_min(organisation_code, service_no) AS organisation_code,
                  arg_min(practice_code, service_no) FILTER (WHERE practice_code IS NOT NULL) AS practice_code,
                  arg_min(trust_code, service_no) FILTER (WHERE trust_code IS NOT NULL) AS trust_code,
                  -- A trust has no sub-ICB: a story naming one is not placed in the practice's sub-ICB.
                  CASE WHEN count(DISTINCT sub_icb_code) = 1 AND count(sub_icb_code) = count(*)
                       THEN any_value(sub_icb_code) END AS sub_icb_code,
                  CASE WHEN count(DISTINCT icb_code) = 1 THEN any_value(icb_code) END AS icb_code,
                  count(DISTINCT icb_code) AS icbs
           FROM staged.story_services WHERE story_id IN (SELECT story_id FROM _st_geo) GROUP BY 1"""
    )
    con.execute(
        """UPDATE staged.stories s SET organisation_code = r.organisation_code, practice_code = r.practice_code,
               trust_code = r.trust_code, sub_icb_code = r.sub_icb_code, icb_code = r.icb_code, icbs = r.icbs
           FROM _st_rollup r WHERE s.story_id = r.story_id"""
    )
    con.execute(
        """UPDATE staged.comments c SET organisation_code = s.organisation_code, practice_code = s.practice_code,
               trust_code = s.trust_code, sub_icb_code = s.sub_icb_code, icb_code = s.icb_code
           FROM staged.stories s WHERE c.source = 'stories' AND c.comment_id = s.comment_id
             AND s.story_id IN (SELECT story_id FROM _st_rollup)"""
    )


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


def load_story_collection(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """A CSV story collection (one row read = one story)."""
    ensure_story_tables(con)
    stories, notes = stories_from_csv(con, f)
    return _load_stories(con, f, stories, notes)


_STORY_TABLES = ("raw.story_records", "staged.stories", "staged.story_services", "staged.story_tags",
                 "staged.story_responses", "raw.comment_text", "staged.comments")  # fmt: skip
CARE_OPINION = Layout(
    name="care_opinion_api_v2", source=SOURCE,
    description="Care Opinion API v2 opinions export (JSON): stories with Markdown bodies, tags, services, responses",
    tables=_STORY_TABLES, load=load_care_opinion, suffixes=frozenset({".json"}), sniff=_looks_like_care_opinion,
)  # fmt: skip
STORY_COLLECTION = Layout(
    name="story_collection_csv", source=SOURCE,
    description="Local story collection CSV: story id, date, title, story, service ODS code(s), author, demographics",
    tables=_STORY_TABLES, load=load_story_collection, sniff=_looks_like_collection,
)  # fmt: skip
STORY_LAYOUTS: tuple[Layout, ...] = (CARE_OPINION, STORY_COLLECTION)
