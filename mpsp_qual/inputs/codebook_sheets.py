"""Codebooks as spreadsheets: one CSV or XLSX row per code, with a ``parent`` column.

The table has the columns ``CODEBOOK_COLUMNS``. Optional lines ``# codebook: NAME``
and ``# version: V`` above the header carry the codebook's name and version. List
cells (keywords, exclude_keywords, examples) separate items with ``;``; a literal
``;`` or ``\\`` inside an item is written ``\\;`` or ``\\\\``. This module knows the
layout only: ``read_rows`` reads a file's cells, ``parse_sheet`` finds the preamble,
header and code rows among them and ``split_list`` takes a list cell apart, while
``mpsp_qual.inputs.codebook`` checks what they found and reports problems; ``write_sheet``
writes a codebook whole (temporary file, then rename), in XLSX with every text cell
stored as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from mpsp_qual.core.files import atomic_path
from mpsp_qual.core.limits import check_zip
from mpsp_qual.core.model import Codebook

__all__ = [
    "CODEBOOK_COLUMNS",
    "READ_ERRORS",
    "SHEET_SUFFIXES",
    "SheetTable",
    "parse_sheet",
    "read_rows",
    "read_text",
    "split_list",
    "write_sheet",
]

#: Columns of a codebook spreadsheet, in the order ``write_sheet`` writes them.
CODEBOOK_COLUMNS = (
    "id",
    "parent",
    "name",
    "description",
    "include",
    "exclude",
    "keywords",
    "exclude_keywords",
    "examples",
    "color",
    "codable",
    "fuzzy",
)

#: File suffixes (lower case) of codebook spreadsheets.
SHEET_SUFFIXES = frozenset({".csv", ".xlsx"})

#: What ``read_text`` and ``read_rows`` raise for a file that cannot be read; openpyxl
#: reports a damaged or non-xlsx file in any of these ways.
READ_ERRORS = (
    OSError,
    UnicodeDecodeError,
    ValueError,
    KeyError,
    zipfile.BadZipFile,
    InvalidFileException,
)


# --------------------------------------------------------------------------- reading


def read_text(path: Path) -> str:
    """A text file's contents: UTF-8 (with or without a byte-order mark), else cp1252."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in the ANSI code page.
        return data.decode("cp1252")


def read_rows(path: Path) -> list[list[Any]]:
    """Every row of a ``.csv`` file, or of an ``.xlsx`` file's ``codebook`` (else first) sheet.

    Raises:
        One of ``READ_ERRORS``: the file cannot be read.
    """
    if path.suffix.lower() == ".csv":
        return list(csv.reader(io.StringIO(read_text(path), newline="")))
    check_zip(path, kind="workbook")
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = (
            workbook["codebook"] if "codebook" in workbook.sheetnames else workbook.worksheets[0]
        )
        # A read-only sheet trusts the range the file declares; a program that wrote a
        # too-small one (A1:F10 over 42 codes) would cut the codebook short, silently.
        sheet.reset_dimensions()
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


@dataclass
class SheetTable:
    """A codebook spreadsheet's cells as text, laid out but not yet checked."""

    name: str  # from "# codebook: NAME", else ""
    version: str  # from "# version: V", else ""
    header_row: int  # 1-based
    header: list[str]  # stripped and lower-cased; "" for a blank header cell
    rows: list[tuple[int, dict[str, str]]]  # (row number, cell by column) of non-blank rows


def parse_sheet(rows: list[list[Any]]) -> SheetTable | None:
    """Find the preamble, the header and the code rows; None if there is no header row."""
    meta: dict[str, str] = {}
    cells = [[_cell(v) for v in row] for row in rows]
    start = 0
    while start < len(cells):
        first = cells[start][0].strip() if cells[start] else ""
        if any(c.strip() for c in cells[start]) and not first.startswith("#"):
            break
        key, _, value = first.lstrip("#").partition(":")
        if key.strip().lower() in ("codebook", "version"):
            meta[key.strip().lower()] = value.strip()
        start += 1
    if start == len(cells):
        return None
    header = [c.strip().lower() for c in cells[start]]
    table = SheetTable(
        name=meta.get("codebook", ""),
        version=meta.get("version", ""),
        header_row=start + 1,
        header=header,
        rows=[],
    )
    for number, row in enumerate(cells[start + 1 :], start=start + 2):
        if any(c.strip() for c in row):
            values = {col: (row[i] if i < len(row) else "") for i, col in enumerate(header) if col}
            table.rows.append((number, values))
    return table


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def split_list(cell: str) -> list[str | None]:
    """Split a list cell on ``;``, honouring ``\\;`` and ``\\\\`` escapes."""
    if not cell.strip():
        return []
    items, current, chars = [], [], iter(cell)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            current.append(following if following in (";", "\\") else char + following)
        elif char == ";":
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return items


# --------------------------------------------------------------------------- writing


def write_sheet(codebook: Codebook, path: Path) -> None:
    """Write ``codebook`` as CSV or XLSX (by the suffix of ``path``), whole or not at all.

    The codebook is not checked here; ``codebook.save_codebook`` validates it first.
    """
    write = _write_csv if path.suffix.lower() == ".csv" else _write_xlsx
    with atomic_path(path) as tmp:
        write(codebook, tmp)


def _join(items: Iterable[str]) -> str:
    return "; ".join(i.replace("\\", "\\\\").replace(";", "\\;") for i in items)


def _rows(codebook: Codebook) -> Iterator[list[Any]]:
    for code in codebook.codes:
        yield [
            code.id,
            code.parent or "",
            code.name,
            code.description,
            code.include,
            code.exclude,
            _join(code.keywords),
            _join(code.exclude_keywords),
            _join(code.examples),
            code.color or "",
            "yes" if code.codable else "no",
            "" if code.fuzzy is None else code.fuzzy,
        ]


def _preamble(codebook: Codebook) -> list[str]:
    return [f"# codebook: {codebook.name}", f"# version: {codebook.version}"]


def _write_csv(codebook: Codebook, path: Path) -> None:
    # utf-8-sig so that Excel opens the file as UTF-8.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows([line] for line in _preamble(codebook))
        writer.writerow(CODEBOOK_COLUMNS)
        writer.writerows(_rows(codebook))


def _write_xlsx(codebook: Codebook, path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "codebook"
    for values in [[line] for line in _preamble(codebook)] + [list(CODEBOOK_COLUMNS)]:
        sheet.append(values)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for values in _rows(codebook):
        sheet.append([None if v == "" else v for v in values])
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                # openpyxl turns any str starting with "=" into a formula, and "#N/A" into an error.
                cell.data_type = "s"
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    widths = (24, 20, 36, 50, 40, 40, 40, 24, 50, 10, 10, 8)  # in CODEBOOK_COLUMNS order
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    workbook.save(path)
