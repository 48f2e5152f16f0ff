"""Cells that stay text: the formula guard every table and workbook goes through.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, and transcript text can start with any of them. Every CSV cell goes
through :func:`csv_safe` and every workbook cell through :func:`set_text_cell`, so
text always arrives as text.
"""

from __future__ import annotations

from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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
