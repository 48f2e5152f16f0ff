"""Coding sheets: an Excel workbook a human coder fills in, and its import.

:func:`export_sheet` writes a Read me sheet stating the rules, then one row per
participant segment (the interviewer and withdrawn participants are left out):
document, speaker, timestamp, the interviewer's question before it, the text, a
``done`` and a ``no code applies`` column, one column per codable code headed by its
name and id (coloured by theme, its definition in the heading's comment) with an
``x``-or-blank dropdown, and a memo column. The segment id and a hash of its text sit
in hidden columns at the right; a Codebook sheet holds the guidance and a hidden
``meta`` sheet names the coder, so that :func:`import_sheet` knows whose codings these
are. The import checks the whole sheet before recording anything and refuses it,
listing every problem by cell, when a segment id is unknown, a text was edited or
changed in the project, a column is not a codable code, a cell holds anything but a
mark or blank, a row says "no code applies" and codes something, or a row is repeated.
Only rows marked done (or "no code applies") count as coded: an untouched sheet
records nothing, and a coder who stops half-way imports only what they finished.

A coding sheet holds every participant's words, those who declined quotes included: it is
a working file of the team, so its Read me opens with
:data:`~mpsp_qual.formats.internal.INTERNAL_MARK` and every printed page of every sheet
carries it (:func:`~mpsp_qual.formats.internal.mark_workbook`); the command line writes
one only with ``--internal``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from typing import Any

import openpyxl
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from mpsp_qual.core.errors import InputError, ProjectError, SheetError
from mpsp_qual.core.files import atomic_path
from mpsp_qual.core.model import AUTO_CODER, PathLike
from mpsp_qual.formats.cells import set_text_cell
from mpsp_qual.formats.internal import BANNER_FILL, BANNER_FONT, INTERNAL_MARK, mark_workbook
from mpsp_qual.formats.sheet_io import (
    CODEBOOK_SHEET,
    DONE_COLUMN,
    HASH_COLUMN,
    HEADER_FILL,
    HEADER_FONT,
    LEFT_COLUMNS,
    LINE_HEIGHT,
    MARK_WORDS,
    MARKS,
    MAX_ROW_HEIGHT,
    MEMO_COLUMN,
    META_SHEET,
    NONE_COLUMN,
    QUESTION_COLUMN,
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

README_SHEET = "Read me"
WIDTHS = {"document": 22, "speaker": 16, "timestamp": 10, "text": TEXT_WIDTH, "memo": 40}
CODE_WIDTH = 5
MARK_FILL = PatternFill("solid", fgColor="FFE08A")
#: Light tints for the themes' header cells, where the codebook gives no colour.
THEME_TINTS = ("DCEBF7", "E2F0D9", "FCE4D6", "EADCF0", "FFF2CC", "DDEEEE", "F2DCDB", "E7E6E6")


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

    questions = _questions(project, segments)
    wb = openpyxl.Workbook()
    write_readme_sheet(wb.active, coder=coder, rows=len(segments), codes=len(codes))
    ws = wb.create_sheet(CODING_SHEET)
    wb.active = wb.index(ws)
    left = [*LEFT_COLUMNS[:3], QUESTION_COLUMN, LEFT_COLUMNS[3], DONE_COLUMN, NONE_COLUMN]
    headers = [*left, *(code_header(c) for c in codes), MEMO_COLUMN, SEGMENT_COLUMN, HASH_COLUMN]
    for col, name in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=col)
        set_text_cell(cell, name)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="bottom", wrap_text=True)
    first_code = len(left) + 1
    done_col = left.index(DONE_COLUMN) + 1
    fills = _theme_fills(codebook, codes)
    for offset, code in enumerate(codes):
        cell = ws.cell(row=1, column=first_code + offset)
        cell.alignment = Alignment(text_rotation=90, horizontal="center", wrap_text=True)
        cell.fill = fills[code.id]
        cell.comment = Comment(_definition(codebook, code), "mpsp-qual", width=320, height=200)
    for col in (done_col, done_col + 1):
        ws.cell(row=1, column=col).alignment = Alignment(
            text_rotation=90, horizontal="center", wrap_text=True
        )
    ws.cell(row=1, column=done_col).comment = Comment(
        f"Put {MARK_WORDS} here when you have finished this row. Only rows marked done "
        "(or 'no code applies') are recorded.",
        "mpsp-qual",
    )
    memo_col = first_code + len(codes)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    centre = Alignment(horizontal="center", vertical="top")
    text_cols = {left.index(QUESTION_COLUMN) + 1, left.index("text") + 1}

    for row, seg in enumerate(segments, start=2):
        sid = seg["segment_id"]
        text = sheet_text(seg["text"])
        question = sheet_text(questions.get(sid, ""))
        values = [seg["document"], seg["speaker"], seg["start_time"] or "", question, text]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col)
            set_text_cell(cell, value)
            cell.alignment = wrap_top if col in text_cols else top
        marks = own.get(sid, set()) if sid in own_coded else suggested.get(sid, set())
        for col in (done_col, done_col + 1):
            ws.cell(row=row, column=col).alignment = centre
        if sid in own_coded:
            set_text_cell(ws.cell(row=row, column=done_col + (0 if marks else 1)), "x")
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
        ws.row_dimensions[row].height = max(row_height(text), row_height(question, width=40))

    last_row = max(len(segments) + 1, 2)
    dv = DataValidation(
        type="list",
        formula1='"x"',
        allow_blank=True,
        showDropDown=False,
        showErrorMessage=True,
        errorTitle="Mark or blank",
        error=f"Type {MARK_WORDS} to mark this cell, or leave it blank.",
        promptTitle="Mark?",
        prompt=f"{MARK_WORDS} = yes; blank = no.",
        showInputMessage=False,
    )
    marked_range = f"{get_column_letter(done_col)}2:{get_column_letter(memo_col - 1)}{last_row}"
    dv.add(marked_range)
    ws.add_data_validation(dv)
    # A mark should be seen from across the sheet, whatever case or form it takes.
    ws.conditional_formatting.add(
        marked_range,
        FormulaRule(
            formula=[
                f'OR(TRIM({get_column_letter(done_col)}2)="x",{get_column_letter(done_col)}2=1,'
                f'TRIM({get_column_letter(done_col)}2)="1")'
            ],
            fill=MARK_FILL,
            font=Font(bold=True),
        ),
    )
    widths = {**WIDTHS, QUESTION_COLUMN: 40, DONE_COLUMN: 6, NONE_COLUMN: 6}
    for col, name in enumerate(headers, start=1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = widths.get(name, CODE_WIDTH)
    for col in (memo_col + 1, memo_col + 2):
        ws.column_dimensions[get_column_letter(col)].width = 24
        ws.column_dimensions[get_column_letter(col)].hidden = True
    longest = max((len(h) for h in headers[done_col - 1 : memo_col - 1]), default=1)
    ws.row_dimensions[1].height = max(LINE_HEIGHT, min(MAX_ROW_HEIGHT, 6 * longest + 6))
    ws.freeze_panes = ws.cell(row=2, column=first_code)
    ws.auto_filter.ref = f"A1:{get_column_letter(memo_col)}{last_row}"
    ws.page_setup.orientation = "landscape"
    ws.print_title_rows = "1:1"

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
    # Every participant's words, declined or not: a working file that stays in the team,
    # saying so on every printed page; the Read me sheet says it on screen.
    mark_workbook(wb, notice=False)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return len(segments)


def code_header(code) -> str:
    """A code column's heading: the name a coder reads, then the id the import reads."""
    return f"{code.name} ({code.id})"


_HEADER_ID = re.compile(r"\(([^()\s]+)\)\s*$")


def header_code(label: str, codebook) -> str:
    """The code id a column heading names (``Name (id)`` or a bare id, as older sheets had)."""
    if label in codebook:
        return label
    m = _HEADER_ID.search(label)
    return m[1] if m and m[1] in codebook else label


def _definition(codebook, code) -> str:
    theme = [a.name for a in reversed(codebook.ancestors(code.id))]
    lines = [code.name, f"Theme: {' > '.join(theme)}" if theme else ""]
    for label, text in (("", code.description), ("Use when: ", code.include)):
        if text:
            lines.append(label + text)
    if code.exclude:
        lines.append("Not when: " + code.exclude)
    lines.append("(all guidance on the Codebook sheet)")
    return "\n".join(line for line in lines if line)


def _theme_fills(codebook, codes) -> dict[str, PatternFill]:
    """Each code's header fill: the tint of its top-level theme, so themes read as groups."""
    themes: dict[str, str] = {}
    out = {}
    for code in codes:
        ancestors = codebook.ancestors(code.id)
        theme = ancestors[-1] if ancestors else code
        if theme.id not in themes:
            colour = (theme.color or "").lstrip("#").upper()
            themes[theme.id] = (
                _tint(colour) if len(colour) == 6 else THEME_TINTS[len(themes) % len(THEME_TINTS)]
            )
        out[code.id] = PatternFill("solid", fgColor=themes[theme.id])
    return out


def _tint(colour: str) -> str:
    """A pale version of a hex colour, light enough for black header text."""
    channels = [int(colour[i : i + 2], 16) for i in (0, 2, 4)]
    return "".join(f"{round(c + (255 - c) * 0.75):02X}" for c in channels)


def _questions(project, segments: list[dict[str, Any]]) -> dict[str, str]:
    """The interviewer's turn before each segment's turn (what the participant answered)."""
    turns = project.turns()
    last: dict[tuple[str, int], str] = {}
    for document, group in turns.groupby("document", sort=False):
        asked = ""
        for r in group.sort_values("turn").itertuples(index=False):
            if not isinstance(r.participant_id, str):  # an interviewer's turn
                asked = r.text or ""
            last[(document, int(r.turn))] = asked
    return {s["segment_id"]: last.get((s["document"], int(s["turn"])), "") for s in segments}


def write_readme_sheet(ws, *, coder: str, rows: int, codes: int) -> None:
    """The rules of the sheet, where a coder opening it sees them first."""
    ws.title = README_SHEET
    lines = [
        (INTERNAL_MARK.upper(), True),
        ("This sheet holds every participant's words, those who declined quotes included: "
         "keep it within the research team, and do not quote from it.", False),
        ("", False),
        (f"Coding sheet for {coder}: {rows} segments, {codes} codes.", True),
        ("", False),
        ("How to code", True),
        ("1. On the Coding sheet, read each answer (the text column) under the "
         "interviewer's question.", False),
        (f"2. Put {MARK_WORDS} under every code that applies. Column headings give the "
         "code's name and id; hover over a heading for its definition, or see the Codebook "
         "sheet. Headings are coloured by theme.", False),
        (f"3. When you have finished a row, put {MARK_WORDS} in its done column; if no code "
         f"applies, put {MARK_WORDS} in 'no code applies' instead.", False),
        ("4. Write a memo if you like. Do not edit the text, and do not add, delete or "
         "reorder columns.", False),
        ("", False),
        ("What is recorded", True),
        ("Only rows marked done or 'no code applies' are recorded as coded. A row without "
         "either mark counts as not coded yet, even if it has codes marked, so you can stop "
         "half-way and import again later.", False),
        ("A row marked 'no code applies' must have no code marked.", False),
        ("A sheet holding part of the sample never becomes the coding that figures count "
         "by default.", False),
    ]  # fmt: skip
    for row, (line, bold) in enumerate(lines, start=1):
        cell = ws.cell(row=row, column=1)
        set_text_cell(cell, line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = HEADER_FONT
    ws["A1"].font = BANNER_FONT
    ws["A1"].fill = BANNER_FILL
    ws.column_dimensions["A"].width = 100


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
    if DONE_COLUMN not in sheet.columns:
        raise SheetError(
            f"{sheet.file} has no {DONE_COLUMN!r} column, so it cannot say which rows were "
            "coded (it was exported by an older mpsp-qual); export a new sheet with {hint} "
            "and copy the marks into it.",
            hint=f"sheet export --coder {who} -o FILE.xlsx",
        )
    code_columns: dict[str, int] = {}
    for label, col in sheet.columns.items():
        if label in RESERVED:
            continue
        code_id = header_code(label, codebook)
        if code_id in codable:
            code_columns[code_id] = col
        elif code_id in codebook:
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
    not_done: list[str] = []
    for row, values in sheet.rows:
        marked = []
        for code_id, col in code_columns.items():
            value = values[col - 1] if col - 1 < len(values) else None
            mark = is_mark(value)
            if mark is None:
                sheet.problem(
                    row,
                    col,
                    f"{_describe(value)} is not a mark; put {MARK_WORDS} to apply {code_id}, "
                    "or leave the cell blank.",
                )
            elif mark:
                marked.append(code_id)
        finished = {}
        for column in (DONE_COLUMN, NONE_COLUMN):
            if column not in sheet.columns:
                finished[column] = False
                continue
            value = sheet.value(values, column)
            finished[column] = is_mark(value)
            if finished[column] is None:
                sheet.problem(
                    row,
                    column,
                    f"{_describe(value)} is not a mark; put {MARK_WORDS} in {column!r} or "
                    "leave the cell blank.",
                )
        if finished[NONE_COLUMN] and marked:
            sheet.problem(
                row,
                NONE_COLUMN,
                f"the row is marked 'no code applies' but also codes {', '.join(marked)}; "
                "clear one or the other.",
            )
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
        if not (finished[DONE_COLUMN] or finished[NONE_COLUMN]):
            # Not finished: whatever it holds is work in progress, not "coded, no code".
            if marked:
                not_done.append(sid)
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
            "not_done": len(not_done),
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
        "rows": len(sheet.rows),
        "not_done": not_done,
    }
