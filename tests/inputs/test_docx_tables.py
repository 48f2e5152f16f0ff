"""Word tables: a speaker table is the transcript; a cover table above paragraphs is not."""

from __future__ import annotations

import docx

from mpsp_qual.inputs.transcripts import read_transcript


def _table(d, rows):
    table = d.add_table(rows=len(rows), cols=len(rows[0]))
    for row, values in zip(table.rows, rows):
        for cell, value in zip(row.cells, values):
            cell.text = value


def test_a_cover_table_above_a_paragraph_transcript_is_metadata(tmp_path):
    d = docx.Document()
    _table(d, [["Project", "Partnerships"], ["Date", "4 March 2025"], ["Site", "Wrenfield"]])
    for line in ["I: How did it start?", "R: With a tender.", "I: And then?", "R: We won it."]:
        d.add_paragraph(line)
    d.save(str(tmp_path / "cover.docx"))
    doc = read_transcript(tmp_path / "cover.docx")
    assert [(t.speaker, t.text) for t in doc.turns] == [
        ("I", "How did it start?"),
        ("R", "With a tender."),
        ("I", "And then?"),
        ("R", "We won it."),
    ]
    assert doc.layout == '"Name: text" transcript'


def test_a_speaker_table_without_a_header_row(tmp_path):
    d = docx.Document()
    d.add_paragraph("Wrenfield interview")
    _table(
        d,
        [
            ["00:00:03", "Dana Reid", "How did it start?"],
            ["00:00:07", "Zoë Ünal", "With a tender, and a long one."],
            ["", "", "It took months."],
            ["00:01:10", "Dana Reid", "And then?"],
            ["00:01:12", "Zoë Ünal", "We won it."],
        ],
    )
    d.save(str(tmp_path / "grid.docx"))
    doc = read_transcript(tmp_path / "grid.docx")
    assert [(t.speaker, t.start_time, t.text) for t in doc.turns] == [
        ("Dana Reid", "00:00:03", "How did it start?"),
        ("Zoë Ünal", "00:00:07", "With a tender, and a long one.\nIt took months."),
        ("Dana Reid", "00:01:10", "And then?"),
        ("Zoë Ünal", "00:01:12", "We won it."),
    ]
    assert doc.metadata == {"title": "Wrenfield interview"}


def test_names_bold_by_a_character_style(tmp_path):
    d = docx.Document()
    for name, text in [("Dana Reid", "How did it start?"), ("Zoë Ünal", "With a tender.")] * 2:
        d.add_paragraph().add_run(name, style="Strong")
        d.add_paragraph(text)
    d.save(str(tmp_path / "strong.docx"))
    doc = read_transcript(tmp_path / "strong.docx")
    assert [t.speaker for t in doc.turns] == ["Dana Reid", "Zoë Ünal"] * 2
    assert doc.layout == "bold-name transcript"
