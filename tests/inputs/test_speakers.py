"""Speaker recognition that cannot move words between people (issue 14's bullets).

Register labels are matched in Python after NFC and full case folding; a trailing
``(she/her)``-style bracket, Teams' ``Surname, First`` and HTML entities do not stop a
match; a near miss is a warning naming both; bytes that are not text in the file's
encoding are an error naming the byte and the line, never a silent re-decode.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from mpsp_qual import Project
from mpsp_qual.core.errors import RegisterError, TranscriptError
from mpsp_qual.inputs.register import match_speaker, near_speaker, read_register, speaker_key
from mpsp_qual.inputs.transcripts import read_transcript

DATA = Path(__file__).resolve().parent.parent / "data" / "transcripts"

CODEBOOK = """\
codebook: Speaker tests
version: "1"
codes:
  - id: tendering
    name: Tendering
    keywords: [tender, bid]
  - id: risk
    name: Risk sharing
    keywords: ["risk share"]
"""

SURNAME_FIRST = """\
WEBVTT

5c1d7e2a-1b3c-4d5e-8f90-a1b2c3d4e5f6/20-0
00:00:01.000 --> 00:00:04.000
<v Reid, Dana>What was the bid like?</v>

5c1d7e2a-1b3c-4d5e-8f90-a1b2c3d4e5f6/21-0
00:00:04.000 --> 00:00:09.000
<v Okafor-Lowe, Kwame>The bid was long, and the tender
was written by three of us.</v>

5c1d7e2a-1b3c-4d5e-8f90-a1b2c3d4e5f6/22-0
00:00:09.000 --> 00:00:12.000
<v Reid, Dana>Thanks.</v>
"""


def test_pronouns_entities_and_surname_first_are_matched_to_the_register_and_coded(tmp_path):
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (tmp_path / "kwame.vtt").write_text(SURNAME_FIRST, encoding="utf-8")
    register = tmp_path / "people.csv"
    register.write_text(
        "participant_id,transcript,speaker,consent_quotes\n"
        "P1,zoom.vtt,Zoë Ünal,yes\n"  # the file says "Zoë Ünal (she/her)"
        "P2,teams.vtt,Zoë Ünal,yes\n"  # the file says "Ünal, Zo&#235;"
        "P3,kwame.vtt,Kwame Okafor-Lowe,yes\n",  # the file says "Okafor-Lowe, Kwame"
        encoding="utf-8",
    )
    with Project.init(tmp_path / "p", codebook=tmp_path / "codebook.yaml") as project:
        report = project.import_transcripts(
            [DATA / "zoom.vtt", DATA / "teams.vtt", tmp_path / "kwame.vtt"], register=register
        )
        project.autocode()
        segments = project.segments(participants_only=True)
        codings = project.codings(coder="auto")
    assert report.warnings == []
    by_doc = segments.groupby("document")["participant_id"].agg(set).to_dict()
    assert by_doc == {"zoom.vtt": {"P1"}, "teams.vtt": {"P2"}, "kwame.vtt": {"P3"}}
    # Every word of each interviewee is theirs: 4 turns, 1 + 1 in the Surname, First file.
    assert segments.groupby("document").size().to_dict() == {
        "zoom.vtt": 4,
        "teams.vtt": 4,
        "kwame.vtt": 1,
    }
    coded = codings.groupby("participant_id")["code"].agg(set).to_dict()
    assert coded == {
        "P1": {"tendering", "risk"},
        "P2": {"tendering", "risk"},
        "P3": {"tendering"},
    }


def test_match_speaker_readings():
    people = ["Zoë Ünal", "Dana Reid", "Kwame Okafor-Lowe"]
    assert match_speaker("Zoë Ünal (she/her)", people) == "Zoë Ünal"
    assert match_speaker("ZOË ÜNAL (Guest)", people) == "Zoë Ünal"
    assert match_speaker("Ünal, Zoë", people) == "Zoë Ünal"
    assert match_speaker("Dana Reid | Research Team", people) == "Dana Reid"
    assert match_speaker("Dana Reid, Wrenfield Evaluation", people) == "Dana Reid"
    assert match_speaker("Okafor-Lowe, Kwame (Contractor)", people) == "Kwame Okafor-Lowe"
    assert match_speaker(unicodedata.normalize("NFD", "Zoë Ünal"), people) == "Zoë Ünal"
    assert match_speaker("Zoe Unal", people) is None  # close is not the same; see below
    assert speaker_key("Straße") == speaker_key("STRASSE")  # full case folding
    assert near_speaker("Zoe Unal", people) == "Zoë Ünal"
    assert near_speaker("Speaker 1", ["Speaker 2"]) is None  # numbers are not typos


def test_decomposed_names_and_text_are_nfc_and_match_an_nfc_register(tmp_path):
    nfd = unicodedata.normalize("NFD", "Interviewer: Ça va?\nZoë Ünal: Très bien.\n")
    path = tmp_path / "mac.txt"
    path.write_bytes(nfd.encode("utf-8"))
    doc = read_transcript(path, known_speakers=frozenset({"Zoë Ünal"}))
    assert [t.speaker for t in doc.turns] == ["Interviewer", "Zoë Ünal"]
    assert doc.turns[1].speaker == unicodedata.normalize("NFC", "Zoë Ünal")
    assert doc.turns[1].text == "Très bien." and unicodedata.is_normalized("NFC", doc.text)


def test_an_nfd_register_matches_and_clashes_like_nfc(tmp_path):
    register = tmp_path / "people.csv"
    nfd = unicodedata.normalize("NFD", "Zoë Ünal")
    register.write_text(f"participant_id,transcript,speaker\nP1,a.txt,{nfd}\n", encoding="utf-8")
    (person,) = read_register(register)
    assert person.speaker == "Zoë Ünal"  # NFC
    register.write_text(
        f"participant_id,transcript,speaker\nP1,a.txt,Zoë Ünal\nP2,a.txt,{nfd}\n", encoding="utf-8"
    )
    with pytest.raises(RegisterError, match=r"row 3: speaker 'Zoë Ünal' in a.txt is already"):
        read_register(register)


def test_a_near_miss_is_a_warning_naming_both_never_a_match(tmp_path):
    path = tmp_path / "near.txt"
    path.write_text(
        "Interviewer: Hello.\nZoe Unal: Hi.\nInterviewer: And?\nZoe Unal: Fine.\n", "utf-8"
    )
    doc = read_transcript(path, known_speakers=frozenset({"Zoë Ünal"}))
    assert {t.speaker for t in doc.turns} == {"Interviewer", "Zoe Unal"}
    assert doc.warnings == (
        "near.txt: speaker 'Zoe Unal' is not in the register, but nearly matches 'Zoë Ünal'; "
        "if they are the same person, give the register row the transcript's spelling "
        "'Zoe Unal'.",
    )


def test_a_one_off_label_in_a_zoom_cue_with_a_register_stops_the_import(tmp_path):
    path = tmp_path / "zoom.vtt"
    path.write_text(
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nDana Reid: How was it?\n\n"
        "2\n00:00:02.000 --> 00:00:03.000\nZoë Ünal (she/her): Hard.\n\n"
        "3\n00:00:03.000 --> 00:00:04.000\nDana Reid: Why?\n\n"
        "4\n00:00:04.000 --> 00:00:05.000\nZoë Ünal (she/her): Money.\n\n"
        "5\n00:00:05.000 --> 00:00:06.000\nSam Cole (Guest): Can I add something?\n",
        encoding="utf-8",
    )
    with pytest.raises(TranscriptError) as info:
        read_transcript(path, known_speakers=frozenset({"Zoë Ünal"}))
    assert str(info.value).startswith(
        "zoom.vtt, line 21: 'Sam Cole (Guest)' looks like a speaker label but is not one the "
        "register names for this file (Zoë Ünal) and occurs only once;"
    )
    doc = read_transcript(path)
    assert doc.turns[-1].speaker == "Sam Cole (Guest)" and len(doc.warnings) == 1


@pytest.mark.parametrize(
    "data, message",
    [
        pytest.param(
            "Interviewer: Was it hard?\nZoë Ünal: Yes – very.\n".encode() + b"It was \x92x\x92.\n",
            "bad.txt, line 3: byte 59 (0x92) is not valid UTF-8, though the rest of the file "
            "is UTF-8; retype the character there or save the file again as UTF-8.",
            id="cp1252-byte-in-utf8",
        ),
        pytest.param(
            b"\xef\xbb\xbfInterviewer: Hi.\nAnn: \xff\n",
            "bad.txt, line 2: byte 25 (0xFF) is not valid UTF-8, though the rest of the file "
            "is UTF-8; retype the character there or save the file again as UTF-8.",
            id="bom-then-bad-byte",
        ),
        pytest.param(
            b"Interviewer: Hi.\nAnn: \x81 fine\n",
            "bad.txt, line 2: byte 22 (0x81) is neither UTF-8 nor Windows-1252 text; "
            "save the file as UTF-8.",
            id="undefined-in-cp1252",
        ),
    ],
)
def test_invalid_bytes_name_the_byte_and_line(tmp_path, data, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(TranscriptError) as info:
        read_transcript(path)
    assert str(info.value) == message


def test_a_register_with_a_bad_byte_is_refused(tmp_path):
    register = tmp_path / "people.csv"
    register.write_bytes(
        "participant_id,transcript,speaker\nP1,a.txt,Zoë Ünal\n".encode() + b"P2,b.txt,Jo \x92\n"
    )
    with pytest.raises(RegisterError) as info:
        read_register(register)
    assert str(info.value) == (
        "people.csv, line 3: byte 66 (0x92) is not valid UTF-8, though the rest of the file "
        "is UTF-8; retype the character there or save the file again as UTF-8."
    )


def test_a_register_loaded_after_import_links_labels_the_same_way(tmp_path):
    register = tmp_path / "people.csv"
    register.write_text(
        "participant_id,transcript,speaker\nP1,zoom.vtt,ZOË ÜNAL\nP2,teams.vtt,Zoë Ünal\n",
        encoding="utf-8",
    )
    with Project.init(tmp_path / "p") as project:
        project.import_transcripts([DATA / "zoom.vtt", DATA / "teams.vtt"])
        assert project.segments(participants_only=True).empty
        warnings = project.load_register(register)
        segments = project.segments(participants_only=True)
        turns = project.turns()
    assert warnings == []
    assert segments.groupby("document")["participant_id"].agg(set).to_dict() == {
        "zoom.vtt": {"P1"},
        "teams.vtt": {"P2"},
    }
    assert set(turns["speaker"]) == {
        "ZOË ÜNAL",
        "Zoë Ünal",
        "Dana Reid | Research Team",
        "Reid, Dana (Contractor)",
    }


def test_a_decomposed_file_name_is_the_registers_transcript(tmp_path):
    # macOS writes file names in NFD; the register (typed on Windows) has them in NFC.
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / unicodedata.normalize("NFD", "Zoë.txt")
    path.write_text("Interviewer: Hello.\nZoë Ünal: Hi.\n", encoding="utf-8")
    register = tmp_path / "people.csv"
    register.write_text("participant_id,transcript,speaker\nP1,Zoë.txt,Zoë Ünal\n", "utf-8")
    with Project.init(tmp_path / "p", register=register) as project:
        project.import_transcripts([folder])
        again = project.import_transcripts([folder])
        segments = project.segments(participants_only=True)
    assert list(segments["document"]) == ["Zoë.txt"] and list(segments["participant_id"]) == ["P1"]
    assert again.unchanged == ["Zoë.txt"]


def test_cues_before_the_first_name_are_an_unnamed_speaker_with_a_warning(tmp_path):
    path = tmp_path / "zoom.vtt"
    path.write_text(
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nis this recording?\n\n"
        "2\n00:00:02.000 --> 00:00:03.000\nDana Reid: Welcome.\n\n"
        "3\n00:00:03.000 --> 00:00:04.000\nZoë Ünal: Thanks.\n",
        encoding="utf-8",
    )
    doc = read_transcript(path)
    assert [t.speaker for t in doc.turns] == ["Unnamed speaker", "Dana Reid", "Zoë Ünal"]
    assert doc.warnings == (
        "zoom.vtt, line 5: the cues before the first speaker name have none; their words are "
        "kept under 'Unnamed speaker', who is never coded or quoted.",
    )
