"""Inter-coder agreement between named coders, the disagreements, and reconciliation.

:func:`agreement_report` treats each codable code as a yes/no decision per segment
and compares the named coders over the segments that every one of them coded (the
``coded_segments`` of the project, so that "coded, no code" counts and "not coded"
does not): per code the number of units, percent agreement, Cohen's kappa (two
coders) or Fleiss' kappa (more), Krippendorff's nominal alpha with a bootstrap
interval and Krippendorff's verdict, then a pooled row over every segment-by-code
decision. Where a figure is undefined it is NaN and the note says why; nothing is
made up. :func:`write_disagreements` writes the segments on which the coders
differ, each coder's codes beside the text, for a reconciliation meeting to fill a
consensus column, and :func:`reconcile` records that column, with the codes the
coders already agreed on elsewhere, as coder ``consensus``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from mpsp_qual.analysis import reliability
from mpsp_qual.core.errors import ReliabilityError, SheetError
from mpsp_qual.core.files import atomic_path
from mpsp_qual.core.model import CONSENSUS_CODER, PathLike
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
from mpsp_qual.formats.tables import set_text_cell
from mpsp_qual.store.db import now

__all__ = [
    "REPORT_COLUMNS",
    "agreement_report",
    "disagreements",
    "reconcile",
    "rounded",
    "write_disagreements",
]

REPORT_COLUMNS = [
    "code",
    "name",
    "n_units",
    "applied",
    "percent_agreement",
    "kappa",
    "kappa_kind",
    "alpha",
    "alpha_low",
    "alpha_high",
    "verdict",
    "note",
]
POOLED = "(pooled)"
DISAGREEMENTS_SHEET = "Disagreements"
DISAGREEMENTS_FORMAT = "mpsp-qual disagreements"
CONSENSUS_COLUMN = "consensus"
UNDEFINED = "undefined"


# -- the units ------------------------------------------------------------------------


def _coders(project, coders: Sequence[str] | str) -> list[str]:
    if isinstance(coders, str):
        coders = coders.split(",")
    names = list(dict.fromkeys(c.strip() for c in coders if c and c.strip()))
    known = project.coders()
    unknown = [c for c in names if c not in known]
    if unknown:
        listed = ", ".join(known) if known else "none yet"
        raise ReliabilityError(
            f"no coder {unknown[0]!r} in the project (coders: {listed}); check the name, "
            "or import that coder's sheet first."
        )
    if len(names) < 2:
        raise ReliabilityError(
            f"agreement needs at least two coders; got only {names[0]!r}. Name another, "
            "e.g. --coders alice,bob."
            if names
            else "agreement needs at least two coders; name them, e.g. --coders alice,bob."
        )
    return names


def _units(project, coders: list[str]) -> tuple[list[str], dict[str, dict[str, set[str]]]]:
    """The segments all coders coded (in document order) and each coder's codes on them."""
    eligible = project.segments(participants_only=True, include_withdrawn=False)["segment_id"]
    common = set(eligible)
    for coder in coders:
        common &= set(project.coded_segments(coder))
    who = ", ".join(coders)
    if not common:
        raise ReliabilityError(
            f"coders {who} have no segments in common; agreement is computed over segments "
            "that every named coder coded."
        )
    if len(common) < 2:
        raise ReliabilityError(
            f"only one segment was coded by all of {who}; agreement needs at least two."
        )
    segments = [s for s in eligible if s in common]
    marks: dict[str, dict[str, set[str]]] = {c: {} for c in coders}
    for coder in coders:
        for sid, codes in project.store.codings.coded_with(coder).items():
            if sid in common:
                marks[coder].setdefault(sid, set()).update(codes)
    return segments, marks


def _unit_name(project) -> str:
    units = project.store.documents.units()
    return f"segment ({' or '.join(units) if units else 'turn'})"


# -- the report -------------------------------------------------------------------------


def _figures(table: pd.DataFrame, *, n_boot: int, seed: int) -> dict[str, Any]:
    """Every figure for one units x coders table of booleans; NaN and a note if undefined."""
    values = table.to_numpy(dtype=bool)
    kind = "Cohen" if table.shape[1] == 2 else "Fleiss"
    out: dict[str, Any] = {
        "n_units": int(table.shape[0]),
        "percent_agreement": math.nan,
        "kappa": math.nan,
        "kappa_kind": kind,
        "alpha": math.nan,
        "alpha_low": math.nan,
        "alpha_high": math.nan,
        "verdict": UNDEFINED,
        "note": "",
    }
    notes: list[str] = []
    out["percent_agreement"] = 100 * reliability.percent_agreement(table)
    if not values.any():
        out["note"] = "no coder applied this code: kappa and alpha are undefined"
        return out
    if values.all():
        out["note"] = (
            "every coder applied this code to every segment: kappa and alpha are undefined"
        )
        return out
    try:
        out["kappa"] = (
            reliability.cohen_kappa(table) if kind == "Cohen" else reliability.fleiss_kappa(table)
        )
    except ReliabilityError as exc:
        notes.append(f"kappa: {exc}")
    try:
        out["alpha"] = reliability.krippendorff_alpha(table, level="nominal")
        out["verdict"] = reliability.verdict(out["alpha"])
    except ReliabilityError as exc:
        notes.append(f"alpha: {exc}")
    else:
        try:
            low, high = reliability.krippendorff_alpha_ci(
                table, level="nominal", n_boot=n_boot, seed=seed
            )
            out["alpha_low"], out["alpha_high"] = low, high
        except ReliabilityError:
            # alpha is defined, so the only reason left is too little variation to resample
            notes.append("no interval: too few segments vary")
    out["note"] = "; ".join(notes)
    return out


def agreement_report(
    project, coders: Sequence[str] | str, *, n_boot: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """Agreement between ``coders`` per codable code, and pooled over all codes.

    Each code is a yes/no decision per segment, compared over the segments that every
    named coder coded (with or without applying a code). Figures that are undefined
    (a code nobody applied has no kappa or alpha) are NaN, and ``note`` says why.

    Args:
        project: the open Project.
        coders: two or more coder names (or one comma-separated string).
        n_boot: bootstrap resamples for alpha's 95% interval.
        seed: the bootstrap's random seed (the same seed gives the same interval).

    Returns:
        One row per codable code, in codebook order, then a ``(pooled)`` row, with
        columns :data:`REPORT_COLUMNS`: ``n_units`` (segments; for the pooled row,
        segment-by-code decisions), ``applied`` (how many segments each coder gave
        the code), ``percent_agreement`` (0-100), ``kappa`` with ``kappa_kind``
        (``Cohen`` for two coders, ``Fleiss`` for more), ``alpha`` (Krippendorff,
        nominal), ``alpha_low``/``alpha_high`` (95% bootstrap interval), ``verdict``
        (``reliable`` if alpha >= .800, ``tentative`` if >= .667, else ``not
        reliable``; ``undefined`` without alpha) and ``note``. ``attrs`` holds
        ``unit`` (the unit of analysis, e.g. ``"segment (turn)"``), ``coders`` and
        ``segments``.

    Raises:
        ReliabilityError: fewer than two coders, an unknown coder, no segments in
            common, fewer than two, or ``n_boot`` below 1.

    Example:
        >>> agreement_report(project, ["alice", "bob"])[["code", "kappa", "alpha"]]
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 1:
        raise ReliabilityError(f"n_boot must be a whole number of at least 1; got {n_boot!r}")
    names = _coders(project, coders)
    segments, marks = _units(project, names)
    codes = project.codebook.codable()
    rows = []
    stacked: dict[str, list[bool]] = {c: [] for c in names}
    for code in codes:
        table = pd.DataFrame(
            {c: [code.id in marks[c].get(s, ()) for s in segments] for c in names},
            index=segments,
        )
        for c in names:
            stacked[c].extend(table[c])
        applied = ", ".join(f"{c} {int(table[c].sum())}" for c in names)
        rows.append(
            {"code": code.id, "name": code.name, "applied": applied}
            | _figures(table, n_boot=n_boot, seed=seed)
        )
    pooled = pd.DataFrame(stacked)
    figures = _figures(pooled, n_boot=n_boot, seed=seed)
    described = (
        f"all codes' segment-by-code decisions stacked ({len(segments)} segments x "
        f"{len(codes)} codes)"
    )
    figures["note"] = f"{described}; {figures['note']}" if figures["note"] else described
    rows.append(
        {
            "code": POOLED,
            "name": "All codes, pooled",
            "applied": ", ".join(f"{c} {int(pooled[c].sum())}" for c in names),
        }
        | figures
    )
    frame = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    frame.attrs["unit"] = _unit_name(project)
    frame.attrs["coders"] = names
    frame.attrs["segments"] = len(segments)
    return frame


def rounded(report: pd.DataFrame) -> pd.DataFrame:
    """The report for reading: percent agreement to 0.1, kappa and alpha to 0.001."""
    out = report.copy()
    out["percent_agreement"] = out["percent_agreement"].round(1)
    for col in ("kappa", "alpha", "alpha_low", "alpha_high"):
        out[col] = out[col].round(3)
    out.attrs = dict(report.attrs)
    return out


def describe_units(report: pd.DataFrame) -> str:
    """One line naming the unit of analysis and the coders, to print above the report."""
    coders = report.attrs.get("coders", [])
    return (
        f"Unit of analysis: {report.attrs.get('unit', 'segment')}; "
        f"{report.attrs.get('segments', '?')} segments coded by all of {', '.join(coders)}."
    )


# -- disagreements ----------------------------------------------------------------------


def _codes_column(coder: str) -> str:
    return f"codes ({coder})"


def disagreements(project, coders: Sequence[str] | str) -> pd.DataFrame:
    """The segments on which the coders' codes differ, with each coder's codes.

    Returns:
        Columns ``segment_id, document, speaker, participant_id, start_time, text``,
        ``codes (<coder>)`` for each coder (code ids in codebook order, comma
        separated), ``agreed`` (codes every coder applied), ``disputed`` (codes some
        but not all applied) and ``memos`` (each coder's memo). ``attrs["coders"]``
        names the coders.

    Raises:
        ReliabilityError: as :func:`agreement_report`.
    """
    names = _coders(project, coders)
    segments, marks = _units(project, names)
    order = {c.id: i for i, c in enumerate(project.codebook)}
    info = project.segments(participants_only=True, include_withdrawn=False).set_index("segment_id")
    memo_frame = project.memos()
    memos = {
        (r.segment_id, r.coder): r.memo
        for r in memo_frame.itertuples(index=False)
        if r.coder in names
    }

    def listed(codes) -> str:
        return ", ".join(sorted(codes, key=lambda c: order.get(c, len(order))))

    rows = []
    for sid in segments:
        sets = [marks[c].get(sid, set()) for c in names]
        if all(s == sets[0] for s in sets):
            continue
        agreed = set.intersection(*sets)
        row = {
            "segment_id": sid,
            **{k: info.at[sid, k] for k in ("document", "speaker", "participant_id")},
            "start_time": info.at[sid, "start_time"],
            "text": info.at[sid, "text"],
        }
        for coder, codes in zip(names, sets):
            row[_codes_column(coder)] = listed(codes)
        row["agreed"] = listed(agreed)
        row["disputed"] = listed(set.union(*sets) - agreed)
        row["memos"] = "\n".join(f"{c}: {memos[(sid, c)]}" for c in names if memos.get((sid, c)))
        rows.append(row)
    columns = [
        "segment_id",
        "document",
        "speaker",
        "participant_id",
        "start_time",
        "text",
        *(_codes_column(c) for c in names),
        "agreed",
        "disputed",
        "memos",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame.attrs["coders"] = names
    return frame


def write_disagreements(project, coders: Sequence[str] | str, path: PathLike) -> int:
    """Write the disagreements as a workbook for a reconciliation meeting; returns rows.

    Each row shows a disputed segment with every coder's codes and a ``consensus``
    column pre-filled with the codes they agreed on; the meeting edits it (code ids
    separated by commas; blank means no code applies) and :func:`reconcile` records
    it. A Codebook sheet is included; the coders are named in a hidden sheet.

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
            "missing); write it again with `mpsp-qual agreement --coders A,B --disagreements "
            "-o FILE.xlsx`."
        )
    names = _coders(project, sheet.meta["coders"])
    if CONSENSUS_CODER in names:
        raise SheetError(
            f"{sheet.file} compares {CONSENSUS_CODER!r} with other coders; reconcile "
            "disagreements between the original coders instead."
        )
    segments, marks = _units(project, names)
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


# -- the demo -------------------------------------------------------------------------
