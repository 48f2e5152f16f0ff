"""The whole pipeline on the shipped sample: what ``mpsp-qual demo`` and ``make demo`` run.

Each step is a library call; ``log`` receives a line per step (the command line
prints them), and tables come back for the caller to show.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .errors import ProjectError
from .model import PathLike
from .project import Project

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "transcripts_sample"
CODEBOOK = ROOT / "codebooks" / "partnerships.yaml"

Log = Callable[[str], None]
Show = Callable[[str, pd.DataFrame], None]


def run_demo(
    outdir: PathLike = "demo-output",
    *,
    sample: PathLike = SAMPLE,
    codebook: PathLike = CODEBOOK,
    log: Log = lambda line: None,
    show: Show = lambda title, frame: None,
) -> Project:
    """Build ``OUTDIR/project`` from the sample and write the outputs into OUTDIR.

    Running it again changes nothing in the project: imports of unchanged files are
    no-ops, and auto-coding replaces its own codings with the same ones.

    Raises:
        ProjectError: the sample folder or codebook is missing.
    """
    out = Path(outdir)
    sample = Path(sample)
    if not sample.is_dir() or not Path(codebook).is_file():
        raise ProjectError(
            f"the demo needs {sample} and {codebook}; run it from a source checkout "
            "or pass --sample and --codebook."
        )
    register = sample / "participants.csv"
    project = Project.init(out / "project", codebook=codebook, register=register)
    report = project.import_transcripts([sample / "interviews"], register=register)
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
    """Each feature's part of the demo, in pipeline order."""
    from . import aggregate, agreement, autocode, quotes, refi

    return [
        autocode.demo_step,
        agreement.demo_step,
        aggregate.demo_step,
        quotes.demo_step,
        refi.demo_step,
    ]
