"""Table contracts: each staged, reference and published table's columns, types and descriptions, once.

One YAML file per table under ``schemas/tables/<schema>/<table>.yaml``. From it come the DuckDB comments
on the table and its columns (``comment_statements``, applied by ``pipelines.core.store.document_tables``),
the column list each validation suite checks (``suite_columns``), the column order of the marts and
``marts.data_dictionary``. A test holds every table the pipeline builds against its contract, so the DDL
(``tables.sql``) and the contract cannot drift apart.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

TABLES_DIR = Path(__file__).with_name("tables")


class ColumnContract(BaseModel):
    """One column: its name, DuckDB type and what it means to a reader."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    type: str
    description: str = ""


class TableContract(BaseModel):
    """One table: ``schema.table``, what a row is, and its columns in order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    table: str
    description: str = ""
    columns: tuple[ColumnContract, ...] = Field(min_length=1)

    @property
    def column_names(self) -> list[str]:
        """Column names in the contract's order."""
        return [column.name for column in self.columns]

    def suite_columns(self) -> dict[str, str]:
        """Column → DuckDB type, as a validation suite checks them against the catalogue."""
        return {column.name: column.type for column in self.columns}

    def descriptions(self) -> dict[str, str]:
        """Column → description, for columns that have one."""
        return {column.name: column.description for column in self.columns if column.description}


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def comment_statements(
    contract: TableContract, target: str | None = None, present: set[str] | None = None
) -> list[str]:
    """``COMMENT ON`` the table and each described column (DuckDB keeps them in its catalogue).

    ``target``: the qualified name to comment (a copy of the table elsewhere, e.g. ``snap.marts.x``);
    ``present``: the columns the table really has (an empty mart may lack some), others are skipped.
    """
    target = target or contract.table
    statements = [f"COMMENT ON TABLE {target} IS {_sql_text(contract.description)}"]
    for column in contract.columns:
        if column.description and (present is None or column.name in present):
            name = '"' + column.name.replace('"', '""') + '"'
            statements.append(f"COMMENT ON COLUMN {target}.{name} IS {_sql_text(column.description)}")
    return statements


@cache
def all_contracts() -> dict[str, TableContract]:
    """Every contract, by ``schema.table``."""
    contracts: dict[str, TableContract] = {}
    for path in sorted(TABLES_DIR.glob("*/*.yaml")):
        contract = TableContract.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        expected = f"{path.parent.name}.{path.stem}"
        if contract.table != expected:
            raise ValueError(f"{path}: declares {contract.table!r}, but its path says {expected!r}")
        contracts[contract.table] = contract
    return contracts


def contract(table: str) -> TableContract:
    """The contract of ``schema.table``; a missing one is an error naming the file to write."""
    try:
        return all_contracts()[table]
    except KeyError:
        schema, _, name = table.partition(".")
        raise KeyError(f"no contract for {table}: write schemas/tables/{schema}/{name}.yaml") from None
