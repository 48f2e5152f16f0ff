"""Transcript readers: speakers, turns, offsets and encodings for every format."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest

from mpsp_qual.core.errors import TranscriptError
from mpsp_qual.inputs.transcripts import SUPPORTED_EXTENSIONS, read_transcript

TXT = """\
Interview 3 – Brackenridge Housing
Date: 2025-03-04

[00:00:05] Interviewer: How did the partnership start?
[00:00:09] Dana Reid: It started with a phone call from the trust.

We met the next week, and it went well.
Honestly: it was hard.
[00:01:30] Interviewer: And then?
[00:01:34] Dana Reid: Then we signed.
"""

MD = """\
# Interview 4

**Interviewer:** What went well?

**Sam Okoro:** The bid. We won it.

And the second one too.

**Interviewer:** Thanks.
**Sam Okoro**: Pleasure.
"""

VTT = """\
WEBVTT
Kind: captions

NOTE written by hand

1
00:00:01.000 --> 00:00:03.000
<v Interviewer>Hello, and thanks.</v>

00:00:03.500 --> 00:00:06.000 align:start position:10%
<v Kim Tran>Thanks &amp; welcome.

00:00:06.000 --> 00:00:08.000
<v Kim Tran>It was a <b>long</b> process.</v>

00:00:08.000 --> 00:00:09.000
<v Interviewer>Why?
"""

SRT = """\
1
00:00:01,000 --> 00:00:03,000
Interviewer: Hello.

2
00:00:03,500 --> 00:00:06,000
Kim Tran: Hi, thanks for having me.

3
00:00:06,000 --> 00:00:08,000
Kim Tran: It was a long process.

4
00:00:08,500 --> 00:00:09,000
Interviewer: Why?
"""

CP1252 = "Interviewer: What did they say?\nJo Bell: They said ‘no’ – then “maybe”.\n"


def write_docx(path: Path, paragraphs: list[str]) -> Path:
    word = docx.Document()
    for text in paragraphs:
        word.add_paragraph(text)
    word.save(str(path))
    return path


DOCX_PARAGRAPHS = [
    "Interview 5",
    "Date: 2025-01-01",
    "Interviewer: Tell me about the consortium.",
    "Lee Park: We shared staff across three sites.",
    "It helped a lot with cover.",
    "Interviewer: Good.",
]


def make(tmp_path: Path, fmt: str) -> Path:
    """One small transcript of the given format under tmp_path."""
    if fmt == "docx":
        return write_docx(tmp_path / "t.docx", DOCX_PARAGRAPHS)
    text = {"txt": TXT, "md": MD, "vtt": VTT, "srt": SRT}[fmt]
    path = tmp_path / f"t.{fmt}"
    path.write_text(text, encoding="utf-8")
    return path


EXPECTED = {
    "txt": [
        ("Interviewer", "00:00:05", "How did the partnership start?"),
        (
            "Dana Reid",
            "00:00:09",
            "It started with a phone call from the trust.\n\nWe met the next week, and it went well.\n"
            "Honestly: it was hard.",
        ),
        ("Interviewer", "00:01:30", "And then?"),
        ("Dana Reid", "00:01:34", "Then we signed."),
    ],
    "md": [
        ("Interviewer", None, "What went well?"),
        ("Sam Okoro", None, "The bid. We won it.\n\nAnd the second one too."),
        ("Interviewer", None, "Thanks."),
        ("Sam Okoro", None, "Pleasure."),
    ],
    "docx": [
        ("Interviewer", None, "Tell me about the consortium."),
        ("Lee Park", None, "We shared staff across three sites.\nIt helped a lot with cover."),
        ("Interviewer", None, "Good."),
    ],
    "vtt": [
        ("Interviewer", "00:00:01", "Hello, and thanks."),
        ("Kim Tran", "00:00:03.500", "Thanks & welcome. It was a long process."),
        ("Interviewer", "00:00:08", "Why?"),
    ],
    "srt": [
        ("Interviewer", "00:00:01", "Hello."),
        ("Kim Tran", "00:00:03.500", "Hi, thanks for having me. It was a long process."),
        ("Interviewer", "00:00:08.500", "Why?"),
    ],
}


# -- every format --------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt",
    [
        pytest.param("txt", id="txt-timestamps-continuation"),
        pytest.param("md", id="md-bold-labels"),
        pytest.param("docx", id="docx-python-docx"),
        pytest.param("vtt", id="vtt-voice-tags"),
        pytest.param("srt", id="srt-name-prefix"),
    ],
)
def test_turns_speakers_times_and_text(tmp_path, fmt):
    doc = read_transcript(make(tmp_path, fmt))
    assert [(t.speaker, t.start_time, t.text) for t in doc.turns] == EXPECTED[fmt]
    assert [t.index for t in doc.turns] == list(range(len(EXPECTED[fmt])))
    assert doc.format == fmt


@pytest.mark.parametrize("fmt", ["txt", "md", "docx", "vtt", "srt"])
def test_turn_offsets_slice_the_document_text_back_to_the_turn(tmp_path, fmt):
    doc = read_transcript(make(tmp_path, fmt))
    for turn in doc.turns:
        assert doc.text[turn.start : turn.end] == turn.text


def test_metadata_lines_before_the_first_turn_are_not_turns(tmp_path):
    doc = read_transcript(make(tmp_path, "txt"))
    assert doc.metadata == {"title": "Interview 3 – Brackenridge Housing", "date": "2025-03-04"}
    assert all("Brackenridge" not in t.text and "2025" not in t.text for t in doc.turns)


def test_docx_metadata_paragraphs_are_not_turns(tmp_path):
    doc = read_transcript(make(tmp_path, "docx"))
    assert doc.metadata == {"title": "Interview 5", "date": "2025-01-01"}


def test_a_label_seen_once_in_a_continuation_is_not_a_speaker(tmp_path):
    doc = read_transcript(make(tmp_path, "txt"))
    assert {t.speaker for t in doc.turns} == {"Interviewer", "Dana Reid"}
    assert doc.turns[1].text.endswith("Honestly: it was hard.")


def test_a_label_seen_once_is_a_speaker_when_the_register_names_it(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text(
        "Interviewer: Hi.\nAnn: Hello.\nInterviewer: And you?\nAnn: Fine.\nBo Li: I only spoke once.\n",
        encoding="utf-8",
    )
    # Without a register a one-off name is a speaker of its own, with a warning: gluing it
    # to Ann's turn would put Bo Li's words under Ann's consent.
    plain = read_transcript(path)
    assert [t.speaker for t in plain.turns] == ["Interviewer", "Ann", "Interviewer", "Ann", "Bo Li"]
    assert plain.turns[-2].text == "Fine."
    assert plain.warnings == (
        "t.txt, line 5: 'Bo Li' occurs only once as a speaker label, so it was read as a "
        "speaker of its own; if the words are Ann's, join the line to the one above.",
    )
    known = read_transcript(path, known_speakers=frozenset({"Bo Li"}))
    assert [t.speaker for t in known.turns][-1] == "Bo Li"
    assert known.turns[-1].text == "I only spoke once."


def test_participant_and_interviewee_labels_are_speakers_after_the_header(tmp_path):
    # "Interviewer:" / "Participant:" is the usual anonymised style; "Participant: P03"
    # above the first turn is a header field.
    path = tmp_path / "anon.txt"
    path.write_text(
        "Date: 2025-02-02\nParticipant: P03\n\n"
        "Interviewer: How was it?\nParticipant: Hard, to be honest.\n"
        "Interviewer: Why?\nParticipant: Money.\n",
        encoding="utf-8",
    )
    doc = read_transcript(path)
    assert [(t.speaker, t.text) for t in doc.turns] == [
        ("Interviewer", "How was it?"),
        ("Participant", "Hard, to be honest."),
        ("Interviewer", "Why?"),
        ("Participant", "Money."),
    ]
    assert doc.metadata == {"date": "2025-02-02", "participant": "P03"}


def test_a_one_off_prefix_in_a_vtt_cue_is_not_a_speaker(tmp_path):
    path = tmp_path / "zoom.vtt"
    path.write_text(
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:02.000\nInterviewer: How was it?\n\n"
        "00:00:02.000 --> 00:00:03.000\nAnn Lee: Hard.\n\n"
        "00:00:03.000 --> 00:00:04.000\nHonestly: it was very hard.\n\n"
        "00:00:04.000 --> 00:00:05.000\nInterviewer: Why?\n\n"
        "00:00:05.000 --> 00:00:06.000\nAnn Lee: Money.\n",
        encoding="utf-8",
    )
    doc = read_transcript(path)
    assert [(t.speaker, t.text) for t in doc.turns] == [
        ("Interviewer", "How was it?"),
        ("Ann Lee", "Hard. Honestly: it was very hard."),
        ("Interviewer", "Why?"),
        ("Ann Lee", "Money."),
    ]


def test_qualcoder_bracket_labels(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text("[id1] Hello there.\n\n[id2] Hi.\n\n[id1] Bye.\n", encoding="utf-8")
    doc = read_transcript(path)
    assert [(t.speaker, t.text) for t in doc.turns] == [
        ("id1", "Hello there."),
        ("id2", "Hi."),
        ("id1", "Bye."),
    ]


# -- encodings and line endings ---------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(CP1252.encode("cp1252"), id="cp1252-curly-quotes"),
        pytest.param(b"\xef\xbb\xbf" + CP1252.encode("utf-8"), id="utf8-bom"),
        pytest.param(CP1252.encode("utf-8"), id="utf8"),
        pytest.param(CP1252.replace("\n", "\r\n").encode("utf-8"), id="crlf"),
        pytest.param(CP1252.replace("\n", "\r\n").encode("cp1252"), id="cp1252-crlf"),
        pytest.param(CP1252.encode("utf-16"), id="utf16-bom"),
    ],
)
def test_curly_quotes_and_dashes_survive_every_encoding(tmp_path, data):
    path = tmp_path / "enc.txt"
    path.write_bytes(data)
    doc = read_transcript(path)
    assert [(t.speaker, t.text) for t in doc.turns] == [
        ("Interviewer", "What did they say?"),
        ("Jo Bell", "They said ‘no’ – then “maybe”."),
    ]
    assert "\r" not in doc.text and "\ufeff" not in doc.text
    for turn in doc.turns:
        assert doc.text[turn.start : turn.end] == turn.text


def test_cp1252_vtt(tmp_path):
    path = tmp_path / "w.vtt"
    path.write_bytes(
        "WEBVTT\r\n\r\n00:00:01.000 --> 00:00:02.000\r\n<v Jo Bell>It’s “fine” – really.\r\n".encode(
            "cp1252"
        )
    )
    assert read_transcript(path).turns[0].text == "It’s “fine” – really."


# -- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, data, message",
    [
        pytest.param(
            "empty.txt",
            b"",
            "empty.txt is empty; give a transcript with at least one turn.",
            id="empty-txt",
        ),
        pytest.param(
            "blank.md",
            b"  \n\n \r\n",
            "blank.md is empty; give a transcript with at least one turn.",
            id="whitespace-only",
        ),
        pytest.param(
            "bom.txt",
            b"\xef\xbb\xbf\n",
            "bom.txt is empty; give a transcript with at least one turn.",
            id="bom-only",
        ),
        pytest.param(
            "empty.vtt",
            b"",
            "empty.vtt is empty; give a transcript with at least one turn.",
            id="empty-vtt",
        ),
        pytest.param(
            "empty.docx",
            b"",
            "empty.docx is empty; give a transcript with at least one turn.",
            id="empty-docx",
        ),
        pytest.param(
            "image.txt",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
            "image.txt is not a text file (it holds binary data); "
            "export the transcript as .txt, .docx, .vtt or .srt.",
            id="binary-named-txt",
        ),
        pytest.param(
            "notes.pdf",
            b"%PDF-1.4",
            "notes.pdf: unknown transcript format '.pdf'; use one of .txt, .md, .docx, .vtt, .srt.",
            id="unknown-extension",
        ),
        pytest.param(
            "plain.txt",
            b"I think the partnership was hard.\n\nWe did our best.\n",
            'plain.txt has no speaker labels; expected lines like "Name: text" '
            "(if one person speaks throughout, say who with `import plain.txt --speaker NAME`).",
            id="no-speaker-labels",
        ),
        pytest.param(
            "labels.txt",
            b"Interviewer:\nAnn:\n",
            "labels.txt has speaker labels but no text after them.",
            id="labels-without-text",
        ),
        pytest.param(
            "broken.vtt",
            b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v A>Hi.\n\n"
            b"2\n00:00:03.000 --> 00:00:0x.000\n<v B>Hello.\n",
            "broken.vtt, line 7: broken timestamp '00:00:03.000 --> 00:00:0x.000'; "
            'expected "hh:mm:ss.ttt --> hh:mm:ss.ttt".',
            id="vtt-broken-timestamp",
        ),
        pytest.param(
            "arrow.vtt",
            b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v A>Hi.\n\n00:00:03.000 -> 00:00:04.000\n<v B>Hello.\n",
            'arrow.vtt, line 6: cue has no timing line; expected "00:00:01.000 --> 00:00:04.000".',
            id="vtt-no-arrow",
        ),
        pytest.param(
            "noheader.vtt",
            b"00:00:01.000 --> 00:00:02.000\n<v A>Hi.\n",
            'noheader.vtt, line 1: a WebVTT file must start with "WEBVTT".',
            id="vtt-no-header",
        ),
        pytest.param(
            "broken.srt",
            b"1\n00:00:01,000 --> 00:00:02,000\nA: Hi.\n\n2\n00:00:03 --> 00:00:04,000\nB: Hello.\n",
            "broken.srt, line 6: broken timestamp '00:00:03 --> 00:00:04,000'; "
            'expected "hh:mm:ss.ttt --> hh:mm:ss.ttt".',
            id="srt-broken-timestamp",
        ),
        pytest.param(
            "cues.vtt",
            b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello.\n\n00:00:02.000 --> 00:00:03.000\nHi.\n",
            'cues.vtt has no speaker labels; expected <v Name> voice tags or "Name: text" cues '
            "(if one person speaks throughout, say who with `import cues.vtt --speaker NAME`).",
            id="vtt-no-speakers",
        ),
        pytest.param(
            "cues.srt",
            b"1\n00:00:01,000 --> 00:00:02,000\nHello.\n",
            'cues.srt has no speaker labels; expected "Name: text" cues '
            "(if one person speaks throughout, say who with `import cues.srt --speaker NAME`).",
            id="srt-no-speakers",
        ),
        pytest.param(
            "text.docx",
            b"Interviewer: this is plain text saved as .docx\n",
            "text.docx is not a Word (.docx) file; open it in Word and save it as .docx, "
            "or rename it to its real extension.",
            id="docx-plain-text",
        ),
    ],
)
def test_bad_transcripts_name_the_file_and_the_fix(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(TranscriptError) as info:
        read_transcript(path)
    assert str(info.value) == message


def test_a_zip_that_is_not_word_is_refused(tmp_path):
    path = tmp_path / "archive.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(TranscriptError, match=r"^archive\.docx is not a Word \(\.docx\) file"):
        read_transcript(path)


def test_a_docx_renamed_to_txt_is_binary(tmp_path):
    real = write_docx(tmp_path / "real.docx", ["Interviewer: hi", "Ann: hello"])
    path = tmp_path / "renamed.txt"
    path.write_bytes(real.read_bytes())
    with pytest.raises(TranscriptError, match=r"^renamed\.txt is not a text file"):
        read_transcript(path)


def test_no_speaker_labels_reads_with_speaker(tmp_path):
    path = tmp_path / "plain.txt"
    path.write_text(
        "\n  I think the partnership was hard.\n\nWe did our best.  \n", encoding="utf-8"
    )
    doc = read_transcript(path, speaker="Ann Lee")
    assert [(t.speaker, t.text) for t in doc.turns] == [
        ("Ann Lee", "I think the partnership was hard.\n\nWe did our best.")
    ]
    turn = doc.turns[0]
    assert doc.text[turn.start : turn.end] == turn.text


def test_supported_extensions():
    assert set(SUPPORTED_EXTENSIONS) == {".txt", ".md", ".docx", ".vtt", ".srt"}


def test_upper_case_extension_is_read(tmp_path):
    path = tmp_path / "LOUD.TXT"
    path.write_text("Interviewer: Hi.\nAnn: Hello.\n", encoding="utf-8")
    assert [t.speaker for t in read_transcript(path).turns] == ["Interviewer", "Ann"]


# -- files from other tools (../shared/interop/transcripts) ------------------------------


def interop(shared_dir: Path, name: str) -> Path:
    return shared_dir / "interop" / "transcripts" / name


def test_qualcoder_id_labels(shared_dir):
    doc = read_transcript(interop(shared_dir, "qualcoder_transcript_b735ce3.txt"))
    assert [t.speaker for t in doc.turns] == ["id1", "id2", "id3", "id1", "id3", "id1", "id2"]
    assert doc.turns[0].text.startswith("hello, I like the course.")
    assert (
        doc.turns[-1].text == "Hmm, I will ask the tutor for more help as I am really struggling."
    )
    for turn in doc.turns:
        assert doc.text[turn.start : turn.end] == turn.text


def test_qualcoder_docx_without_labels_fails_then_reads_with_speaker(shared_dir):
    path = interop(shared_dir, "qualcoder_ID1.docx")
    with pytest.raises(TranscriptError) as info:
        read_transcript(path)
    assert str(info.value) == (
        'qualcoder_ID1.docx has no speaker labels; expected lines like "Name: text" '
        "(if one person speaks throughout, say who with `import qualcoder_ID1.docx --speaker NAME`)."
    )
    doc = read_transcript(path, speaker="Student")
    assert len(doc.turns) == 1
    turn = doc.turns[0]
    assert turn.speaker == "Student"
    assert turn.text.startswith("I really like learning new things.")
    assert turn.text.endswith("I'm happy to pay €200.")
    assert doc.text[turn.start : turn.end] == turn.text


def test_teams_vtt_unpadded_times(shared_dir):
    doc = read_transcript(interop(shared_dir, "webvtt-py_teams_timeframe.vtt"))
    assert [(t.speaker, t.start_time, t.text) for t in doc.turns] == [
        ("Yuri Bakulin", "00:00:00", "There you go."),
        ("Adrian Petrescu", "00:00:00.210", "Why hello there, Yuri."),
    ]


def test_w3c_interview_vtt(shared_dir):
    doc = read_transcript(interop(shared_dir, "vttjs_example1_w3c_interview.vtt"))
    roger, neil = "Roger Bingham", "Neil deGrasse Tyson"
    assert [(t.speaker, t.start_time) for t in doc.turns] == [
        (roger, "00:00:11"),  # nine consecutive cues, merged, keep the first start
        (neil, "00:00:30.500"),
        (roger, "00:00:32"),
        (neil, "00:00:32.500"),
        (roger, "00:00:35.500"),
    ]
    first = doc.turns[0].text
    assert first.startswith("We are in New York City We're actually at the Lucern Hotel")
    assert "Thank you for walking down here. And I want to do a follow-up" in first
    # The file's mis-encoded dash is valid UTF-8, so it is kept verbatim.
    assert first.endswith("When we e-mailed\u00e2\u0080\u0094")
    assert doc.turns[3].text == "Laughs"
    assert "align:" not in doc.text and "<" not in doc.text
    for turn in doc.turns:
        assert doc.text[turn.start : turn.end] == turn.text
