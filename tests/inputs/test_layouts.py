"""Every layout of issue 11, read from fixtures written from the published layouts.

The fixtures and ``expected.json`` are written by ``tests/data/transcripts/make_fixtures.py``
from one fictional interview; the expected turns (speaker as the file writes it, start
time, words) come from that interview, never from the readers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mpsp_qual.inputs.transcripts import read_transcript, summary

DATA = Path(__file__).resolve().parent.parent / "data" / "transcripts"
EXPECTED = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=sorted(EXPECTED))
def test_each_layout_imports_exactly(name):
    want = EXPECTED[name]
    doc = read_transcript(DATA / name)
    got = [[t.speaker, t.start_time, len(t.text.split())] for t in doc.turns]
    assert got == want["turns"]
    assert doc.layout == want["layout"]
    assert doc.warnings == ()


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=sorted(EXPECTED))
def test_non_speech_never_enters_a_turn(name):
    want = EXPECTED[name]
    doc = read_transcript(DATA / name)
    for turn in doc.turns:
        assert doc.text[turn.start : turn.end] == turn.text
        for absent in want["absent"]:
            assert absent not in turn.text, (absent, turn.text)
    for key, value in want["metadata"].items():
        assert doc.metadata.get(key) == value


def test_in_turn_annotations_stay_as_said():
    for name in EXPECTED:
        doc = read_transcript(DATA / name)
        said = " ".join(t.text for t in doc.turns)
        assert "[laughs]" in said and "[inaudible 00:02:14]" in said, name


def test_a_backchannel_splits_the_answer_and_one_speakers_paragraphs_are_one_turn():
    doc = read_transcript(DATA / "word_transcribe.docx")
    # Two "00:00:11 Speaker 2" / "00:00:24 Speaker 2" segments are one turn ...
    assert doc.turns[1].text.startswith("Of course.") and doc.turns[1].text.endswith("them.")
    # ... and the interviewer's "Right." between two answers keeps them apart.
    assert [t.text for t in doc.turns[4:6]][0] == "Right."


def test_descript_minute_markers_leave_the_text():
    doc = read_transcript(DATA / "descript.txt")
    assert doc.turns[3].text.startswith("It started with a tender, really. [laughs] The council")


def test_teams_entities_are_decoded_in_names_and_text():
    doc = read_transcript(DATA / "teams.vtt")
    assert doc.turns[1].speaker == "Ünal, Zoë"
    assert "&" not in doc.text


def test_the_report_line_names_the_layout_speakers_turns_and_times():
    assert summary(read_transcript(DATA / "teams.docx")) == (
        "Read teams.docx as a Teams transcript: 2 speakers, 9 turns, times 0:03-2:40"
    )
    assert summary(read_transcript(DATA / "typist_ir.txt")) == (
        'Read typist_ir.txt as a "Name: text" transcript: 2 speakers, 9 turns'
    )


def test_fixtures_are_the_generators_output(tmp_path):
    """The committed text fixtures are what make_fixtures.py writes (none edited by hand)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", DATA / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.HERE = tmp_path
    module.main()
    for path in tmp_path.iterdir():
        if path.suffix != ".docx":
            assert path.read_bytes() == (DATA / path.name).read_bytes(), path.name
