"""Loading stories, whichever layout read them: staging in batches, the row rules, the story tables and
comments, and the geography of each story's services.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from pipelines.core.sql import run_sql_file, sql_file
from pipelines.ingest.detect import LoadCounts
from pipelines.ingest.files import FileRejected, LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows
from pipelines.sources.healthwatch.documents import markdown_to_text
from pipelines.sources.ods import prepare_known_organisations, unknown_organisation_sql
from pipelines.sources.shared.as_arrived import join_notes
from pipelines.sources.shared.comments import is_substantive_sql
from pipelines.sources.shared.geography import code_geography_sql
from pipelines.sources.stories import policy as P
from pipelines.sources.stories.readers.common import (
    CRITICALITY_RATING,
    READERS_DIR,
    Story,
    criticality_level,
    ensure_story_tables,
    parse_date,
)

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
        sql_file(
            READERS_DIR / "story_flags.sql",
            key_count=P.STORIES.key_count_sql(),
            unknown_organisation=unknown_organisation_sql("v.organisation_code", *known),
        )
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
    run_sql_file(con, READERS_DIR / "staged_stories.sql", **f.provenance_params())
    con.execute(
        "UPDATE staged.stories SET days_to_first_response = datediff('day', published_date, first_response_date) WHERE source_file = ?",
        [f.rel_path],
    )
    con.execute(
        sql_file(READERS_DIR / "story_comments.sql", is_substantive=is_substantive_sql("text")),
        f.provenance_params(),
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
    services = f"""(SELECT v.story_id || '#' || v.service_no AS _geo_key, v.story_id, v.service_no,
                           v.organisation_code, s.published_date
                    FROM staged.story_services v JOIN staged.stories s USING (story_id) {where})"""
    placed = code_geography_sql(con, services, "organisation_code", "published_date")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _st_geo AS {placed}", params)
    con.execute(
        """UPDATE staged.story_services v SET practice_code = g.practice_code, trust_code = g.trust_code,
               sub_icb_code = g.geo_sub_icb_code, icb_code = g.geo_icb_code,
               geography_matched = g.geo_icb_code IS NOT NULL
           FROM _st_geo g WHERE v.story_id = g.story_id AND v.service_no = g.service_no"""
    )
    run_sql_file(con, READERS_DIR / "story_rollup.sql")
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
