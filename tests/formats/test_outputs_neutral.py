"""Neutralise on the way out: CSV headers, Markdown and HTML, control characters, listings."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from mpsp_qual import Project
from mpsp_qual.cli import cli
from mpsp_qual.consent.approvals import set_require_approval
from mpsp_qual.formats.quotebank import write_quote_bank

HOSTILE = (
    "Alice Moss: We were stretched <img src=x onerror=alert(1)> and [read this]"
    "(javascript:alert(document.cookie)) then ![](https://tracker.example/pixel.png) capacity.\n"
)
CONTROLS = "Alice Moss: Our capacity\f was\v stretched \x1b[31mred\x1b[0m and \x07 gone for good.\n"


def coded_project(tmp_path: Path, small_files, line: str) -> Project:
    transcript = tmp_path / "in" / "alpha.txt"
    transcript.write_text("Interviewer: How did it start?\n" + line, encoding="utf-8")
    project = Project.init(
        tmp_path / "proj", codebook=small_files["codebook"], register=small_files["register"]
    )
    project.import_transcripts([transcript])
    ids = list(project.segments(participants_only=True)["segment_id"])
    project.record_codings("alice", [(s, "capacity-constraints", None) for s in ids], segments=ids)
    set_require_approval(project, False)
    return project


def test_quotes_md_renders_transcript_markup_as_text(tmp_path, small_files):
    project = coded_project(tmp_path, small_files, HOSTILE)
    out = tmp_path / "quotes.md"
    assert write_quote_bank(project, out, status="all", min_words=3) == 1
    html = MarkdownIt("commonmark").render(out.read_text(encoding="utf-8"))
    assert "<img" not in html
    assert "<a " not in html and "href" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # shown as the words it is
    project.close()


@pytest.mark.parametrize("suffix", [".docx", ".xlsx"])
def test_control_characters_do_not_break_word_or_excel(tmp_path, small_files, suffix):
    project = coded_project(tmp_path, small_files, CONTROLS)
    out = tmp_path / f"quotes{suffix}"
    assert write_quote_bank(project, out, status="all", min_words=3) == 1
    with zipfile.ZipFile(out) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".xml"))
    assert b"\x1b" not in xml and b"\x07" not in xml
    assert b"stretched" in xml
    project.close()


def test_terminal_output_prints_no_escape_or_bell(tmp_path, small_files, runner):
    coded_project(tmp_path, small_files, CONTROLS).close()
    for command in (["turns", "--wide"], ["segments", "--wide"], ["turns", "--format", "csv"]):
        result = runner.invoke(cli, ["-p", str(tmp_path / "proj"), *command])
        assert result.exit_code == 0, result.output
        assert "stretched" in result.output
        assert "\x1b" not in result.output and "\x07" not in result.output


def test_csv_header_cells_are_neutralised(tmp_path, small_files, runner):
    register = small_files["register"].read_text(encoding="utf-8").splitlines()
    register[0] += ',=HYPERLINK("https://evil.example";"x")'
    register[1:] = [row + ",1" for row in register[1:]]
    (tmp_path / "in" / "hostile.csv").write_text("\n".join(register) + "\n", encoding="utf-8")
    Project.init(tmp_path / "proj", register=tmp_path / "in" / "hostile.csv").close()
    out = tmp_path / "participants.csv"
    result = runner.invoke(
        cli, ["-p", str(tmp_path / "proj"), "participants", "-o", str(out), "--internal"]
    )
    assert result.exit_code == 0, result.output
    header = next(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert not any(h.startswith(("=", "+", "-", "@")) for h in header)
    assert '\'=HYPERLINK("https://evil.example";"x")' in header


def test_turns_does_not_list_a_withdrawn_participant(project, runner):
    project.withdraw("P02")
    project.close()
    result = runner.invoke(cli, ["-p", str(project.directory), "turns", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "marmalade" not in result.output
    assert "Cara Lin" in result.output
