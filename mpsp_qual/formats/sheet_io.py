"""What every workbook a coder fills in shares, on the way out and on the way back in.

A coding sheet (``sheets.py``) and a disagreements workbook (``agreement.py``) both hold
one row per segment, with the segment id and a hash of its text in hidden columns at
the right, a Codebook sheet and a hidden ``meta`` sheet of key-value rows. Writing
them shares ``sheet_text`` and ``text_hash`` (text as a workbook holds it, and its
fingerprint), ``row_height``, the header style, ``write_codebook_sheet`` and
``write_meta_sheet``; reading them back shares ``read_rows``, which gives ``SheetRows``
(rows by header name, the meta sheet, and problems by cell, raised together as one
``SheetError``), ``check_segments`` (each row's segment id and text against the
project), ``is_mark`` (a code cell) and ``parse_code_list`` (a cell of code ids).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from mpsp_qual.core.errors import SheetError
from mpsp_qual.core.limits import check_zip
from mpsp_qual.core.model import PathLike
from mpsp_qual.formats.cells import set_text_cell

__all__ = [
    "CODEBOOK_SHEET",
    "DONE_COLUMN",
    "HASH_COLUMN",
    "HEADER_FILL",
    "HEADER_FONT",
    "LEFT_COLUMNS",
    "LINE_HEIGHT",
    "MARKS",
    "MARK_WORDS",
    "MAX_ROW_HEIGHT",
    "MEMO_COLUMN",
    "META_SHEET",
    "NONE_COLUMN",
    "QUESTION_COLUMN",
    "RESERVED",
    "SEGMENT_COLUMN",
    "TEXT_WIDTH",
    "SheetRows",
    "check_segments",
    "is_mark",
    "parse_code_list",
    "read_rows",
    "row_height",
    "sheet_text",
    "text_hash",
    "write_codebook_sheet",
    "write_meta_sheet",
]

CODEBOOK_SHEET = "Codebook"
META_SHEET = "meta"

#: What a code cell may hold to apply the code (after trimming spaces); blank means not.
MARKS = frozenset({"x", "X", "1"})

#: How ``--help`` and a sheet's Read me sheet spell :data:`MARKS`.
MARK_WORDS = "x (or 1)"

LEFT_COLUMNS = ("document", "speaker", "timestamp", "text")
SEGMENT_COLUMN = "segment_id"
HASH_COLUMN = "text_sha256"
MEMO_COLUMN = "memo"
#: A coding sheet's own columns: the interviewer's question before the answer, and the
#: coder's marks that a row is finished (only such rows are recorded as coded).
QUESTION_COLUMN = "question"
DONE_COLUMN = "done"
NONE_COLUMN = "no code applies"
RESERVED = frozenset(
    {
        *LEFT_COLUMNS,
        MEMO_COLUMN,
        SEGMENT_COLUMN,
        HASH_COLUMN,
        QUESTION_COLUMN,
        DONE_COLUMN,
        NONE_COLUMN,
    }
)

TEXT_WIDTH = 80
LINE_HEIGHT = 15
MAX_ROW_HEIGHT = 409
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
HEADER_FONT = Font(bold=True)


def text_hash(text: str) -> str:
    """The first 16 hex digits of the SHA-256 of a segment's text as a sheet shows it.

    Characters a workbook cannot hold are dropped and line ends made ``\\n`` first,
    so the hash of the text cell read back equals the hash of the project's text.
    """
    return hashlib.sha256(sheet_text(text).encode("utf-8")).hexdigest()[:16]


def sheet_text(text: str) -> str:
    """Text as a workbook can hold it: ``\n`` line ends, no XML-illegal characters."""
    return ILLEGAL_CHARACTERS_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def row_height(text: str, *, width: int = TEXT_WIDTH) -> float:
    """A row height in points that shows ``text`` wrapped in a column ``width`` wide."""
    # openpyxl cannot measure text; estimate the wrapped lines so rows open readable.
    lines = sum(max(1, math.ceil(len(p) / (width * 1.1))) for p in text.split("\n"))
    return float(min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines + 2))


def write_codebook_sheet(ws, codebook) -> None:
    """Lay the codebook out on ``ws``: id, name, codable, description, include, exclude."""
    headers = ("id", "name", "codable", "description", "include", "exclude", "examples")
    widths = (24, 36, 9, 60, 60, 60, 60)
    for col, (name, width) in enumerate(zip(headers, widths), start=1):
        cell = ws.cell(row=1, column=col)
        set_text_cell(cell, name)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        ws.column_dimensions[get_column_letter(col)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, code in enumerate(codebook, start=2):
        indent = "  " * (codebook.level(code.id) - 1)
        values = (
            indent + code.id,
            code.name,
            "yes" if code.codable else "no (group)",
            code.description,
            code.include,
            code.exclude,
            "\n".join(code.examples),
        )
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col)
            set_text_cell(cell, sheet_text(value))
            cell.alignment = wrap
            if not code.codable:
                cell.font = HEADER_FONT
    ws.freeze_panes = "B2"


def write_meta_sheet(ws, items: dict[str, str]) -> None:
    """Key-value rows on a hidden sheet: who the workbook is for, and how it was made."""
    for row, (key, value) in enumerate(items.items(), start=1):
        set_text_cell(ws.cell(row=row, column=1), key)
        set_text_cell(ws.cell(row=row, column=2), value)
    ws.sheet_state = "hidden"


# -- reading a workbook back ------------------------------------------------------------


@dataclass
class SheetRows:
    """The rows of a worksheet by header name, with cell references for messages."""

    file: str
    sheet: str
    columns: dict[str, int]
    rows: list[tuple[int, list[Any]]]
    meta: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def ref(self, row: int, column: str | int) -> str:
        col = self.columns[column] if isinstance(column, str) else column
        return f"{self.file}, cell {get_column_letter(col)}{row}"

    def value(self, values: list[Any], column: str) -> Any:
        index = self.columns[column] - 1
        return values[index] if index < len(values) else None

    def problem(self, row: int, column: str | int, text: str) -> None:
        self.problems.append(f"{self.ref(row, column)}: {text}")

    def fail(self) -> None:
        """Raise one SheetError listing every problem found, if there are any."""
        if not self.problems:
            return
        if len(self.problems) == 1:
            message = f"{self.problems[0]} Nothing was imported."
        else:
            message = f"{self.file} has {len(self.problems)} problems; nothing was imported:"
        raise SheetError(message, self.problems)


def read_rows(path: PathLike, *, sheet: str, required: Iterable[str]) -> SheetRows:
    """Read a worksheet of ``path`` made by this package, checking its header.

    Raises:
        SheetError: the file is missing, not a workbook, or lacks the sheet or a
            required column.
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise SheetError(f"{path}: no such file.")
    check_zip(path, kind="workbook")
    try:
        # read_only streams the rows: a study's sheet can hold thousands of segments.
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a damaged or foreign file
        raise SheetError(
            f"{name} is not an Excel workbook (.xlsx) that can be read ({type(exc).__name__}); "
            "save it as .xlsx and try again."
        ) from None
    try:
        return _read_rows(wb, name=name, sheet=sheet, required=required)
    finally:
        wb.close()


def _read_rows(wb, *, name: str, sheet: str, required: Iterable[str]) -> SheetRows:
    if sheet not in wb.sheetnames:
        raise SheetError(
            f"{name} has no sheet named {sheet!r}; import the workbook as it was "
            "exported (sheets can be edited, not renamed)."
        )
    ws = wb[sheet]
    # A workbook saved by another program may declare wrong dimensions, which would
    # cut rows short in read-only mode; read every cell that is there instead.
    ws.reset_dimensions()
    meta = {}
    if META_SHEET in wb.sheetnames:
        meta_ws = wb[META_SHEET]
        meta_ws.reset_dimensions()
        for key, value, *_ in meta_ws.iter_rows(min_col=1, max_col=2, values_only=True):
            if key is not None:
                meta[str(key).strip()] = "" if value is None else str(value).strip()
    header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
    result = SheetRows(file=name, sheet=sheet, columns={}, rows=[], meta=meta)
    for column, value in enumerate(header, start=1):
        if value is None or not str(value).strip():
            continue
        label = str(value).strip()
        key = label.lower() if label.lower() in RESERVED else label
        if key in result.columns:
            result.problem(
                1,
                column,
                f"column {label!r} appears twice (also column "
                f"{get_column_letter(result.columns[key])}); delete one of them.",
            )
            continue
        result.columns[key] = column
    missing = [c for c in required if c not in result.columns]
    if missing:
        raise SheetError(
            f"{name}, sheet {sheet}: the header row lacks the column(s) "
            f"{', '.join(missing)}; import the workbook as it was exported "
            "(columns may be hidden, not deleted)."
        )
    for row_number, values in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        values = list(values)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        result.rows.append((row_number, values))
    return result


def is_mark(value: Any) -> bool | None:
    """True for a mark, False for blank, None for anything else."""
    if value is None:
        return False
    if isinstance(value, bool):
        return True if value else None
    if isinstance(value, (int, float)):
        return True if value == 1 else None
    text = str(value).strip()
    if not text:
        return False
    return True if text in MARKS else None


def check_segments(project, sheet: SheetRows) -> dict[int, str]:
    """Check each row's segment id and text hash; returns segment ids by row number.

    Records a problem (with its cell) for a missing or unknown segment id, a repeated
    row, a text edited in the sheet and a text changed in the project since export.
    """
    known = project.store.documents.segment_texts()
    seen: dict[str, int] = {}
    out: dict[int, str] = {}
    # Ids whose text changed on a re-import carry "~N": the old id then names nothing.
    replaced = {k.split("~")[0] for k in known if "~" in k}
    text_col = "text" if "text" in sheet.columns else None
    for row, values in sheet.rows:
        raw = sheet.value(values, SEGMENT_COLUMN)
        sid = "" if raw is None else str(raw).strip()
        if not sid:
            sheet.problem(
                row,
                SEGMENT_COLUMN,
                "the row has no segment id; rows cannot be added to a coding sheet, "
                "only filled in (delete the row).",
            )
            continue
        if sid not in known and sid.split("~")[0] in replaced:
            sheet.problem(
                row,
                HASH_COLUMN,
                f"segment {sid} has changed in the project since this sheet was exported; "
                "export a new sheet and code that segment again.",
            )
            continue
        if sid not in known:
            sheet.problem(
                row,
                SEGMENT_COLUMN,
                f"segment id {sid} is not in the project; export a new sheet from this "
                "project (or delete the row).",
            )
            continue
        if sid in seen:
            sheet.problem(
                row,
                SEGMENT_COLUMN,
                f"segment {sid} appears again (first in row {seen[sid]}); delete one of the rows.",
            )
            continue
        seen[sid] = row
        stored = sheet.value(values, HASH_COLUMN)
        stored = "" if stored is None else str(stored).strip()
        shown = sheet.value(values, text_col) if text_col else None
        if text_col and text_hash("" if shown is None else str(shown)) != stored:
            sheet.problem(
                row,
                text_col,
                f"the text of segment {sid} was edited in the sheet; restore it (only code "
                "and memo cells may be changed).",
            )
            continue
        if stored != text_hash(known[sid]):
            sheet.problem(
                row,
                HASH_COLUMN,
                f"segment {sid} has changed in the project since this sheet was exported; "
                "export a new sheet and code that segment again.",
            )
            continue
        out[row] = sid
    return out


_SPLIT = re.compile(r"[,;\s]+")


def parse_code_list(text: Any) -> list[str]:
    """Code ids from a cell holding them separated by commas, semicolons or spaces."""
    if text is None:
        return []
    return [c for c in _SPLIT.split(str(text).strip()) if c]
