"""The disagreements workbook: where coders differ, for a reconciliation meeting.

:func:`write_disagreements` writes the segments on which the coders differ
(:func:`mpsp_qual.analysis.agreement.disagreements`), each coder's codes beside the
text and a ``consensus`` column pre-filled with the codes they agreed on;
:func:`reconcile` reads the column back and records it, with the codes the coders
already agreed on elsewhere, as coder ``consensus``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import openpyxl
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from mpsp_qual.analysis.agreement import (
    _codes_column,
    check_coders,
    coded_units,
    disagreements,
)
from mpsp_qual.core.errors import SheetError
from mpsp_qual.core.files import atomic_path
from mpsp_qual.core.model import CONSENSUS_CODER, PathLike
from mpsp_qual.formats.cells import set_text_cell
from mpsp_qual.formats.internal import mark_workbook
from mpsp_qual.formats.sheet_io import (
    CODEBOOK_SHEET,
    HASH_COLUMN,
    HEADER_FILL,
    HEADER_FONT,
    LEFT_COLUMNS,
    MEMO_COLUMN,
    META_SHEET,
    SEGMENT_COLUMN,
    TEXT_WIDTH,
    check_segments,
    parse_code_list,
    read_rows,
    row_height,
    sheet_text,
    text_hash,
    write_codebook_sheet,
    write_meta_sheet,
)
from mpsp_qual.store.db import now

__all__ = [
    "CONSENSUS_COLUMN",
    "DISAGREEMENTS_FORMAT",
    "DISAGREEMENTS_SHEET",
    "reconcile",
    "write_disagreements",
]

DISAGREEMENTS_SHEET = "Disagreements"
DISAGREEMENTS_FORMAT = "mpsp-qual disagreements"
CONSENSUS_COLUMN = "consensus"


def write_disagreements(project, coders: Sequence[str] | str, path: PathLike) -> int:
    """Write the disagreements as a workbook for a reconciliation meeting; returns rows.

    Each row shows a disputed segment with every coder's codes and a ``consensus``
    column pre-filled with the codes they agreed on; the meeting edits it (code ids
    separated by commas; blank means no code applies) and :func:`reconcile` records
    it. A Codebook sheet is included; the coders are named in a hidden sheet. It holds
    every coded participant's words, those who declined quotes included, so it is marked
    internal (:func:`mpsp_qual.formats.internal.mark_workbook`): a first sheet and every
    printed page say so.

    Raises:
        ReliabilityError: as :func:`agreement_report`.
    """
    frame = disagreements(project, coders)
    names = frame.attrs["coders"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = DISAGREEMENTS_SHEET
    headers = [
        *LEFT_COLUMNS,
        *(_codes_column(c) for c in names),
        "agreed",
        "disputed",
        "coder memos",
        CONSENSUS_COLUMN,
        MEMO_COLUMN,
        SEGMENT_COLUMN,
        HASH_COLUMN,
    ]
    widths = {"document": 22, "speaker": 16, "timestamp": 10, "text": TEXT_WIDTH, "coder memos": 30}
    for col, name in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=col)
        set_text_cell(cell, name)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        ws.column_dimensions[get_column_letter(col)].width = widths.get(name, 26)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, rec in enumerate(frame.to_dict("records"), start=2):
        values = [
            rec["document"],
            rec["speaker"],
            rec["start_time"] or "",
            sheet_text(rec["text"]),
            *(rec[_codes_column(c)] for c in names),
            rec["agreed"],
            rec["disputed"],
            sheet_text(rec["memos"]),
            rec["agreed"],
            "",
            rec["segment_id"],
            text_hash(rec["text"]),
        ]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col)
            set_text_cell(cell, value)
            cell.alignment = wrap
        ws.row_dimensions[row].height = row_height(sheet_text(rec["text"]))
    for col in (len(headers) - 1, len(headers)):
        ws.column_dimensions[get_column_letter(col)].hidden = True
    ws.freeze_panes = "E2"
    write_codebook_sheet(wb.create_sheet(CODEBOOK_SHEET), project.codebook)
    write_meta_sheet(
        wb.create_sheet(META_SHEET),
        {
            "format": DISAGREEMENTS_FORMAT,
            "format_version": "1",
            "coders": ",".join(names),
            "written_at": now(),
            "segments": str(len(frame)),
        },
    )
    mark_workbook(wb)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return len(frame)


def reconcile(project, path: PathLike) -> dict[str, Any]:
    """Record the agreed codes as coder ``consensus``.

    For each row of the disagreements workbook the ``consensus`` cell (code ids
    separated by commas) is recorded; for every other segment the coders all coded,
    the codes they agreed on are. If the coders' codings changed since the workbook
    was written so that they now differ on a segment it does not hold, nothing is
    recorded. Re-running replaces the earlier consensus on those segments. One
    transaction, one audit entry.

    Returns:
        A summary: ``coders``, ``file``, ``segments`` (recorded as coded by
        consensus), ``resolved`` (rows from the file), ``codings`` and ``memos``.

    Raises:
        SheetError: the workbook is not a disagreements workbook, or a cell is wrong
            (an unknown code, an edited text, a repeated row...); every problem is
            listed with its cell.
        ReliabilityError: its coders no longer have segments in common.
    """
    sheet = read_rows(
        path,
        sheet=DISAGREEMENTS_SHEET,
        required=(SEGMENT_COLUMN, HASH_COLUMN, "text", CONSENSUS_COLUMN),
    )
    if sheet.meta.get("format") != DISAGREEMENTS_FORMAT or not sheet.meta.get("coders"):
        raise SheetError(
            f"{sheet.file} does not name the coders it compares (its hidden meta sheet is "
            "missing); write it again with {hint}.",
            hint="agreement --coders A,B --disagreements -o FILE.xlsx",
        )
    names = check_coders(project, sheet.meta["coders"])
    if CONSENSUS_CODER in names:
        raise SheetError(
            f"{sheet.file} compares {CONSENSUS_CODER!r} with other coders; reconcile "
            "disagreements between the original coders instead."
        )
    segments, marks = coded_units(project, names)
    codebook = project.codebook
    codable = {c.id for c in codebook.codable()}
    rows = check_segments(project, sheet)
    decided: dict[str, list[str]] = {}
    memos: dict[str, str] = {}
    for row, values in sheet.rows:
        chosen = parse_code_list(sheet.value(values, CONSENSUS_COLUMN))
        for code in chosen:
            if code in codable:
                continue
            why = (
                "is a grouping code, which cannot be applied"
                if code in codebook
                else "is not a code in the codebook"
            )
            sheet.problem(
                row,
                CONSENSUS_COLUMN,
                f"{code!r} {why}; write code ids from the Codebook sheet, separated by commas.",
            )
        sid = rows.get(row)
        if sid is None:
            continue
        decided[sid] = list(dict.fromkeys(chosen))
        memo = sheet.value(values, MEMO_COLUMN) if MEMO_COLUMN in sheet.columns else None
        if memo is not None and str(memo).strip():
            memos[sid] = str(memo).strip()
    for sid in segments:
        sets = [marks[c].get(sid, set()) for c in names]
        if sid not in decided and any(s != sets[0] for s in sets):
            sheet.problems.append(
                f"{sheet.file}: the coders now differ on segment {sid}, which the file does "
                "not hold (codings changed since it was written); write the disagreements "
                "again and reconcile that file."
            )
    sheet.fail()
    eligible = set(project.segments(participants_only=True, include_withdrawn=False)["segment_id"])
    codings: list[tuple[str, str, None]] = []
    coded: list[str] = []
    for sid in segments:
        if sid in decided:
            continue
        coded.append(sid)
        agreed = set.intersection(*(marks[c].get(sid, set()) for c in names))
        codings.extend((sid, code, None) for code in sorted(agreed))
    for sid, chosen in decided.items():
        if sid not in eligible:
            continue
        coded.append(sid)
        codings.extend((sid, code, None) for code in chosen)
    n = project.record_codings(
        CONSENSUS_CODER,
        codings,
        segments=coded,
        memos=memos,
        action="reconcile",
        detail={"file": sheet.file, "coders": names, "resolved": len(decided)},
    )
    return {
        "coders": names,
        "file": sheet.file,
        "segments": len(coded),
        "resolved": len(decided),
        "codings": n,
        "memos": len(memos),
    }
