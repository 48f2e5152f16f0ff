"""`verify` reads every common quotation style, so a declined participant's words cannot hide."""

from __future__ import annotations

import pytest
from docx import Document

from mpsp_qual.cli import cli
from mpsp_qual.consent.verify import verify_draft

# Ben Hart (P02 in the conftest register) declined to be quoted.
BEN = "The marmalade protocol never worked for us, and the lead provider kept changing."

STYLES = [
    pytest.param(f"As one director put it, '{BEN}' and moved on.", id="straight-single"),
    pytest.param(f"Ein Direktor sagte: „{BEN}“ und ging.", id="german-low-high"),
    pytest.param(f"Un directeur a dit ‹{BEN}› puis est parti.", id="single-guillemets"),
    pytest.param(f"ある理事は「{BEN}」と言った。", id="corner-brackets"),
    pytest.param(f"One director said <q>{BEN}</q> and moved on.", id="html-q"),
    pytest.param(
        f"Findings.\n\n<blockquote>\n<p>{BEN}</p>\n</blockquote>\n\nMore text.",
        id="html-blockquote",
    ),
    pytest.param(f"Findings.\n\n> {BEN}\n> – Health PSM\n\nMore text.", id="markdown-block"),
]


@pytest.mark.parametrize("body", STYLES)
def test_a_declined_participant_is_caught_in_every_style(project, tmp_path, body):
    draft = tmp_path / "draft.md"
    draft.write_text(body + "\n", encoding="utf-8")
    result = verify_draft(project, draft)
    assert list(result["consent"]) == ["declined"]
    assert not result["ok"].any()


def test_markdown_quote_lines_in_a_word_draft_are_read(project, tmp_path):
    doc = Document()
    doc.add_paragraph("Findings, in a draft pasted from Markdown.")
    doc.add_paragraph(f"> {BEN}")
    path = tmp_path / "draft.docx"
    doc.save(str(path))
    result = verify_draft(project, path)
    assert list(result["consent"]) == ["declined"]


def test_verify_fails_the_draft_from_the_command_line(project, tmp_path, runner):
    draft = tmp_path / "draft.txt"
    draft.write_text(f"As one director put it, '{BEN}'\n", encoding="utf-8")
    project.close()
    result = runner.invoke(cli, ["-p", str(project.directory), "verify", str(draft)])
    assert result.exit_code == 1, result.output
    assert "declined" in result.output
