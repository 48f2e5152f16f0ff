"""Inter-coder agreement between named coders, the disagreements, and reconciliation.

:func:`agreement_report` treats each codable code as a yes/no decision per segment
and compares the named coders over the segments that every one of them coded (the
``coded_segments`` of the project, so that "coded, no code" counts and "not coded"
does not): per code the number of units, percent agreement, Cohen's kappa (two
coders) or Fleiss' kappa (more), Krippendorff's nominal alpha with a bootstrap
interval and Krippendorff's verdict, then a pooled row over every segment-by-code
decision. Where a figure is undefined it is NaN and the note says why; nothing is
made up. :func:`disagreements` lists the segments on which the coders differ, each
coder's codes beside the text; :mod:`mpsp_qual.formats.disagreements` writes them as a
workbook for a reconciliation meeting and records its consensus column.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from mpsp_qual.analysis import reliability
from mpsp_qual.coding.coders import resolve_coder
from mpsp_qual.core.errors import ReliabilityError

__all__ = [
    "REPORT_COLUMNS",
    "agreement_report",
    "disagreements",
    "rounded",
    "check_coders",
    "coded_units",
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
UNDEFINED = "undefined"


# -- the units ------------------------------------------------------------------------


def check_coders(project, coders: Sequence[str] | str) -> list[str]:
    if isinstance(coders, str):
        coders = coders.split(",")
    names = list(dict.fromkeys(c.strip() for c in coders if c and c.strip()))
    for name in names:
        resolve_coder(project.store, name, error=ReliabilityError)
    if len(names) < 2:
        raise ReliabilityError(
            f"agreement needs at least two coders; got only {names[0]!r}. Name another, "
            "e.g. alice,bob."
            if names
            else "agreement needs at least two coders; name them, e.g. alice,bob."
        )
    return names


def coded_units(project, coders: list[str]) -> tuple[list[str], dict[str, dict[str, set[str]]]]:
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
    names = check_coders(project, coders)
    segments, marks = coded_units(project, names)
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
    names = check_coders(project, coders)
    segments, marks = coded_units(project, names)
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
