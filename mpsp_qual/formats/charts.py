"""Report figures as images to paste: one chart per theme, the themes, and the survey.

:func:`write_charts` draws with matplotlib (the Agg backend: no display needed) and writes
each figure as PNG (200 dpi) and SVG. The figures are the summary workbook's: % of
participants per code from the same :class:`~mpsp_qual.analysis.aggregate.Analysis`, one
chart per top-level theme with its codes (sub-codes rolled up into them) sorted by
prevalence and labelled "63% (5/8)";
the themes side by side; survey agreement with its 95% Wilson interval as error bars and n
in each label; and a diverging stacked chart of disagree / neither / agree. Every label
rounds by :func:`mpsp_qual.core.numbers.percent`, as the terminal and the workbook do. Each
figure is sized to fit a portrait A4 page inside its margins (16 cm wide).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: figures are only ever written to files

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from mpsp_qual.analysis import aggregate  # noqa: E402

# SMALL_GROUP: groups smaller than this are flagged wherever a percentage of them is shown.
from mpsp_qual.analysis.survey import SMALL_GROUP  # noqa: E402
from mpsp_qual.core.files import atomic_path  # noqa: E402
from mpsp_qual.core.model import PathLike  # noqa: E402
from mpsp_qual.core.numbers import percent  # noqa: E402

__all__ = ["SMALL_GROUP", "Figure", "figures", "write_charts"]

WIDTH_IN = 16 / 2.54  # 16 cm: an A4 page less its margins
MAX_HEIGHT_IN = 22 / 2.54
BAR = "#1F5F8B"
AGREE, NEITHER, DISAGREE = "#2E7D32", "#BDBDBD", "#C62828"


@dataclass
class Figure:
    """One chart: its file stem, title, and the matplotlib figure."""

    stem: str
    title: str
    figure: object


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "chart"


def _height(rows: int) -> float:
    return min(MAX_HEIGHT_IN, max(2.2, 0.38 * rows + 1.4))


def _wrap(text: str, width: int = 38) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def _title(fig, title: str) -> None:
    # A figure title, left-aligned across the whole width: an axes title would start at
    # the bars and run off the page when the labels are long.
    fig.suptitle(_wrap(title, 75), x=0.01, ha="left", fontsize=10)


def _bars(title: str, labels: list[str], values: list[float], notes: list[str], n: int):
    fig, ax = plt.subplots(figsize=(WIDTH_IN, _height(len(labels))), layout="constrained")
    positions = list(range(len(labels)))
    ax.barh(positions, values, color=BAR, height=0.65)
    ax.set_yticks(positions, [_wrap(label) for label in labels], fontsize=8)
    ax.invert_yaxis()  # the largest on top
    ax.set_xlim(0, 1.18)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0%", "25%", "50%", "75%", "100%"], fontsize=8)
    for y, (value, note) in enumerate(zip(values, notes)):
        ax.text(value + 0.01, y, note, va="center", fontsize=8)
    small = f"; small group (n < {SMALL_GROUP})" if n < SMALL_GROUP else ""
    _title(fig, title)
    ax.set_xlabel(f"% of participants (n = {n}{small})", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def figures(
    project,
    *,
    coder: str | None = None,
    survey: pd.DataFrame | None = None,
    analysis: aggregate.Analysis | None = None,
) -> list[Figure]:
    """The report's charts, drawn (not yet written); close them with ``plt.close``."""
    analysis = analysis or aggregate.Analysis(project, coder=coder)
    table = analysis.prevalence().set_index("code")
    codebook, n = analysis.codebook, analysis.n
    out: list[Figure] = []

    def note(code_id: str) -> str:
        row = table.loc[code_id]
        return f"{percent(row['pct_participants'])} ({int(row['participants'])}/{n})"

    roots = codebook.roots()
    if roots:
        title = f"Themes: % of participants (n = {n}; coder {analysis.coder})"
        ordered = sorted(roots, key=lambda c: -float(table.loc[c.id, "pct_participants"]))
        fig = _bars(
            title,
            [c.name for c in ordered],
            [float(table.loc[c.id, "pct_participants"]) for c in ordered],
            [note(c.id) for c in ordered],
            n,
        )
        out.append(Figure("themes", title, fig))
    for theme in roots:
        # The theme's codes, each counting its sub-codes (rolled up), so that no figure
        # holds a parent beside its own children.
        codes = [c for c in codebook.children(theme.id) if c.id in table.index]
        if not codes:
            continue
        codes.sort(key=lambda c: -float(table.loc[c.id, "pct_participants"]))
        title = f"{theme.name}: % of participants per code (n = {n})"
        fig = _bars(
            title,
            [c.name for c in codes],
            [float(table.loc[c.id, "pct_participants"]) for c in codes],
            [note(c.id) for c in codes],
            n,
        )
        out.append(Figure(f"theme-{_slug(theme.id)}", title, fig))
    if survey is not None and len(survey):
        out.extend(_survey_figures(survey))
    return out


def _survey_figures(agreement: pd.DataFrame) -> list[Figure]:
    rows = agreement[agreement["n"] > 0].reset_index(drop=True)
    if rows.empty:
        return []
    labels = [
        f"{s} (n = {int(k)}{', small' if k < SMALL_GROUP else ''})"
        for s, k in zip(rows["statement"], rows["n"])
    ]
    fig, ax = plt.subplots(figsize=(WIDTH_IN, _height(len(rows))), layout="constrained")
    y = list(range(len(rows)))
    values = rows["pct_agree"].astype(float)
    errors = [
        (values - rows["ci_low"].astype(float)).clip(lower=0),
        (rows["ci_high"].astype(float) - values).clip(lower=0),
    ]
    ax.barh(y, values, xerr=errors, color=BAR, height=0.6, capsize=3, ecolor="#333333")
    ax.set_yticks(y, [_wrap(label) for label in labels], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.38)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0%", "25%", "50%", "75%", "100%"], fontsize=8)
    for i, r in rows.iterrows():
        ax.text(
            float(r["ci_high"]) + 0.02,
            i,
            f"{percent(r['pct_agree'])} ({percent(r['ci_low'])}-{percent(r['ci_high'])})",
            va="center",
            fontsize=8,
        )
    title = "Survey: % agree, with 95% confidence interval"
    _title(fig, title)
    ax.set_xlabel("% of valid answers agreeing (bars: 95% Wilson interval)", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    out = [Figure("survey-agree", title, fig)]

    likert = rows[rows["type"] == "likert"].reset_index(drop=True)
    if len(likert):
        fig, ax = plt.subplots(figsize=(WIDTH_IN, _height(len(likert))), layout="constrained")
        y = list(range(len(likert)))
        disagree = likert["pct_disagree"].astype(float)
        neither = likert["pct_neither"].astype(float).fillna(0)
        agree = likert["pct_agree"].astype(float)
        # Diverging: disagreement (and half of "neither") left of zero, agreement right.
        left = -(disagree + neither / 2)
        ax.barh(y, disagree, left=left, color=DISAGREE, height=0.6, label="disagree")
        ax.barh(y, neither, left=left + disagree, color=NEITHER, height=0.6, label="neither")
        ax.barh(y, agree, left=neither / 2, color=AGREE, height=0.6, label="agree")
        ax.axvline(0, color="#333333", linewidth=0.8)
        names = [f"{s} (n = {int(k)})" for s, k in zip(likert["statement"], likert["n"])]
        ax.set_yticks(y, [_wrap(name) for name in names], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(-1, 1)
        ticks = [-1, -0.5, 0, 0.5, 1]
        ax.set_xticks(ticks, ["100%", "50%", "0", "50%", "100%"], fontsize=8)
        title = "Survey: answers from disagree to agree"
        _title(fig, title)
        fig.legend(loc="outside lower center", fontsize=7, frameon=False, ncols=3)
        ax.spines[["top", "right"]].set_visible(False)
        out.append(Figure("survey-likert", title, fig))
    return out


def write_charts(
    project,
    directory: PathLike,
    *,
    coder: str | None = None,
    survey: pd.DataFrame | None = None,
    formats: Sequence[str] = ("png", "svg"),
) -> list[Path]:
    """Write every chart of :func:`figures` to ``directory`` as PNG and SVG; returns the files.

    Args:
        project: the project.
        directory: where to write (made if missing); existing charts are replaced.
        coder: whose codings count (default the project's default coder).
        survey: a table from :func:`mpsp_qual.analysis.survey.survey_agreement`, for the
            survey charts.
        formats: the image formats.
    """
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for fig in figures(project, coder=coder, survey=survey):
        try:
            for fmt in formats:
                path = target / f"{fig.stem}.{fmt}"
                # SVG text stays text, so that a report writer can edit or search a label.
                with atomic_path(path) as tmp, plt.rc_context({"svg.fonttype": "none"}):
                    fig.figure.savefig(tmp, format=fmt, dpi=200)
                written.append(path)
        finally:
            plt.close(fig.figure)
    return written
