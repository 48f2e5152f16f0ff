"""A findings draft in Word: a chapter per theme, shaped like the seed report's.

:func:`write_findings` writes ``findings.docx``: a methods paragraph (participants counted,
the unit of analysis, whose codings count, the other coders and agreement per code where
there is a second coder), then per top-level theme its definition, the % of participants
it covers with n, its codes' figures, the breakdown by the chosen attribute (groups under
:data:`~mpsp_qual.formats.charts.SMALL_GROUP` flagged), its chart (the same figure as
``report --charts``), and its approved quotes with their attributions, each quote once
with "also coded: ..." for its other codes in the theme.

Everything that holds a participant's words comes from the consent-gated quote bank
(approved quotes only, redacted, attributed as agreed), so the draft holds nothing
``verify`` would stop; no transcript file name or quote id is written. Percentages round
by :func:`mpsp_qual.core.numbers.percent`, as the terminal and the workbook do.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from mpsp_qual.analysis import aggregate
from mpsp_qual.core.errors import AnalysisError, ReliabilityError
from mpsp_qual.core.files import atomic_path
from mpsp_qual.core.model import PathLike
from mpsp_qual.core.numbers import percent, round_half_up
from mpsp_qual.formats import charts

__all__ = ["Findings", "write_findings"]


@dataclass
class Findings:
    """What :func:`write_findings` wrote."""

    path: Path
    coder: str
    themes: int
    quotes: int
    notes: list[str] = field(default_factory=list)


def _quoted(text: str) -> str:
    return f"\u201c{text.strip()}\u201d"


def _agreement(project, coder: str) -> tuple[pd.DataFrame | None, str]:
    """Agreement per code between the coders, where there are two to compare."""
    from mpsp_qual.analysis.agreement import agreement_report, describe_units

    humans = [c for c in project.coders() if c not in ("auto", "consensus")]
    compared = humans if len(humans) >= 2 else [*humans, "auto"] if humans else []
    if len(compared) < 2:
        return None, ""
    try:
        report = agreement_report(project, compared)
    except (ReliabilityError, AnalysisError) as exc:
        return None, f"Agreement between {', '.join(compared)} could not be computed ({exc})."
    return report, describe_units(report)


def write_findings(
    project,
    path: PathLike,
    *,
    coder: str | None = None,
    by: str | None = None,
    survey: pd.DataFrame | None = None,
    title: str = "Findings (draft)",
) -> Findings:
    """Write the findings draft (``.docx``), whole or not at all.

    Args:
        project: the project.
        path: the ``.docx`` to write.
        coder: whose codings count (default the project's default coder).
        by: a register attribute to break each theme down by (sector, role, ...).
        survey: a table from :func:`mpsp_qual.analysis.survey.survey_agreement`, for a
            survey chapter.
        title: the document's title.

    Raises:
        AnalysisError: ``path`` is not a .docx, the coder or ``by`` does not exist.
    """
    from mpsp_qual.consent.quotes import gate, quote_bank

    target = Path(path)
    if target.suffix.lower() != ".docx":
        raise AnalysisError(f"{target.name}: the findings draft is a .docx file; name it so.")
    analysis = aggregate.Analysis(project, coder=coder)
    codebook, n = analysis.codebook, analysis.n
    prevalence = analysis.prevalence().set_index("code")
    groups = analysis.prevalence(by=by) if by else None
    bank = gate(project, quote_bank(project, coder=analysis.coder, status="approved"))
    report, units = _agreement(project, analysis.coder)
    notes: list[str] = []

    doc = Document()
    section = doc.sections[0]
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.5))
    doc.add_heading(title, 0)

    doc.add_heading("Methods", 1)
    coders = [c for c in project.coders() if c != analysis.coder]
    kinds = project.store.documents.units()
    unit = f"segment ({' or '.join(kinds) if kinds else 'turn'})"
    methods = (
        f"Figures count the {n} participants with at least one segment (withdrawn "
        f"participants are left out); a code counts for a participant when any of their "
        f"segments carries it or one of its sub-codes. The unit of analysis is the {unit}. "
        f"The codings counted are {analysis.coder}'s"
        + (f"; other coders: {', '.join(coders)}." if coders else ".")
    )
    doc.add_paragraph(methods)
    if report is not None:
        doc.add_paragraph(units)
        rows = report[report["code"] != "(pooled)"] if "code" in report.columns else report
        table = doc.add_table(rows=1, cols=4)
        table.style = "Light Grid Accent 1"
        for cell, text in zip(table.rows[0].cells, ("Code", "Units", "% agreement", "alpha")):
            cell.text = text
        for r in rows.itertuples(index=False):
            cells = table.add_row().cells
            cells[0].text = str(getattr(r, "name", r.code))
            cells[1].text = str(int(r.n_units))
            pa = r.percent_agreement
            cells[2].text = "" if pd.isna(pa) else f"{round_half_up(pa, 1):.1f}%"
            alpha = getattr(r, "alpha", float("nan"))
            cells[3].text = "" if pd.isna(alpha) else f"{round_half_up(alpha, 3):.3f}"
    else:
        doc.add_paragraph("Only one coder's codings are in the project: no agreement figures.")
    doc.add_paragraph(
        "Quotes are those the participants approved, shown as approved (names and "
        "organisations redacted), attributed as each participant agreed."
    )

    quotes = 0
    with tempfile.TemporaryDirectory() as scratch:
        figures = {f.stem: f for f in charts.figures(project, analysis=analysis, survey=survey)}
        try:
            for theme in codebook.roots():
                quotes += _chapter(
                    doc, analysis, prevalence, groups, by, bank, theme, figures, Path(scratch)
                )
            if survey is not None and len(survey):
                doc.add_heading("Survey", 1)
                for stem in ("survey-agree", "survey-likert"):
                    if stem in figures:
                        _picture(doc, figures[stem], Path(scratch))
                for r in survey.itertuples(index=False):
                    doc.add_paragraph(f"{r.statement}: {_survey_label(r)}", style="List Bullet")
        finally:
            import matplotlib.pyplot as plt

            for f in figures.values():
                plt.close(f.figure)
        with atomic_path(target) as tmp:
            doc.save(str(tmp))
    return Findings(
        path=target, coder=analysis.coder, themes=len(codebook.roots()), quotes=quotes, notes=notes
    )


def _survey_label(r) -> str:
    if not r.n:
        return "no valid answers"
    small = f" (small group, n < {charts.SMALL_GROUP})" if r.n < charts.SMALL_GROUP else ""
    return (
        f"{percent(r.pct_agree)} agree (95% CI {percent(r.ci_low).rstrip('%')}-"
        f"{percent(r.ci_high)}), n = {int(r.n)}{small}"
    )


def _picture(doc, figure, scratch: Path) -> None:
    image = scratch / f"{figure.stem}.png"
    figure.figure.savefig(image, format="png", dpi=200)
    doc.add_picture(str(image), width=Cm(16))


def _chapter(doc, analysis, prevalence, groups, by, bank, theme, figures, scratch) -> int:
    n = analysis.n
    codebook = analysis.codebook
    row = prevalence.loc[theme.id]
    doc.add_heading(theme.name, 1)
    if theme.description:
        doc.add_paragraph(theme.description)
    doc.add_paragraph(
        f"{percent(row['pct_participants'])} of participants ({int(row['participants'])} of "
        f"{n}) spoke to this theme, in {int(row['segments'])} segments."
        + (f" With n = {n}, read the percentages as counts." if n < charts.SMALL_GROUP else "")
    )
    # Codebook order, sub-codes indented under their code (whose figure includes them).
    for code in codebook.descendants(theme.id):
        if code.id not in prevalence.index:
            continue
        r = prevalence.loc[code.id]
        text = f"{code.name}: {percent(r['pct_participants'])} ({int(r['participants'])} of {n})"
        if code.description:
            text += f" - {code.description}"
        level = codebook.level(code.id)
        doc.add_paragraph(text, style="List Bullet" if level <= 2 else "List Bullet 2")
    if groups is not None:
        _breakdown(doc, groups, by, theme.id)
    stem = f"theme-{charts._slug(theme.id)}"
    if stem in figures:
        _picture(doc, figures[stem], scratch)
    ids = [theme.id, *(c.id for c in codebook.descendants(theme.id))]
    mine = bank[bank["code"].isin(ids)] if len(bank) else bank
    if mine.empty:
        doc.add_paragraph("No approved quotes for this theme yet.")
        return 0
    doc.add_heading("In participants' words", 2)
    names = {c.id: c.name for c in codebook}
    shown = 0
    for _quote_id, rows in mine.groupby("quote_id", sort=False):
        first = rows.iloc[0]
        quote = doc.add_paragraph(_quoted(first["text"]), style="Quote")
        quote.paragraph_format.keep_with_next = True  # the attribution stays with its quote
        others = [names[c] for c in dict.fromkeys(rows["code"]) if c != first["code"]]
        attribution = f"\u2013 {first['attribution']}"
        if others:
            attribution += f" (also coded: {', '.join(others)})"
        para = doc.add_paragraph(attribution)
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        para.runs[0].font.size = Pt(9)
        shown += 1
    return shown


def _breakdown(doc, groups: pd.DataFrame, by: str, code: str) -> None:
    part = groups[groups["code"] == code]
    if part.empty:
        return
    doc.add_paragraph(f"By {by}:")
    table = doc.add_table(rows=1, cols=3)
    table.style = "Light Grid Accent 1"
    for cell, text in zip(table.rows[0].cells, (by, "participants", "% of group")):
        cell.text = text
    for r in part.itertuples(index=False):
        cells = table.add_row().cells
        group, size = getattr(r, by) or "(blank)", int(r.n)
        cells[0].text = f"{group} (n = {size})"
        cells[1].text = str(int(r.participants))
        flag = " (small group)" if size < charts.SMALL_GROUP else ""
        cells[2].text = f"{percent(r.pct_participants)}{flag}"
