"""The one rounding rule for figures people read: halves round up, everywhere.

Python's ``f"{0.625:.0%}"`` prints 62% (it rounds the binary float half to even), while
Excel and LibreOffice show the same cell formatted ``0%`` as 63%. Every figure printed in
the terminal, a Word document or a chart label goes through :func:`percent` (or
:func:`round_half_up`), which rounds as the spreadsheets do, so one figure reads the same
in every output: 5 of 8 participants is 63% in each.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["is_percent_column", "percent", "percent_value", "round_half_up"]


def round_half_up(value: float, digits: int = 0) -> float:
    """``value`` rounded to ``digits`` decimals, halves away from zero (2.5 -> 3, 0.125 -> 0.13).

    The float is read by its shortest repr (``0.285`` as 0.285, not 0.28499...), as a
    spreadsheet reads the number it shows.
    """
    if value is None or not math.isfinite(value):
        return value
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def percent_value(fraction: float, digits: int = 0) -> float:
    """A fraction as a percentage number rounded half up (0.625 -> 63.0)."""
    return round_half_up(float(Decimal(repr(float(fraction))) * 100), digits)


def percent(fraction: float | None, digits: int = 0) -> str:
    """A fraction as percentage text rounded half up: ``0.625`` -> ``"63%"``; NaN -> ``""``."""
    if fraction is None or not math.isfinite(fraction):
        return ""
    value = percent_value(fraction, digits)
    return f"{value:.{digits}f}%"


def is_percent_column(name: object) -> bool:
    """Columns holding fractions shown as percentages: ``pct_*``, ``ci_low``, ``ci_high``,
    and names ending in ``%``."""
    text = str(name)
    return text.startswith("pct") or text in ("ci_low", "ci_high") or text.endswith("%")
