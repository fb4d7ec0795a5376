"""Table contracts (schemas/tables): every table the pipeline builds matches its contract, and the published
file, the data dictionary and the suites all say what the contract says."""

from pathlib import Path

import dagster as dg
import duckdb

from pipelines.sources.registry import all_suites
from schemas.contracts import TABLES_DIR, all_contracts, contract

BUILT_SCHEMAS = ("raw", "staged", "ref", "marts", "meta", "quarantine")


def _catalogue(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        f"""SELECT schema_name || '.' || table_name, column_name, data_type FROM duckdb_columns()
            WHERE database_name = current_database() AND schema_name IN {BUILT_SCHEMAS}
              AND NOT starts_with(table_name, '_')
            ORDER BY 1, column_index"""
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def test_every_contract_file_is_named_for_its_table() -> None:
    contracts = all_contracts()
    assert len(contracts) == len(list(TABLES_DIR.glob("*/*.yaml"))) > 50
    for table, spec in contracts.items():
        assert spec.description.strip() or not table.startswith(("marts.", "ref.")), (
            f"{table}: no description"
        )


def test_every_built_table_matches_its_contract(
    sample_pipeline: tuple[list[dg.AssetMaterialization], Path],
) -> None:
    with duckdb.connect(str(sample_pipeline[1]), read_only=True) as con:
        built = _catalogue(con)
    assert set(built) == set(all_contracts()), "tables without a contract, or contracts for no table"
    for table, columns in built.items():
        declared = [(c.name, c.type) for c in contract(table).columns]
        assert columns == declared, f"{table} differs from schemas/tables/{table.replace('.', '/')}.yaml"


def test_published_descriptions_are_the_contracts(sample_published: Path) -> None:
    with duckdb.connect(str(sample_published), read_only=True) as con:
        tables = con.execute(
            "SELECT schema_name || '.' || table_name, comment FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
        columns = con.execute(
            """SELECT schema_name || '.' || table_name, column_name, comment FROM duckdb_columns()
               WHERE database_name = current_database()"""
        ).fetchall()
        dictionary = con.execute(
            "SELECT table_name, column_name, description, table_description FROM marts.data_dictionary"
        ).fetchall()
    assert tables
    for table, comment in tables:
        assert comment == contract(table).description, table
    for table, column, comment in columns:
        assert (comment or "") == contract(table).descriptions().get(column, ""), f"{table}.{column}"
    assert dictionary
    for table, column, description, table_description in dictionary:
        assert description and description == contract(table).descriptions()[column], f"{table}.{column}"
        assert table_description == contract(table).description


def test_suites_check_the_contract_columns() -> None:
    for table, suite in all_suites().items():
        assert suite.columns == contract(table).suite_columns(), table
