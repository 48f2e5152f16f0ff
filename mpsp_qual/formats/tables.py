"""Tables out of the project: CSV, JSON and the terminal, safely.

Every table goes through :func:`~mpsp_qual.formats.cells.csv_safe` on its way to a
CSV file, so that text a spreadsheet would run as a formula arrives as text; ``.xlsx``
tables are laid out by :mod:`mpsp_qual.formats.excel`.
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
from mpsp_qual.core.safe_text import printable
from mpsp_qual.formats.cells import FORMULA_PREFIXES, csv_frame, csv_safe, set_text_cell

FORMATS = vocab.TABLE_FORMATS

__all__ = [
    "FORMATS",
    "FORMULA_PREFIXES",
    "csv_frame",
    "csv_safe",
    "render",
    "set_text_cell",
    "to_csv",
    "to_json",
    "to_terminal",
    "write_table",
]


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
    return csv_frame(frame).to_csv(index=False)


def to_json(frame: pd.DataFrame) -> str:
    """A JSON array of row objects (NaN becomes null)."""
    records = [{k: _jsonable(v) for k, v in row.items()} for row in frame.to_dict("records")]
    return json.dumps(records, ensure_ascii=False, indent=2, default=str)


def to_terminal(frame: pd.DataFrame, *, max_text: int = 60, width: int | None = 80) -> str:
    """A plain-text table for the terminal, no wider than ``width`` (None: all of it);
    see :func:`mpsp_qual.formats.terminal.fit_table`."""
    from mpsp_qual.formats.terminal import fit_table

    # A terminal runs ESC sequences and rings BEL: cells and headers are text from the user.
    clean = frame.map(_printable).rename(columns=_printable)
    return fit_table(clean, width=width, max_text=max_text)


def _printable(value: Any) -> Any:
    return printable(value) if isinstance(value, str) else value


def render(frame: pd.DataFrame, fmt: str, *, width: int | None = 80) -> str:
    """The frame as ``table`` (fitted to ``width`` columns), ``csv`` or ``json`` text."""
    if fmt == "csv":
        return to_csv(frame)
    if fmt == "json":
        return to_json(frame) + "\n"
    return to_terminal(frame, width=width) + "\n"


def write_table(
    frame: pd.DataFrame, path: PathLike, fmt: str | None = None, *, internal: bool = False
) -> Path:
    """Write a table to a ``.csv``, ``.json`` or ``.xlsx`` file, by its extension.

    With ``internal`` (a table holding participants' words or names not cleared for
    quoting), an ``.xlsx`` says :data:`~mpsp_qual.formats.internal.INTERNAL_MARK` in a
    banner row and on every printed page; a ``.csv`` or ``.json`` file has no pages to
    say it on, so the caller says it (the command line does, on stderr).

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

        write_frames({"Table": frame}, path, internal=internal)
        return path
    with atomic_path(path) as tmp:
        tmp.write_text(render(frame, kind), encoding="utf-8")
    return path
