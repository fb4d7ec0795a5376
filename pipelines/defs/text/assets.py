"""Text stage assets: redaction first, then themes and sentiment, for every comment from every source."""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from pipelines.core.sql import sql_file
from pipelines.lib.metadata import query_markdown, table_metadata
from pipelines.lib.resources import ChorusResource
from pipelines.sources.registry import comment_writers
from pipelines.text.coding import CODED_THIS_RUN_SQL, code_comments, coder_version, ensure_text_tables
from pipelines.text.framework import all_labels
from pipelines.text.model import model_summary
from pipelines.text.redaction import rescan_for_pii

HERE = Path(__file__).parent
GROUP = "text"
KEYS = {
    name: dg.AssetKey(["staged", name])
    for name in ("comment_text", "comment_redactions", "comment_themes", "comment_sentiment")
}
# The ingest assets that write staged.comments (their own tables are the asset keys).
# The ingest assets that write staged.comments: the text stage reads after them.
COMMENT_WRITERS = [dg.AssetKey(key.split("/")) for key in comment_writers()]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            KEYS["comment_text"],
            group_name=GROUP,
            kinds={"duckdb", "python"},
            deps=COMMENT_WRITERS,
            description="Every comment's text after redaction of personal data (NHS numbers, postcodes, "
            "phones, emails, URLs, NI numbers, dates of birth). The raw text never leaves raw.",
        ),
        dg.AssetSpec(
            KEYS["comment_redactions"],
            group_name=GROUP,
            kinds={"duckdb"},
            deps=COMMENT_WRITERS,
            description="The kinds of personal data removed from each comment, never the values.",
        ),
        dg.AssetSpec(
            KEYS["comment_themes"],
            group_name=GROUP,
            kinds={"duckdb", "python"},
            deps=COMMENT_WRITERS,
            description="Comment × theme on the NHS Qualitative Data Categorisation framework v7 (shipped "
            "linear model, per-label thresholds) plus keyword topics such as equality, diversity & inclusion.",
        ),
        dg.AssetSpec(
            KEYS["comment_sentiment"],
            group_name=GROUP,
            kinds={"duckdb", "python"},
            deps=COMMENT_WRITERS,
            description="Comment sentiment, 1 very positive … 5 very negative and 3 classes, read with the question "
            "and the rating given with the comment.",
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "no_pii_survives",
            asset=KEYS["comment_text"],
            blocking=True,
            description="Re-scan of every redacted comment finds no NHS number, postcode, phone, email, URL, "
            "NI number or date of birth outside a placeholder.",
        ),
        dg.AssetCheckSpec(
            "every_comment_coded",
            asset=KEYS["comment_themes"],
            blocking=True,
            description="Every comment has redacted text, at least one theme and a sentiment (or is empty).",
        ),
        dg.AssetCheckSpec(
            "labels_in_framework",
            asset=KEYS["comment_themes"],
            description="Every theme label is a framework v7 sub-category or a keyword topic.",
        ),
    ],
    pool="duckdb_writer",
)
def coded_comments(
    context: dg.AssetExecutionContext, chorus: ChorusResource
) -> Iterator[dg.MaterializeResult]:
    """Redact and code new comments in batches (incremental by comment and file version)."""
    with chorus.connect() as con:
        from pipelines.sources.shared.comments import ensure_comment_tables

        ensure_comment_tables(con)
        ensure_text_tables(con)
        summary = code_comments(
            con, progress=lambda done, total: context.log.info(f"coded {done:,} of {total:,} comments")
        )
        version = coder_version()
        context.log.info(
            f"coded {summary.coded:,} comments, {summary.redactions:,} redactions (coder {version}; "
            f"{summary.removed:,} rows of earlier codings replaced or dropped)"
        )
        for name, key in KEYS.items():
            metadata = table_metadata(con, f"staged.{name}")
            if name == "comment_themes":
                metadata["model"] = dg.MetadataValue.json(model_summary())
                metadata["label_counts"] = dg.MetadataValue.md(
                    query_markdown(
                        con,
                        "SELECT category, label, count(*) AS comments FROM staged.comment_themes GROUP BY ALL ORDER BY comments DESC LIMIT 40",
                    )
                )
                metadata["coded_sample"] = dg.MetadataValue.md(
                    query_markdown(con, sql_file(HERE / "coded_sample.sql"))
                )
            if name == "comment_sentiment":
                # How much of the sentiment was read with a rating (FFT score, review stars) beside the words.
                metadata["by_source"] = dg.MetadataValue.md(
                    query_markdown(con, sql_file(HERE / "sentiment_by_source.sql"))
                )
            if name == "comment_redactions":
                metadata["kinds"] = dg.MetadataValue.md(
                    query_markdown(
                        con,
                        "SELECT kind, sum(occurrences) AS found FROM staged.comment_redactions GROUP BY 1 ORDER BY 2 DESC",
                    )
                )
            yield dg.MaterializeResult(
                asset_key=key,
                metadata=metadata
                | {
                    "coded_this_run": summary.coded,
                    "recoded_or_removed_rows": summary.removed,
                    "coder_version": version,
                },
            )
        # Re-scan what this run redacted; earlier runs' texts were scanned when they were written.
        texts = con.execute(CODED_THIS_RUN_SQL).fetchall()
        total_texts = con.execute("SELECT count(*) FROM staged.comment_text").fetchall()[0][0]
        leaks = [(cid, kinds) for cid, text in texts if (kinds := rescan_for_pii(text or ""))]
        uncoded = con.execute(
            """SELECT count(*) FROM raw.comment_text r
               WHERE NOT EXISTS (SELECT 1 FROM staged.comment_text t WHERE t.comment_id = r.comment_id)
                  OR (NOT EXISTS (SELECT 1 FROM staged.comment_themes m WHERE m.comment_id = r.comment_id)
                      AND length(trim(coalesce(r.text, ''))) > 0)"""
        ).fetchone()[0]
        labels = {r[0] for r in con.execute("SELECT DISTINCT label FROM staged.comment_themes").fetchall()}
    unknown = sorted(labels - set(all_labels()))
    yield dg.AssetCheckResult(
        check_name="no_pii_survives", asset_key=KEYS["comment_text"], passed=not leaks,
        metadata={"comments_scanned_this_run": len(texts), "comments_redacted_in_store": int(total_texts),
                  "comments_with_pii": len(leaks),
                  "examples": dg.MetadataValue.json([{"comment_id": c, "kinds": k} for c, k in leaks[:10]])},
        description=f"{len(leaks)} of {len(texts)} redacted comments still contain personal data" if leaks
        else f"{len(texts)} comments redacted this run re-scanned: none contains personal data",
    )  # fmt: skip
    yield dg.AssetCheckResult(
        check_name="every_comment_coded", asset_key=KEYS["comment_themes"], passed=uncoded == 0,
        metadata={"uncoded_comments": int(uncoded)},
        description=f"{uncoded} comments have no redacted text or no theme" if uncoded else "every comment is coded",
    )  # fmt: skip
    yield dg.AssetCheckResult(
        check_name="labels_in_framework", asset_key=KEYS["comment_themes"], passed=not unknown,
        metadata={"labels_used": len(labels), "unknown_labels": dg.MetadataValue.json(unknown)},
        description=f"labels outside the framework: {', '.join(unknown)}" if unknown else f"{len(labels)} labels, all in the framework",
    )  # fmt: skip
