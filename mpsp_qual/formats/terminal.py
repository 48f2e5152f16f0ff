"""Tables for an 80-column terminal: percentages as percentages, long text shortened, wide
tables wrapped into blocks.

:func:`fit_table` renders a DataFrame as plain text no wider than ``width``: fraction columns
(``pct_*``, ``ci_low``, ``ci_high``, names ending in ``%``) print as whole percentages rounded
half up (:func:`mpsp_qual.core.numbers.percent`), moved up beside the columns that say what
a row is about; text is put on one line and cut with "…",
the longest text columns first, down to :data:`MIN_TEXT` characters (never the first
column, which names the row); a table still too wide
(a code x code matrix) is printed in blocks of columns, each repeating the first column so
that every row can still be read. ``width=None`` prints everything on one line per row.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mpsp_qual.core.numbers import is_percent_column, percent

__all__ = ["MIN_TEXT", "WIDTH", "fit_table"]

WIDTH = 80
#: Text columns are never cut below this many characters.
MIN_TEXT = 12


def _one_line(value: Any) -> Any:
    return " ".join(value.split()) if isinstance(value, str) else value


def _cut(value: Any, limit: int) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """Percent columns as text, text on one line."""
    shown = frame.copy()
    for column in shown.columns:
        if is_percent_column(column) and pd.api.types.is_numeric_dtype(shown[column]):
            shown[column] = [percent(v) if pd.notna(v) else "" for v in shown[column]]
        elif _is_text(shown[column]):
            shown[column] = shown[column].map(_one_line).astype(object)
    return shown


def _is_text(series: pd.Series) -> bool:
    return bool(series.map(lambda v: isinstance(v, str)).any())


def _headline_first(frame: pd.DataFrame) -> pd.DataFrame:
    """Percent columns moved up beside the leading text columns (what a row is about), so
    that the figure people read is in the first block of a wrapped table."""
    columns = list(frame.columns)
    lead = 0
    while lead < len(columns) and _is_text(frame[columns[lead]]):
        lead += 1
    pct = [c for c in columns[lead:] if is_percent_column(c)]
    rest = [c for c in columns[lead:] if c not in pct]
    return frame[[*columns[:lead], *pct, *rest]]


def _text(frame: pd.DataFrame) -> str:
    with pd.option_context(
        "display.max_rows", None, "display.max_columns", None, "display.width", 100_000
    ):
        return frame.to_string(index=False, na_rep="")


def _widest(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


def fit_table(frame: pd.DataFrame, *, width: int | None = WIDTH, max_text: int = 60) -> str:
    """``frame`` as a plain-text table no wider than ``width`` (None: as wide as it is)."""
    if frame.empty:
        return "(none)"
    shown = _shown(_headline_first(frame))
    limits = {c: max_text for c in shown.columns if _is_text(shown[c])}
    cut = shown.copy()
    for column, limit in limits.items():
        cut[column] = shown[column].map(lambda v, n=limit: _cut(v, n))
    text = _text(cut)
    if width is None:
        return text
    while _widest(text) > width:
        lengths = {
            c: int(cut[c].map(lambda v: len(v) if isinstance(v, str) else 0).max()) for c in limits
        }
        shrinkable = {c: n for c, n in lengths.items() if n > MIN_TEXT}
        # The first column says which row this is (an id): it is repeated in blocks rather
        # than cut.
        shrinkable = {c: n for c, n in shrinkable.items() if c != cut.columns[0]}
        if not shrinkable:
            break
        column = max(shrinkable, key=shrinkable.get)
        over = _widest(text) - width
        limits[column] = max(MIN_TEXT, shrinkable[column] - over)
        cut[column] = shown[column].map(lambda v, n=limits[column]: _cut(v, n))
        text = _text(cut)
    if _widest(text) <= width or len(cut.columns) < 3:
        return text
    return _blocks(cut, width)


def _blocks(frame: pd.DataFrame, width: int) -> str:
    """The columns in blocks that each fit ``width``, the first column repeated in each."""
    key, rest = frame.columns[0], list(frame.columns[1:])
    narrowest = min(_widest(_text(frame[[key, c]])) for c in rest)
    if narrowest > width and _is_text(frame[key]):  # even the id and one figure do not fit
        over = narrowest - width
        limit = max(MIN_TEXT, int(frame[key].map(lambda v: len(str(v))).max()) - over)
        frame = frame.assign(**{key: frame[key].map(lambda v: _cut(v, limit))})
    blocks, current = [], []
    for column in rest:
        trial = frame[[key, *current, column]]
        if current and _widest(_text(trial)) > width:
            blocks.append(current)
            current = [column]
        else:
            current.append(column)
    if current:
        blocks.append(current)
    return "\n\n".join(_text(frame[[key, *block]]) for block in blocks)
