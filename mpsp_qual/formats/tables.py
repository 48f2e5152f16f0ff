"""Tables out of the project: CSV, JSON and the terminal, safely.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, and transcript text can start with any of them. Every table and workbook
the project writes goes through :func:`csv_safe` or :func:`set_text_cell`, so text
always arrives as text.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from mpsp_qual.core import vocab
from mpsp_qual.core.errors import OutputError
from mpsp_qual.core.files import atomic_path
from mpsp_qual.core.model import PathLike

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMATS = vocab.TABLE_FORMATS


def csv_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, prefixed with a quote mark."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def set_text_cell(cell, value: Any) -> None:
    """Assign a value to an openpyxl cell, keeping strings as text, never formulas."""
    # openpyxl turns any str starting with "=" into a formula; force the string type.
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def to_csv(frame: pd.DataFrame) -> str:
    """CSV text with formula-looking cells neutralised."""
    return frame.map(csv_safe).to_csv(index=False)


def to_json(frame: pd.DataFrame) -> str:
    """A JSON array of row objects (NaN becomes null)."""
    records = [{k: _jsonable(v) for k, v in row.items()} for row in frame.to_dict("records")]
    return json.dumps(records, ensure_ascii=False, indent=2, default=str)


def to_terminal(frame: pd.DataFrame, *, max_text: int = 60, width: int | None = 80) -> str:
    """A plain-text table for the terminal, no wider than ``width`` (None: all of it);
    see :func:`mpsp_qual.formats.terminal.fit_table`."""
    from mpsp_qual.formats.terminal import fit_table

    return fit_table(frame, width=width, max_text=max_text)


def render(frame: pd.DataFrame, fmt: str, *, width: int | None = 80) -> str:
    """The frame as ``table`` (fitted to ``width`` columns), ``csv`` or ``json`` text."""
    if fmt == "csv":
        return to_csv(frame)
    if fmt == "json":
        return to_json(frame) + "\n"
    return to_terminal(frame, width=width) + "\n"


def write_table(frame: pd.DataFrame, path: PathLike, fmt: str | None = None) -> Path:
    """Write a table to a ``.csv``, ``.json`` or ``.xlsx`` file, by its extension.

    Raises:
        OutputError: the extension is none of those, or contradicts ``fmt``.
    """
    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("csv", "json", "xlsx"):
        raise OutputError(
            f"{path.name}: a table can be written to .csv, .json or .xlsx; rename the output."
        )
    if fmt not in (None, "table", kind):
        raise OutputError(
            f"{path.name}: --format {fmt} does not match the file's extension; "
            f"drop --format or name the file .{fmt}."
        )
    if kind == "xlsx":
        from mpsp_qual.formats.excel import write_frames

        write_frames({"Table": frame}, path)
        return path
    with atomic_path(path) as tmp:
        tmp.write_text(render(frame, kind), encoding="utf-8")
    return path
