"""The findings draft (report -o findings.docx) and the charts (report --charts DIR).

Built on the shipped sample, auto-coded: "Negotiating the lead provider" is coded for 5 of
the 8 participants, so 0.625 must read 63% in the terminal, the workbook and the draft.
Every output is searched from the outside for the words of the participant who declined
quotes (P07) and the one who withdrew (P06), with approvals planted for them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pytest
from docx import Document
from helpers import _phrases, build_half_approved_sample, output_text

from mpsp_qual import Project
from mpsp_qual.cli import cli

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "transcripts_sample"


@pytest.fixture(scope="module")
def coded_sample(tmp_path_factory) -> Path:
    if not (SAMPLE / "participants.csv").is_file():
        pytest.skip("transcripts_sample/ is absent")
    return build_half_approved_sample(tmp_path_factory.mktemp("findings") / "project")


@pytest.fixture
def proj(coded_sample, tmp_path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(coded_sample, target)
    return target


def run(runner, proj: Path, *args: str):
    return runner.invoke(cli, ["-p", str(proj), *args])


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_findings_draft_has_a_chapter_per_theme(runner, proj, tmp_path):
    sheet = run(runner, proj, "sheet", "import", str(SAMPLE / "coder2_sheet.xlsx"))
    assert sheet.exit_code == 0, sheet.output  # a second coder, for the agreement figures
    out = tmp_path / "findings.docx"
    result = run(runner, proj, "report", "-o", str(out), "--by", "sector")
    assert result.exit_code == 0, result.output
    assert re.match(
        r"Wrote .*findings\.docx \(coder auto; 4 themes, \d+ approved quotes\)\.", result.stdout
    )
    doc = Document(str(out))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    with Project.open(proj) as p:
        themes = [c.name for c in p.codebook.roots()]
    assert headings == ["Methods", *themes]
    text = docx_text(out)
    assert "The unit of analysis is the segment (turn)" in text
    methods = text.split("Methods\n", 1)[1].split("\n")[:3]
    assert methods[1].startswith("Unit of analysis: segment (turn); 31 segments coded by all")
    agreement = Document(str(out)).tables[0]
    assert [c.text for c in agreement.rows[0].cells] == ["Code", "Units", "% agreement", "alpha"]
    assert all(re.fullmatch(r"\d+\.\d%", r.cells[2].text) for r in agreement.rows[1:])
    assert "Negotiating the lead provider" not in headings  # a code, not a chapter
    # the breakdown by the attribute, with n per group, small groups flagged
    assert "Health (n = 2)" in text and "(small group)" in text
    # a chart per theme (the PNG beside the words), and quotes in the Quote style
    with zipfile.ZipFile(out) as z:
        assert len([n for n in z.namelist() if n.startswith("word/media/")]) == 4
    quotes = [p for p in doc.paragraphs if p.style.name == "Quote"]
    assert quotes and all(p.text.startswith("\u201c") for p in quotes)
    assert all(p.paragraph_format.keep_with_next for p in quotes)  # attribution kept with it


def test_0625_reads_63_percent_in_the_terminal_the_workbook_and_the_draft(runner, proj, tmp_path):
    terminal = run(runner, proj, "prevalence").stdout
    line = next(x for x in terminal.splitlines() if x.lstrip().startswith("lead-provider"))
    assert "63%" in line.split()
    book = tmp_path / "summary.xlsx"
    assert run(runner, proj, "report", "-o", str(book)).exit_code == 0
    ws = openpyxl.load_workbook(book)["Prevalence"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "lead-provider")
    cell = row[header.index("% of participants")]
    assert cell.value == 0.625 and cell.number_format == "0%"  # Excel and Calc show 63%
    draft = tmp_path / "findings.docx"
    assert run(runner, proj, "report", "-o", str(draft)).exit_code == 0
    assert "Negotiating the lead provider: 63% (5 of 8)" in docx_text(draft)


def test_verify_passes_on_the_findings_draft_by_construction(runner, proj, tmp_path):
    draft = tmp_path / "findings.docx"
    run(runner, proj, "report", "-o", str(draft))
    result = run(runner, proj, "verify", str(draft))
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"All \d+ quoted passages are verified\.\n", result.stderr)


def test_no_output_without_internal_holds_declined_or_withdrawn_words(runner, proj, tmp_path):
    """Every format a report or quote command writes, searched from the outside."""
    phrases = _phrases("P06", "P07")
    assert len(phrases) >= 2
    survey = str(SAMPLE / "survey.csv")
    outputs = []
    for name in ("summary.xlsx", "findings.docx"):
        out = tmp_path / name
        args = ["report", "-o", str(out), "--by", "sector", "--survey", survey]
        result = run(runner, proj, *args, "--charts", str(tmp_path / "charts"))
        assert result.exit_code == 0, result.output
        outputs.append(out)
    for suffix in (".md", ".docx", ".xlsx", ".csv"):
        out = tmp_path / f"quotes{suffix}"
        assert run(runner, proj, "quotes", "--status", "all", "-o", str(out)).exit_code == 0
        outputs.append(out)
    requests = tmp_path / "requests"
    assert run(runner, proj, "quotes", "request", "--all", "-o", str(requests)).exit_code == 0
    outputs += sorted(requests.iterdir())
    outputs += sorted((tmp_path / "charts").glob("*.svg"))
    register = pd.read_csv(SAMPLE / "participants.csv", dtype=str).fillna("")
    names = [*register["name"], *register["organisation"]]
    for out in outputs:
        text = output_text(out) if out.suffix != ".svg" else out.read_text(encoding="utf-8")
        leaked = [p for p in phrases if p in text]
        assert not leaked, f"{out.name} holds {leaked}"
        # The quote bank's tables keep their Document column for the team (see quotebank).
        if out.name not in ("quotes.xlsx", "quotes.csv"):
            unredacted = [n for n in names if n and n in text]
            assert not unredacted, f"{out.name} names {unredacted}"
    # and with --internal the workbook does hold excerpts, marked so
    team = tmp_path / "team.xlsx"
    assert run(runner, proj, "report", "-o", str(team), "--internal").exit_code == 0
    assert "Framework (internal)" in openpyxl.load_workbook(team).sheetnames


def test_charts_are_written_as_png_and_svg(runner, proj, tmp_path):
    charts = tmp_path / "charts"
    survey = str(SAMPLE / "survey.csv")
    result = run(
        runner,
        proj,
        "report",
        "-o",
        str(tmp_path / "s.xlsx"),
        "--charts",
        str(charts),
        "--survey",
        survey,
    )
    assert result.exit_code == 0, result.output
    stems = {p.stem for p in charts.iterdir()}
    assert {"themes", "theme-challenges", "survey-agree", "survey-likert"} <= stems
    for stem in stems:
        png, svg = charts / f"{stem}.png", charts / f"{stem}.svg"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        ElementTree.parse(svg)  # well-formed
    labels = " ".join(
        t.text or ""
        for t in ElementTree.parse(charts / "theme-challenges.svg").iter()
        if t.tag.endswith("text")
    )
    assert "% of participants" in labels and "(n = 8)" in labels
    survey_labels = (charts / "survey-agree.svg").read_text(encoding="utf-8")
    assert "(n = 19" in survey_labels and "95%" in survey_labels


def test_report_refuses_other_extensions_and_internal_findings(runner, proj, tmp_path):
    result = run(runner, proj, "report", "-o", str(tmp_path / "r.pdf"))
    assert result.exit_code == 1 and "the report is written as .xlsx" in result.stderr
    result = run(runner, proj, "report", "-o", str(tmp_path / "f.docx"), "--internal")
    assert result.exit_code == 2
    assert not (tmp_path / "f.docx").exists()


# -- LibreOffice: the files open, and how many pages they print to ----------------------------


def soffice_pdf(source: Path, outdir: Path, tmp_path: Path) -> Path:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = (tmp_path / "lo-profile").as_uri()
    done = subprocess.run(
        [exe, "--headless", "--norestore", f"-env:UserInstallation={profile}",
         "--convert-to", "pdf", "--outdir", str(outdir), str(source)],
        capture_output=True, text=True, timeout=240, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    pdf = outdir / f"{source.stem}.pdf"
    if not pdf.is_file() and "could not be loaded" in done.stderr + done.stdout:
        pytest.skip(f"this LibreOffice cannot open {source.suffix} files (component missing)")
    assert pdf.is_file(), done.stderr
    return pdf


def pdf_pages(pdf: Path) -> int:
    # Each page object of a PDF is "/Type /Page" (the tree nodes are "/Type /Pages").
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


def test_libreoffice_prints_the_summary_landscape_in_few_pages(runner, proj, tmp_path):
    book = tmp_path / "summary.xlsx"
    survey = str(SAMPLE / "survey.csv")
    assert (
        run(runner, proj, "report", "-o", str(book), "--by", "sector", "--survey", survey).exit_code
        == 0
    )
    pdf = soffice_pdf(book, tmp_path / "pdf", tmp_path)
    sheets = len(openpyxl.load_workbook(book).sheetnames)
    assert sheets <= pdf_pages(pdf) <= 2 * sheets  # fitted to width: a page or two a sheet


def test_libreoffice_opens_the_findings_draft(runner, proj, tmp_path):
    draft = tmp_path / "findings.docx"
    assert run(runner, proj, "report", "-o", str(draft), "--by", "sector").exit_code == 0
    pdf = soffice_pdf(draft, tmp_path / "pdf", tmp_path)
    assert pdf_pages(pdf) >= 4  # a chapter per theme
