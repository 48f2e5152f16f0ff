"""Shared fixtures: a CLI runner, the spaCy pipeline, and small projects built inline."""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from mpsp_qual import Project
from mpsp_qual.inputs.codebook import load_codebook_text

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "transcripts_sample"

SMALL_CODEBOOK = """\
codebook: Small test codebook
version: "1"
codes:
  - id: challenges
    name: Challenges
    codable: false
    children:
      - id: misaligned-values
        name: Misaligned aims and values
        keywords: [misaligned, "different agenda"]
        exclude_keywords: ["value for money"]
        children:
          - id: lead-provider
            name: Lead provider negotiation
            keywords: ["lead provider"]
      - id: capacity-constraints
        name: Capacity constraints
        keywords: [capacity, stretched]
  - id: benefits
    name: Benefits
    codable: false
    children:
      - id: new-markets
        name: New markets
        keywords: ["new market", diversify]
"""

REGISTER = """\
participant_id,transcript,speaker,name,organisation,role,consent_quotes,consent_named,attribution,withdrawn,sector
P01,alpha.txt,Alice Moss,Alice Moss,Fenmoor Care,Chief Executive,yes,yes,Social care PSM,no,Social care
P02,beta.txt,Ben Hart,Ben Hart,Hartwell Health,Director,no,no,Health PSM,no,Health
P03,beta.txt,Cara Lin,Cara Lin,Hartwell Health,Finance Director,yes,no,Health PSM,no,Health
"""

ALPHA = """\
Interview A – Fenmoor Care
Date: 2025-02-01

Interviewer: How did the partnership start?
Alice Moss: We were stretched, honestly. Our capacity was the problem from day one.
Interviewer: And the other side?
Alice Moss: They had a different agenda. Misaligned from the start, I would say.
"""

BETA = """\
Interviewer: Tell me about partnering.
Ben Hart: The marmalade protocol never worked for us, and the lead provider kept changing.
Cara Lin: We wanted to diversify into a new market, and we did.
Interviewer: Thanks.
Ben Hart: Value for money was all they talked about.
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def nlp():
    from mpsp_qual.inputs.segment import get_nlp

    return get_nlp()


@pytest.fixture
def small_files(tmp_path: Path) -> dict[str, Path]:
    """The small codebook, register and two transcripts written under tmp_path/in."""
    d = tmp_path / "in"
    d.mkdir()
    files = {
        "codebook": d / "codebook.yaml",
        "register": d / "participants.csv",
        "alpha": d / "alpha.txt",
        "beta": d / "beta.txt",
    }
    files["codebook"].write_text(SMALL_CODEBOOK, encoding="utf-8")
    files["register"].write_text(REGISTER, encoding="utf-8")
    files["alpha"].write_text(ALPHA, encoding="utf-8")
    files["beta"].write_text(BETA, encoding="utf-8")
    return files


@pytest.fixture
def project(tmp_path: Path, small_files: dict[str, Path]) -> Project:
    """A project with the small codebook, register and both transcripts imported."""
    p = Project.init(
        tmp_path / "proj", codebook=small_files["codebook"], register=small_files["register"]
    )
    p.import_transcripts([small_files["alpha"], small_files["beta"]])
    yield p
    p.close()


@pytest.fixture
def small_codebook():
    return load_codebook_text(textwrap.dedent(SMALL_CODEBOOK))


@pytest.fixture
def shared_dir() -> Path:
    """The shared interop folder beside the checkout; skips when it is absent (a user's clone)."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside this checkout")
    return SHARED


ANALYSIS_DATA = ROOT / "tests" / "data" / "analysis"


def build_analysis_project(directory: Path) -> Project:
    """Register, two transcripts and alice's and auto's codings from tests/data/analysis
    (described in tests/analysis/test_aggregate.py's docstring)."""
    project = Project.init(
        directory,
        codebook=ANALYSIS_DATA / "codebook.yaml",
        register=ANALYSIS_DATA / "register.csv",
    )
    project.import_transcripts([ANALYSIS_DATA / "one.txt", ANALYSIS_DATA / "two.txt"])
    with open(ANALYSIS_DATA / "codings.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    everything = project.segments(participants_only=True)["segment_id"].tolist()
    for coder in ("alice", "auto"):
        mine = [(r["segment_id"], r["code"], None) for r in rows if r["coder"] == coder]
        coded = everything if coder == "alice" else [s for s, _, _ in mine]
        project.record_codings(coder, mine, segments=coded)
    return project


@pytest.fixture
def analysis(tmp_path: Path) -> Project:
    """The hand-built analysis project, open."""
    project = build_analysis_project(tmp_path / "proj")
    yield project
    project.close()
