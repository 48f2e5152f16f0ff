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

import random
from collections.abc import Iterable
from typing import Any

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from mpsp_qual.core.errors import InputError, ProjectError
from mpsp_qual.core.files import atomic_path
from mpsp_qual.core.model import AUTO_CODER, PathLike
from mpsp_qual.formats.cells import set_text_cell
from mpsp_qual.formats.sheet_io import (
    CODEBOOK_SHEET,
    HASH_COLUMN,
    HEADER_FILL,
    HEADER_FONT,
    LEFT_COLUMNS,
    LINE_HEIGHT,
    MARKS,
    MAX_ROW_HEIGHT,
    MEMO_COLUMN,
    META_SHEET,
    RESERVED,
    SEGMENT_COLUMN,
    TEXT_WIDTH,
    check_segments,
    is_mark,
    read_rows,
    row_height,
    sheet_text,
    text_hash,
    write_codebook_sheet,
    write_meta_sheet,
)
from mpsp_qual.store.db import now

__all__ = [
    "CODING_SHEET",
    "MARKS",
    "export_sheet",
    "import_sheet",
    "text_hash",
]

#: Name of the worksheet holding the segments.
CODING_SHEET = "Coding"
FORMAT_NAME = "mpsp-qual coding sheet"

WIDTHS = {"document": 22, "speaker": 16, "timestamp": 10, "text": TEXT_WIDTH, "memo": 40}
CODE_WIDTH = 5


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
                "the project has no auto codes to suggest; run {hint} first, "
                "or leave out the suggestions.",
                hint="autocode",
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
            "exported_at": now(),
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
        raise InputError(
            "the coding sheet does not say whose it is (its hidden meta sheet is missing); "
            "pass --coder NAME."
        )
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
                f"no document {unknown[0]!r} in the project; {{hint}} lists them.",
                hint="documents",
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
    return project.store.codings.coded_with(coder)


def _describe(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 30 else text[:29] + "…")


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
    withdrawn = project.store.documents.segment_ids_where(interviewer=True, withdrawn=True)
    interviewer = project.store.documents.segment_ids_where(interviewer=True)
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
