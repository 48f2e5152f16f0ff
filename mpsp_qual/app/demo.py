"""The whole pipeline on the shipped sample: what ``mpsp-qual demo`` and ``make demo`` run.

Each step is a feature's ``demo_step``; ``log`` receives a line per step (the command
line prints them), and ``show`` a table to display. Running the demo again changes
nothing in the project: imports of unchanged files are no-ops, auto-coding and
sheet imports replace their own codings with the same ones, and outputs are
rewritten whole.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from mpsp_qual.app.project import Project
from mpsp_qual.core.errors import ProjectError
from mpsp_qual.core.model import PathLike

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
            f"the demo needs {SAMPLE} and {CODEBOOK}; run it from a source checkout of mpsp-qual."
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
    from mpsp_qual.analysis import aggregate, agreement
    from mpsp_qual.coding import autocode
    from mpsp_qual.consent import quotes
    from mpsp_qual.formats import refi

    return [
        autocode.demo_step,
        agreement.demo_step,
        quotes.demo_step,
        aggregate.demo_step,
        refi.demo_step,
    ]
