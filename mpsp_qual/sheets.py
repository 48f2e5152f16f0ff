"""Coding sheets: an Excel workbook a human coder fills in, and its import.

:func:`export_sheet` writes one row per participant segment (the interviewer and
withdrawn participants are left out): document, speaker, timestamp, the text, one
column per codable code headed by its id with an ``x``-or-blank dropdown, and a
memo column. The segment id and a hash of its text sit in hidden columns at the
right; a second sheet holds the codebook (names, descriptions, include and exclude
guidance) and a hidden ``meta`` sheet names the coder, so that :func:`import_sheet`
knows whose codings these are. The import checks the whole sheet before recording
anything and refuses it, listing every problem by cell, when a segment id is
unknown, a text was edited or changed in the project, a column is not a codable
code, a cell holds anything but a mark or blank, or a row is repeated. Every row
of the sheet counts as coded: a row left without marks records "coded, no code",
which is what agreement statistics need, so a coder who stops half-way should
delete the rows not yet coded.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .errors import InputError, ProjectError, SheetError
from .export.tables import set_text_cell
from .files import atomic_path
from .model import AUTO_CODER, PathLike

__all__ = [
    "CODING_SHEET",
    "MARKS",
    "export_sheet",
    "import_sheet",
    "text_hash",
]

#: Name of the worksheet holding the segments.
CODING_SHEET = "Coding"
CODEBOOK_SHEET = "Codebook"
META_SHEET = "meta"
FORMAT_NAME = "mpsp-qual coding sheet"

#: What a code cell may hold to apply the code (after trimming spaces); blank means not.
MARKS = frozenset({"x", "X", "1"})

LEFT_COLUMNS = ("document", "speaker", "timestamp", "text")
SEGMENT_COLUMN = "segment_id"
HASH_COLUMN = "text_sha256"
MEMO_COLUMN = "memo"
RESERVED = frozenset({*LEFT_COLUMNS, MEMO_COLUMN, SEGMENT_COLUMN, HASH_COLUMN})

TEXT_WIDTH = 80
WIDTHS = {"document": 22, "speaker": 16, "timestamp": 10, "text": TEXT_WIDTH, "memo": 40}
CODE_WIDTH = 5
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


# -- export ---------------------------------------------------------------------------


def export_sheet(
    project,
    path: PathLike,
    *,
    coder: str,
    documents: Iterable[str] | None = None,
    sample: float | None = None,
    seed: int | None = None,
    with_suggestions: bool = False,
) -> int:
    """Write a coding sheet for ``coder``; returns the number of segment rows.

    The coder's own codings and memos, where they have coded a segment before, are
    filled in, so that a sheet can be exported again and finished. Auto codes are
    only shown with ``with_suggestions`` (and then only on segments the coder has
    not coded), so that a second coder works blind by default.

    Args:
        project: the open Project.
        path: the ``.xlsx`` file to write (whole or not at all).
        coder: the coder's name, stored in the workbook for the import.
        documents: only these documents (file names); default all.
        sample: a fraction in (0, 1]: a random sample of that share of the segments
            (at least one), for a reliability sample.
        seed: the random seed of the sample; the same seed and project give the same
            sample.
        with_suggestions: pre-fill the auto coder's codes.

    Returns:
        How many segment rows the sheet holds.

    Raises:
        InputError: the coder name is empty or ``auto``.
        ProjectError: an unknown document, no participant segments to code, or no
            auto codes to suggest.
        ValueError: ``sample`` outside (0, 1].

    Example:
        >>> export_sheet(project, "bob.xlsx", coder="bob", sample=0.3, seed=7)  # the sample
        31
    """
    coder = _check_coder(coder)
    documents = list(documents) if documents else None
    if sample is not None and not 0 < sample <= 1:
        raise ValueError(f"sample must be a fraction in (0, 1], not {sample!r}")
    codebook = project.codebook
    codes = codebook.codable()
    clash = [c.id for c in codes if c.id in RESERVED]
    if clash:
        raise ProjectError(
            f"code id {clash[0]!r} is also a column name of the coding sheet; rename the code."
        )
    segments = _chosen_segments(project, documents=documents, sample=sample, seed=seed)
    own = _marks_of(project, coder)
    own_coded = set(project.coded_segments(coder))
    memos = {r.segment_id: r.memo for r in project.memos(coder=coder).itertuples(index=False)}
    suggested: dict[str, set[str]] = {}
    if with_suggestions:
        if AUTO_CODER not in project.coders():
            raise ProjectError(
                "the project has no auto codes to suggest; run `mpsp-qual autocode` first, "
                "or leave out --with-suggestions."
            )
        suggested = _marks_of(project, AUTO_CODER)

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = CODING_SHEET
    headers = [*LEFT_COLUMNS, *(c.id for c in codes), MEMO_COLUMN, SEGMENT_COLUMN, HASH_COLUMN]
    for col, name in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=col)
        set_text_cell(cell, name)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="bottom", wrap_text=False)
    first_code = len(LEFT_COLUMNS) + 1
    for offset, code in enumerate(codes):
        cell = ws.cell(row=1, column=first_code + offset)
        cell.alignment = Alignment(text_rotation=90, horizontal="center")
        cell.comment = Comment(f"{code.name}\n(see the Codebook sheet)", "mpsp-qual")
    memo_col = first_code + len(codes)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    centre = Alignment(horizontal="center", vertical="top")

    for row, seg in enumerate(segments, start=2):
        sid = seg["segment_id"]
        text = sheet_text(seg["text"])
        values = [seg["document"], seg["speaker"], seg["start_time"] or "", text]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col)
            set_text_cell(cell, value)
            cell.alignment = wrap_top if col == 4 else top
        marks = own.get(sid, set()) if sid in own_coded else suggested.get(sid, set())
        for offset, code in enumerate(codes):
            cell = ws.cell(row=row, column=first_code + offset)
            if code.id in marks:
                set_text_cell(cell, "x")
            cell.alignment = centre
        memo = ws.cell(row=row, column=memo_col)
        if memos.get(sid) and sid in own_coded:
            set_text_cell(memo, sheet_text(memos[sid]))
        memo.alignment = wrap_top
        set_text_cell(ws.cell(row=row, column=memo_col + 1), sid)
        set_text_cell(ws.cell(row=row, column=memo_col + 2), text_hash(seg["text"]))
        ws.row_dimensions[row].height = row_height(text)

    last_row = max(len(segments) + 1, 2)
    if codes:
        dv = DataValidation(
            type="list",
            formula1='"x"',
            allow_blank=True,
            showDropDown=False,
            showErrorMessage=True,
            errorTitle="Mark or blank",
            error="Type x to apply this code, or leave the cell blank.",
            promptTitle="Apply this code?",
            prompt="x = the code applies; blank = it does not.",
            showInputMessage=False,
        )
        dv.add(
            f"{get_column_letter(first_code)}2:"
            f"{get_column_letter(first_code + len(codes) - 1)}{last_row}"
        )
        ws.add_data_validation(dv)
    for col, name in enumerate(headers, start=1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = WIDTHS.get(name, CODE_WIDTH)
    for col in (memo_col + 1, memo_col + 2):
        ws.column_dimensions[get_column_letter(col)].width = 24
        ws.column_dimensions[get_column_letter(col)].hidden = True
    ws.row_dimensions[1].height = max(
        LINE_HEIGHT, min(MAX_ROW_HEIGHT, 7 * max((len(c.id) for c in codes), default=1))
    )
    ws.freeze_panes = ws.cell(row=2, column=first_code)
    ws.auto_filter.ref = f"A1:{get_column_letter(memo_col)}{last_row}"

    write_codebook_sheet(wb.create_sheet(CODEBOOK_SHEET), codebook)
    write_meta_sheet(
        wb.create_sheet(META_SHEET),
        {
            "format": FORMAT_NAME,
            "format_version": "1",
            "coder": coder,
            "codebook": codebook.name,
            "codebook_version": codebook.version,
            "exported_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
            "segments": str(len(segments)),
            "documents": ", ".join(documents) if documents else "all",
            "sample": "" if sample is None else str(sample),
            "seed": "" if seed is None else str(seed),
            "suggestions": "auto" if with_suggestions else "none",
        },
    )
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return len(segments)


def _check_coder(coder: str) -> str:
    name = (coder or "").strip()
    if not name:
        raise InputError("the coder name is empty; pass --coder NAME.")
    if name == AUTO_CODER:
        raise InputError(
            f"the coder name {AUTO_CODER!r} is reserved for auto-coding; choose another name."
        )
    return name


def _chosen_segments(project, *, documents, sample, seed) -> list[dict[str, Any]]:
    frame = project.segments(participants_only=True, include_withdrawn=False)
    if documents:
        wanted = list(dict.fromkeys(documents))
        known = set(project.documents()["document"])
        unknown = [d for d in wanted if d not in known]
        if unknown:
            raise ProjectError(
                f"no document {unknown[0]!r} in the project; `mpsp-qual documents` lists them."
            )
        frame = frame[frame["document"].isin(wanted)]
    if frame.empty:
        raise ProjectError(
            "there are no participant segments to put in a coding sheet; import transcripts "
            "and a participants register first."
        )
    rows = frame.to_dict("records")
    if sample is not None and sample < 1:
        n = max(1, round(sample * len(rows)))
        picked = sorted(random.Random(seed).sample(range(len(rows)), n))
        rows = [rows[i] for i in picked]
    return rows


def _marks_of(project, coder: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for sid, code in project.store.execute(
        "SELECT segment_id, code FROM codings WHERE coder = ?", (coder,)
    ):
        out.setdefault(sid, set()).add(code)
    return out


def row_height(text: str) -> float:
    """A row height in points that shows ``text`` wrapped in the text column."""
    # openpyxl cannot measure text; estimate the wrapped lines so rows open readable.
    lines = sum(max(1, math.ceil(len(p) / (TEXT_WIDTH * 1.1))) for p in text.split("\n"))
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
            f"{name} has no sheet named {sheet!r}; import the workbook that "
            "`mpsp-qual` exported (sheets can be edited, not renamed)."
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
            f"{', '.join(missing)}; import the workbook as `mpsp-qual` exported it "
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


def _describe(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 30 else text[:29] + "…")


def check_segments(project, sheet: SheetRows) -> dict[int, str]:
    """Check each row's segment id and text hash; returns segment ids by row number.

    Records a problem (with its cell) for a missing or unknown segment id, a repeated
    row, a text edited in the sheet and a text changed in the project since export.
    """
    known = {
        r["segment_id"]: r["text"]
        for r in project.store.execute("SELECT segment_id, text FROM segment_view")
    }
    seen: dict[str, int] = {}
    out: dict[int, str] = {}
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


# -- import -----------------------------------------------------------------------------


def import_sheet(project, path: PathLike, *, coder: str | None = None) -> dict[str, Any]:
    """Record a filled coding sheet as its coder's codings and memos.

    The coder is the one named in the sheet (written there by :func:`export_sheet`);
    ``coder``, when given, must match it, and names the coder of a sheet that has
    lost its hidden ``meta`` sheet. The whole sheet is checked first; if anything is
    wrong nothing is recorded. Importing a coder's sheet again replaces that coder's
    codings and memos on the segments it holds. Rows of withdrawn participants are
    skipped (and counted in the summary). One transaction, one audit log entry.

    Args:
        project: the open Project.
        path: the filled ``.xlsx``.
        coder: the coder's name, to check against the sheet (or supply it).

    Returns:
        A summary: ``coder``, ``file``, ``segments`` (rows recorded as coded),
        ``codings``, ``memos``, ``skipped_withdrawn`` (segment ids) and
        ``missing_codes`` (codable codes the sheet has no column for, e.g. added to the
        codebook since the export; they are recorded as not applied).

    Raises:
        SheetError: the sheet cannot be imported; ``problems`` lists each cell.
        InputError: the coder is missing, reserved or does not match the sheet's.
    """
    sheet = read_rows(path, sheet=CODING_SHEET, required=(SEGMENT_COLUMN, HASH_COLUMN, "text"))
    named = sheet.meta.get("coder", "")
    if coder and named and coder.strip() != named:
        raise InputError(
            f"{sheet.file} is {named}'s coding sheet, not {coder.strip()}'s; leave out "
            "--coder or give the right file."
        )
    who = _check_coder(coder or named)
    codebook = project.codebook
    codable = {c.id for c in codebook.codable()}
    code_columns: dict[str, int] = {}
    for label, col in sheet.columns.items():
        if label in RESERVED:
            continue
        if label in codable:
            code_columns[label] = col
        elif label in codebook:
            sheet.problem(
                1,
                col,
                f"column {label!r} is a grouping code, which cannot be applied; delete the "
                "column or code its sub-codes.",
            )
        else:
            sheet.problem(
                1,
                col,
                f"column {label!r} is not a code in the codebook; delete the column, or "
                "add the code to the codebook first.",
            )
    # A code added to the codebook after the export has no column: the coder never saw
    # it, so say so rather than refuse work already done.
    missing = [c.id for c in codebook.codable() if c.id not in code_columns]
    rows = check_segments(project, sheet)
    withdrawn = {
        r[0]
        for r in project.store.execute(
            "SELECT segment_id FROM segment_view WHERE participant_id IS NULL OR withdrawn = 1"
        )
    }
    interviewer = {
        r[0]
        for r in project.store.execute(
            "SELECT segment_id FROM segment_view WHERE participant_id IS NULL"
        )
    }
    codings: list[tuple[str, str, None]] = []
    memos: dict[str, str] = {}
    coded: list[str] = []
    skipped: list[str] = []
    for row, values in sheet.rows:
        marked = []
        for code_id, col in code_columns.items():
            value = values[col - 1] if col - 1 < len(values) else None
            mark = is_mark(value)
            if mark is None:
                sheet.problem(
                    row,
                    col,
                    f"{_describe(value)} is not a mark; put x (or 1) to apply {code_id}, "
                    "or leave the cell blank.",
                )
            elif mark:
                marked.append(code_id)
        sid = rows.get(row)
        if sid is None:
            continue
        if sid in interviewer:
            sheet.problem(
                row,
                SEGMENT_COLUMN,
                f"segment {sid} is not a participant's (interviewer turns are not coded); "
                "delete the row.",
            )
            continue
        if sid in withdrawn:
            skipped.append(sid)
            continue
        coded.append(sid)
        codings.extend((sid, code_id, None) for code_id in marked)
        memo = sheet.value(values, MEMO_COLUMN) if MEMO_COLUMN in sheet.columns else None
        if memo is not None and str(memo).strip():
            memos[sid] = str(memo).strip()
    sheet.fail()
    n = project.record_codings(
        who,
        codings,
        segments=coded,
        memos=memos,
        action="sheet import",
        detail={
            "file": sheet.file,
            "memos": len(memos),
            "skipped_withdrawn": len(skipped),
            "missing_codes": missing,
        },
    )
    return {
        "coder": who,
        "file": sheet.file,
        "segments": len(coded),
        "codings": n,
        "memos": len(memos),
        "skipped_withdrawn": skipped,
        "missing_codes": missing,
    }


_SPLIT = re.compile(r"[,;\s]+")


def parse_code_list(text: Any) -> list[str]:
    """Code ids from a cell holding them separated by commas, semicolons or spaces."""
    if text is None:
        return []
    return [c for c in _SPLIT.split(str(text).strip()) if c]
