"""Reading survey files: a CSV or XLSX file of responses as a frame of text.

A survey file has one row per respondent: a ``participant_id`` column, attribute
columns (sector, region, ...) and one column per statement. ``read_survey`` reads it
with every cell as text, whatever the file's encoding (UTF-8, with or without a
byte-order mark, or Windows-1252) or format, so that :mod:`mpsp_qual.analysis.survey` decides
what the answers mean. Header names and cells are stripped, blank rows and unnamed
blank columns dropped, and rows numbered as in the spreadsheet, so that every
:class:`~mpsp_qual.core.errors.SurveyError`, here and later, names the row or column to fix.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from mpsp_qual.core.errors import SurveyError
from mpsp_qual.core.limits import check_zip
from mpsp_qual.core.model import PathLike
from mpsp_qual.inputs.register import register_columns

__all__ = ["read_survey"]


def read_survey(path: PathLike, *, id_column: str = "participant_id") -> pd.DataFrame:
    """Read survey responses from a CSV or XLSX file, every cell as text.

    CSV files may be UTF-8 (with or without a byte-order mark) or Windows-1252;
    XLSX files are read from their first sheet. Header names and cells are
    stripped of surrounding whitespace, blank cells are ``""`` (never NaN), and
    wholly blank rows, and wholly blank columns without a header, are dropped.

    The frame is indexed by spreadsheet row number (index name ``"row"``; the
    header is row 1 unless blank rows sit above it) so that later messages can point at the row to fix; the file name
    is kept in ``df.attrs["source"]``.

    Args:
        path: The ``.csv`` or ``.xlsx`` file.
        id_column: The column that identifies each respondent.

    Returns:
        One row per response, columns as in the file, all of dtype ``str``.

    Raises:
        SurveyError: If the file is missing, empty, not CSV/XLSX or unreadable,
            has no ``id_column``, a header that is blank or repeated, a response
            without an id, or an id used on more than one row.
    """
    name = os.fspath(path)
    file = Path(name)
    suffix = file.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise SurveyError(
            f"{name}: unknown survey file type {file.suffix or '(none)'!r}; "
            "save the survey as .csv or .xlsx"
        )
    if not file.is_file():
        raise SurveyError(f"{name}: survey file not found; check the path")
    raw = _read_csv(file, name) if suffix == ".csv" else _read_xlsx(file, name)
    df = _with_header(raw, name)
    mistaken = register_columns(df.columns)
    if mistaken:
        raise SurveyError(
            f"{name} is a participants register (it has the columns {', '.join(mistaken)}), "
            "not survey responses; give the survey file (one column per statement), and load "
            "the register with {hint}.",
            hint="register FILE",
        )
    if id_column not in df.columns:
        found = ", ".join(f'"{c}"' for c in df.columns)
        raise SurveyError(
            f'{name}: no "{id_column}" column (found {found}); '
            f'add a "{id_column}" column with one id per response'
        )
    ids = df[id_column]
    blank = ids.index[ids == ""].tolist()
    if blank:
        raise SurveyError(
            f"{name}: {_rows_phrase(blank)} {'has' if len(blank) == 1 else 'have'} "
            f"no {id_column}; give every response an id"
        )
    repeated = ids[ids.duplicated(keep=False)]
    if not repeated.empty:
        parts = [
            f'"{value}" on rows {", ".join(str(r) for r in rows.index)}'
            for value, rows in repeated.groupby(repeated, sort=False)
        ]
        raise SurveyError(
            f"{name}: duplicate {id_column} {'; '.join(parts)}; "
            "give each response its own id or remove the repeated rows"
        )
    df.attrs["source"] = name
    df.attrs["id_column"] = id_column
    return df


def _read_csv(file: Path, name: str) -> pd.DataFrame:
    data = file.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise SurveyError(
                f"{name}: byte {exc.start + 1} is neither UTF-8 nor Windows-1252; "
                "save the file as CSV UTF-8"
            ) from None
    if not text.strip():
        raise SurveyError(f"{name}: the survey file is empty; export the responses again")
    try:
        # header=None and skip_blank_lines=False keep record numbers equal to
        # spreadsheet row numbers; the header is taken in _with_header.
        return pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SurveyError(
            f"{name}: cannot be read as CSV ({str(exc).strip()}); "
            "check that every row has as many commas as the header"
        ) from None


def _read_xlsx(file: Path, name: str) -> pd.DataFrame:
    check_zip(file, kind="workbook")
    try:
        return pd.read_excel(
            file, sheet_name=0, header=None, dtype=str, keep_default_na=False, engine="openpyxl"
        )
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SurveyError(
            f"{name}: cannot be read as an Excel workbook ({exc}); "
            "open it in Excel and save it again as .xlsx"
        ) from None


def _with_header(raw: pd.DataFrame, name: str) -> pd.DataFrame:
    """Strip cells, take the first non-blank row as header and number rows from 1."""
    raw = raw.fillna("").astype(str).apply(lambda column: column.str.strip())
    raw.index = range(1, len(raw) + 1)
    nonblank = raw.index[(raw != "").any(axis=1)]
    if len(nonblank) == 0:
        raise SurveyError(f"{name}: the survey file is empty; export the responses again")
    header_row = int(nonblank[0])
    header = raw.loc[header_row].tolist()
    body = raw.loc[header_row + 1 :]
    body = body[(body != "").any(axis=1)]
    keep = []
    for position, title in enumerate(header):
        if title:
            keep.append(position)
        elif (body.iloc[:, position] != "").any():
            raise SurveyError(
                f"{name}: column {_column_letter(position)} has answers but no header "
                f"in row {header_row}; give the column a name"
            )
    titles = [header[p] for p in keep]
    repeated = sorted({t for t in titles if titles.count(t) > 1})
    if repeated:
        raise SurveyError(
            f"{name}: column {', '.join(repeated)} appears more than once in the header; "
            "give every column its own name"
        )
    df = body.iloc[:, keep].copy()
    df.columns = titles
    if df.empty:
        raise SurveyError(f"{name}: the survey has a header but no responses; add the responses")
    # Keep the spreadsheet's own row numbers, even when blank rows sit above the header.
    df.index = pd.Index(df.index, name="row")
    return df


def _column_letter(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _rows_phrase(rows: Sequence[int]) -> str:
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(str(r) for r in rows)
