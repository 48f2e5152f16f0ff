"""The whole pipeline on the shipped sample: what ``mpsp-qual demo`` and ``make demo`` run.

Each step of the pipeline is one function here; ``log`` receives a line per step (the command
line prints them), and ``show`` a table to display. Running the demo again changes
nothing in the project: imports of unchanged files are no-ops, auto-coding and
sheet imports replace their own codings with the same ones, and outputs are
rewritten whole.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from mpsp_qual.analysis import aggregate, agreement
from mpsp_qual.app.project import Project
from mpsp_qual.coding import autocode
from mpsp_qual.consent import quotes
from mpsp_qual.core.errors import ProjectError
from mpsp_qual.core.model import AUTO_CODER, PathLike
from mpsp_qual.formats import disagreements, refi, sheets

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "transcripts_sample"
CODEBOOK = ROOT / "codebooks" / "partnerships.yaml"

Log = Callable[[str], None]
Show = Callable[[str, pd.DataFrame], None]


def run_demo(
    outdir: PathLike = "demo-output",
    *,
    log: Log = lambda line: None,
    show: Show = lambda title, frame: None,
) -> Project:
    """Build ``OUTDIR/project`` from ``transcripts_sample/`` and write the outputs into OUTDIR.

    Raises:
        ProjectError: the sample folder or the codebook is missing (an installed copy
            without the source checkout).
    """
    out = Path(outdir)
    if not SAMPLE.is_dir() or not CODEBOOK.is_file():
        raise ProjectError(
            f"the demo needs {SAMPLE} and {CODEBOOK}; run it from a source checkout of the toolkit."
        )
    register = SAMPLE / "participants.csv"
    project = Project.init(out / "project", codebook=CODEBOOK, register=register)
    report = project.import_transcripts([SAMPLE / "interviews"], register=register)
    log(
        f"Imported {len(report.imported)} transcripts ({len(report.unchanged)} unchanged), "
        f"{report.segments} new segments."
    )
    for warning in report.warnings:
        log(f"Warning: {warning}")
    show("Documents", project.documents().drop(columns=["sha256", "imported_at"]))
    out.mkdir(parents=True, exist_ok=True)
    for step in _steps():
        step(project, out, log=log, show=show)
    return project


def _steps() -> list:
    """Each feature's part of the demo, in pipeline order (quotes before the workbook,
    so that its Quotes sheet holds the approved quotes)."""
    return [autocode_step, agreement_step, quotes_step, summary_step, refi_step]


def autocode_step(project, outdir, *, log: Callable[[str], None], show) -> pd.DataFrame:
    """The demo's auto-coding step: auto-code the sample and show the code table."""
    counts = autocode.autocode(project)
    used = int((counts["segments"] > 0).sum())
    log(
        f"Auto-coded {counts.attrs['segments']} participant segments: "
        f"{counts.attrs['codings']} codings with {used} of {len(counts)} codes."
    )
    show("Codes applied by auto-coding", counts)
    return counts


def agreement_step(
    project,
    outdir: PathLike,
    *,
    log: Callable[[str], None],
    show: Callable[[str, pd.DataFrame], None],
    sheet: PathLike = SAMPLE / "coder2_sheet.xlsx",
) -> pd.DataFrame:
    """The demo's reliability step: import the second coder's sheet and compare.

    Imports ``transcripts_sample/coder2_sheet.xlsx``, shows the agreement between
    its coder and the first complete coding (the default coder: a human coder who
    coded everything, else ``auto``), and writes ``OUTDIR/disagreements.xlsx`` (a team
    working file, marked internal on every sheet and page, as ``agreement --disagreements
    --internal`` writes it).

    Returns:
        The agreement report.
    """
    if not Path(sheet).is_file():
        log(f"No second coder's sheet at {sheet}; agreement step skipped.")
        return pd.DataFrame(columns=agreement.REPORT_COLUMNS)
    summary = sheets.import_sheet(project, sheet)
    second = summary["coder"]
    first = project.default_coder()
    if first == second:
        first = AUTO_CODER
    log(
        f"Imported {summary['file']}: {second} coded {summary['segments']} segments "
        f"({summary['codings']} codes, {summary['memos']} memos)."
    )
    report = agreement.agreement_report(project, [second, first])
    show(
        f"Agreement, {second} vs {first}. {agreement.describe_units(report)}",
        agreement.rounded(report),
    )
    target = Path(outdir) / "disagreements.xlsx"
    n = disagreements.write_disagreements(project, [second, first], target)
    log(
        f"Wrote {target} ({n} segments where {second} and {first} differ; marked internal: "
        "it holds participants' words not cleared for quoting)."
    )
    return report


def quotes_step(project, outdir: PathLike, *, log: Callable[[str], None], show) -> None:
    """The quote bank's part of ``make demo``.

    The sample's participants are simulated approving the quotes the draft report
    uses: a request workbook is written from ``draft_report.md`` (``quotes request
    --draft``), every Decision filled in as "approved", and imported as ``quotes
    approve`` would. Then ``quotes.md`` / ``quotes.docx`` are written and the draft is
    verified against the transcripts.
    """
    from mpsp_qual.app.quoting import approve_quotes
    from mpsp_qual.consent.approvals import request_quotes
    from mpsp_qual.consent.verify import verify_draft
    from mpsp_qual.formats.quotebank import fill_decisions, write_quote_bank, write_request_folder

    out = Path(outdir)
    draft = SAMPLE / "draft_report.md"
    if draft.is_file():
        requests = request_quotes(project, draft=draft)
        if len(requests):
            folder = out / "quote_requests"
            files = write_request_folder(project, requests, folder)
            recorded = 0
            for path in files.values():
                fill_decisions(path, "approved", decided_at="2025-03-31")
                recorded += approve_quotes(project, path).recorded
            log(
                f"Quote requests: the {len(requests)} quotes the draft uses went to their "
                f"{len(files)} participants ({folder}/, one workbook each), who approved them: "
                f"{recorded} decisions recorded."
            )
        else:
            log("Quote requests: every quote the draft uses has a decision already.")
    for name in ("quotes.md", "quotes.docx"):
        n = write_quote_bank(project, out / name)
        log(f"Wrote {out / name} ({n} approved quotes).")
    pending = quotes.quote_bank(project, status="pending")
    log(f"{len(pending)} more candidate quotes await approval (quotes --status pending).")
    if draft.is_file():
        result = verify_draft(project, draft)
        show(
            f"Verify {draft.name}",
            result[["location", "match", "participant_id", "consent", "approval", "ok"]],
        )
        bad = int((~result["ok"]).sum())
        log(f"Verify: {len(result) - bad} of {len(result)} quoted passages pass.")


def summary_step(
    project,
    outdir: PathLike,
    *,
    log: Callable[[str], None],
    show: Callable[[str, pd.DataFrame], None],
    survey: PathLike | None = None,
):
    """The analyst's part of the demo: show prevalence, write ``OUTDIR/summary.xlsx``.

    The survey sheet comes from ``survey`` (default the sample's ``survey.csv``),
    and prevalence is broken down by ``sector``.
    """
    from mpsp_qual.formats.excel import write_summary

    if survey is None:
        candidate = SAMPLE / "survey.csv"
        survey = candidate if candidate.is_file() else None
    table = aggregate.prevalence(project)
    shown = table.drop(columns=["n"])
    shown["pct_participants"] = [f"{p:.0%}" if p == p else "" for p in table["pct_participants"]]
    show(f"Prevalence (coder {table.attrs['coder']}, n = {table.attrs['n']} participants)", shown)
    by = ["sector"] if "sector" in project.participants().columns else []
    summary = write_summary(
        project, Path(outdir) / "summary.xlsx", survey=survey, by=by, optional=True
    )
    for note in summary.notes:
        log(f"Note: {note}")
    log(f"Wrote {summary.path} ({len(summary.sheets)} sheets: {', '.join(summary.sheets)}).")
    return summary


def refi_step(
    project,
    outdir: PathLike,
    *,
    log: Callable[[str], None],
    show: Callable[[str, pd.DataFrame], None],
) -> None:
    """The demo's REFI-QDA part: write ``OUTDIR/project.qdpx`` (every transcript, so it says
    it is internal, as ``export qdpx --internal`` writes it) and ``OUTDIR/codebook.qdc``."""
    out = Path(outdir)
    report = refi.export_qdpx(project, output=out / "project.qdpx")
    codes = refi.export_qdc(project, output=out / "codebook.qdc")
    log(
        f"Wrote {out / 'project.qdpx'} for NVivo, ATLAS.ti, MAXQDA or QualCoder: "
        f"{report.sources} sources, {report.selections} selections, {report.codings} codings "
        f"by {report.users} coder(s), {report.cases} cases; and {out / 'codebook.qdc'} "
        f"({codes} codes)."
    )
    show(
        "REFI-QDA export",
        pd.DataFrame(
            {
                "element": ["users", "codes", "cases", "sources", "selections", "codings", "notes"],
                "count": [
                    report.users,
                    report.codes,
                    report.cases,
                    report.sources,
                    report.selections,
                    report.codings,
                    report.notes,
                ],
            }
        ),
    )
