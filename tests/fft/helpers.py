"""Helpers for FFT and complaints tests: rebuild real workbook layouts, ingest a folder into a tmp store."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Sequence
from pathlib import Path

import duckdb

from pipelines.core.store import open_store
from pipelines.ingest.detect import Layout
from pipelines.ingest.ledger import IngestReport
from pipelines.ingest.loop import ingest_source

TEMPLATES = "fft-nhse-templates"


def ingest(landing: Path, warehouse: Path, source: str, layouts: Sequence[Layout]) -> IngestReport:
    """Run one source's ingest over ``landing/<source>`` into ``warehouse``."""
    with open_store(warehouse) as con:
        return ingest_source(con, landing, source, layouts)


def place(files: Sequence[Path], landing: Path, source: str) -> None:
    """Copy files into ``landing/<source>/``."""
    folder = landing / source
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy(f, folder / f.name)


def rows(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def template_cells(dump: Path) -> dict[tuple[int, int], str]:
    """(excel_row, column) → value of one sheet dump (``excel_row, c0, c1 …``)."""
    cells: dict[tuple[int, int], str] = {}
    with dump.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for record in reader:
            for c, value in enumerate(record[1:], start=1):
                if value != "":
                    cells[(int(record[0]), c)] = value
    return cells


def build_workbook(
    shared_data: Path,
    setting: str,
    sheets: dict[str, list[list[object]]],
    path: Path,
    extra_sheets: Sequence[str] = ("Notes", "Summary"),
) -> Path:
    """A real-layout FFT workbook: each sheet's template dump (titles, two-row header, England/Selection
    rows) with ``sheets[name]`` values written over the rows after the header, header group cells merged."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name in [*extra_sheets, *sheets]:
        sheet = workbook.create_sheet(name)
        cells = template_cells(shared_data / TEMPLATES / f"FFT_{setting}__{name}.csv")
        for (r, c), value in cells.items():
            sheet.cell(row=r, column=c, value=value)
        if name not in sheets:
            continue
        header = min(r for (r, c), v in cells.items() if v == "Total Responses")
        for (r, c), v in list(cells.items()):
            if r == header and v == "Breakdown of Responses":
                sheet.merge_cells(start_row=r, start_column=c, end_row=r, end_column=c + 5)
        for offset, values in enumerate(sheets[name]):
            for c, value in enumerate(values, start=1):
                if value is not None:
                    sheet.cell(row=header + 2 + offset, column=c, value=value)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path
