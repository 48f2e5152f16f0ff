"""Cells that stay text: the formula guard every table and workbook goes through.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, and transcript text can start with any of them. Every CSV cell goes
through :func:`csv_safe` and every workbook cell through :func:`set_text_cell`, so
text always arrives as text.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mpsp_qual.core.safe_text import printable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, prefixed with a quote mark; control
    characters (ESC, BEL...) replaced."""
    if isinstance(value, str):
        value = printable(value, keep="\t\n\r")
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every cell and every header cell neutralised by :func:`csv_safe`
    (register columns, coder names and code ids like ``-1-1`` are headers too)."""
    return frame.map(csv_safe).rename(columns=csv_safe)


def set_text_cell(cell, value: Any) -> None:
    """Assign a value to an openpyxl cell, keeping strings as text, never formulas."""
    # openpyxl turns any str starting with "=" into a formula; force the string type.
    # XML cannot hold most control characters: openpyxl would refuse the whole workbook.
    if isinstance(value, str):
        value = printable(value, keep="\t\n\r")
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
