"""The Project API: import, re-import, listings, offsets and the register."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import docx
import pytest

from mpsp_qual import Project
from mpsp_qual.app.project import SEGMENT_COLUMNS, TURN_COLUMNS, expand_paths
from mpsp_qual.core.errors import ImportConflict, RegisterError, TranscriptError
from mpsp_qual.store.db import PROJECT_FILE

TXT = """\
Interview 1 – Fenmoor
Date: 2025-02-01

[00:00:05] Interviewer: How did it start?
[00:00:09] Ann Lee: With a call. Then a meeting.

A second paragraph, still Ann. It ends here!
[00:01:30] Interviewer: And then?
[00:01:34] Ann Lee: We signed.
"""
MD = "# Notes\n\n**Interviewer:** What went well?\n\n**Bo Li:** The bid. We won it.\n\nAnd more.\n"
VTT = (
    "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Interviewer>Hello there.\n\n"
    "00:00:02.000 --> 00:00:03.000\n<v Cy Ng>Hi. Thanks.\n\n"
    "00:00:03.000 --> 00:00:04.000\n<v Cy Ng>It was long. Really long.\n"
)
SRT = (
    "1\n00:00:01,000 --> 00:00:02,000\nInterviewer: Hello.\n\n"
    "2\n00:00:02,000 --> 00:00:03,000\nDi Fox: Hi. Thanks.\n"
)


def write_all(d: Path) -> list[Path]:
    d.mkdir(exist_ok=True)
    (d / "a.txt").write_text(TXT, encoding="utf-8")
    (d / "b.md").write_text(MD, encoding="utf-8")
    (d / "c.vtt").write_text(VTT, encoding="utf-8")
    (d / "d.srt").write_text(SRT, encoding="utf-8")
    word = docx.Document()
    for para in ["Interview 5", "Interviewer: Tell me.", "Eve Ra: We shared staff.", "It helped."]:
        word.add_paragraph(para)
    word.save(str(d / "e.docx"))
    return sorted(d.iterdir())


def dump(directory: Path) -> list[str]:
    """Every table of the project file, as SQL."""
    conn = sqlite3.connect(directory / PROJECT_FILE)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def audit_count(project: Project) -> int:
    return project.store.execute("SELECT COUNT(*) FROM audit").fetchone()[0]


@pytest.fixture
def empty(tmp_path):
    p = Project.init(tmp_path / "proj")
    yield p
    p.close()


@pytest.mark.parametrize("unit", ["turn", "sentence"])
def test_offsets_slice_the_document_text_for_every_format(tmp_path, empty, unit):
    files = write_all(tmp_path / "in")
    report = empty.import_transcripts(files, unit=unit)
    assert report.imported == ["a.txt", "b.md", "c.vtt", "d.srt", "e.docx"]
    turns = empty.turns()
    segments = empty.segments()
    assert set(segments.document) == set(report.imported)
    for t in turns.itertuples():
        assert empty.document_text(t.document)[t.start : t.end] == t.text
    for s in segments.itertuples():
        assert empty.document_text(s.document)[s.start : s.end] == s.text


def test_turn_and_sentence_units(tmp_path):
    files = write_all(tmp_path / "in")
    with Project.init(tmp_path / "t") as by_turn, Project.init(tmp_path / "s") as by_sentence:
        by_turn.import_transcripts([files[0]])
        by_sentence.import_transcripts([files[0]], unit="sentence")
        assert list(by_turn.segments().text) == [
            "How did it start?",
            "With a call. Then a meeting.\n\nA second paragraph, still Ann. It ends here!",
            "And then?",
            "We signed.",
        ]
        assert list(by_sentence.segments().text) == [
            "How did it start?",
            "With a call.",
            "Then a meeting.",
            "A second paragraph, still Ann.",
            "It ends here!",
            "And then?",
            "We signed.",
        ]
        assert list(by_sentence.segments().segment_id)[1:5] == [
            "a.txt#1.0",
            "a.txt#1.1",
            "a.txt#1.2",
            "a.txt#1.3",
        ]


def test_turn_listing_columns_and_metadata_lines(tmp_path, empty):
    empty.import_transcripts([write_all(tmp_path / "in")[0]])
    turns = empty.turns()
    assert list(turns.columns) == TURN_COLUMNS
    assert list(turns.speaker) == ["Interviewer", "Ann Lee", "Interviewer", "Ann Lee"]
    assert list(turns.turn) == [0, 1, 2, 3]
    assert list(turns.start_time) == ["00:00:05", "00:00:09", "00:01:30", "00:01:34"]
    assert not turns.text.str.contains("Fenmoor|Date").any()


def test_interviewer_has_no_participant_id(project):
    turns = project.turns(document="alpha.txt")
    assert list(zip(turns.speaker, turns.participant_id.fillna(""))) == [
        ("Interviewer", ""),
        ("Alice Moss", "P01"),
        ("Interviewer", ""),
        ("Alice Moss", "P01"),
    ]
    segments = project.segments()
    assert list(segments.columns) == SEGMENT_COLUMNS
    assert segments[segments.speaker == "Interviewer"].participant_id.isna().all()
    only = project.segments(participants_only=True)
    assert set(only.participant_id) == {"P01", "P02", "P03"}
    assert "Interviewer" not in set(only.speaker)


def test_reimporting_an_unchanged_file_changes_nothing(tmp_path, project, small_files):
    before = dump(project.directory)
    report = project.import_transcripts(
        [small_files["alpha"], small_files["beta"]], register=small_files["register"]
    )
    assert report.unchanged == ["alpha.txt", "beta.txt"]
    assert report.imported == [] and report.segments == 0
    assert dump(project.directory) == before  # the audit table included


def test_a_changed_file_is_refused_then_replaced(tmp_path, project, small_files):
    alpha = small_files["alpha"]
    seg = project.segments(document="alpha.txt").segment_id.iloc[1]
    project.record_codings("alice", [(seg, "capacity-constraints", None)], segments=[seg])
    alpha.write_text(alpha.read_text(encoding="utf-8") + "Interviewer: One more?\n", "utf-8")
    before = dump(project.directory)
    with pytest.raises(ImportConflict) as info:
        project.import_transcripts([alpha])
    assert str(info.value) == (
        "alpha.txt has changed since it was imported; pass --replace to re-import it "
        "(its segments and codings are dropped and must be redone)."
    )
    assert dump(project.directory) == before
    n = audit_count(project)
    report = project.import_transcripts([alpha], replace=True)
    assert report.replaced == ["alpha.txt"] and report.imported == []
    assert project.turns(document="alpha.txt").text.iloc[-1] == "One more?"
    assert project.codings(coder="alice").empty
    assert audit_count(project) == n + 1


def test_a_different_unit_needs_replace_then_segments_again(project, small_files):
    alpha = small_files["alpha"]
    before = dump(project.directory)
    with pytest.raises(ImportConflict) as info:
        project.import_transcripts([alpha], unit="sentence")
    assert str(info.value) == (
        "alpha.txt was imported by turn; pass --replace to segment it again by sentence "
        "(its codings are dropped and must be redone)."
    )
    assert dump(project.directory) == before
    report = project.import_transcripts([alpha], unit="sentence", replace=True)
    assert report.replaced == ["alpha.txt"]
    # Alice's two turns hold two sentences each.
    assert len(project.segments(document="alpha.txt", participants_only=True)) == 4
    # Without --unit, a later import keeps the document's unit and changes nothing.
    assert project.import_transcripts([alpha]).unchanged == ["alpha.txt"]


def test_import_is_all_or_nothing(tmp_path, empty):
    good = tmp_path / "good.txt"
    good.write_text("Interviewer: Hi.\nAnn: Hello.\n", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text("no labels at all\n", encoding="utf-8")
    before = dump(empty.directory)
    with pytest.raises(TranscriptError, match=r"^bad\.txt has no speaker labels"):
        empty.import_transcripts([good, bad])
    assert empty.documents().empty
    assert dump(empty.directory) == before


def test_same_file_name_in_two_folders_is_refused(tmp_path, empty):
    for d in ("x", "y"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "a.txt").write_text("Interviewer: Hi.\nAnn: Hello.\n", encoding="utf-8")
    with pytest.raises(TranscriptError, match="has the same file name as"):
        empty.import_transcripts([tmp_path / "x" / "a.txt", tmp_path / "y" / "a.txt"])
    assert empty.documents().empty


def test_a_folder_gives_its_transcripts_only(tmp_path):
    files = write_all(tmp_path / "in")
    (tmp_path / "in" / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / "in" / "sub").mkdir()
    assert expand_paths([tmp_path / "in"]) == files
    with (
        Project.init(tmp_path / "p") as project,
        pytest.raises(TranscriptError, match="no transcript files in .*sub; give .txt"),
    ):
        project.import_transcripts([tmp_path / "in" / "sub"])


def test_documents_listing(project):
    docs = project.documents()
    assert list(docs.document) == ["alpha.txt", "beta.txt"]
    assert list(docs.turns) == [4, 5]
    assert list(docs.segments) == [4, 5]
    assert docs.sha256.str.len().tolist() == [64, 64]


def test_cp1252_text_survives_in_the_project(tmp_path, empty):
    path = tmp_path / "w.txt"
    path.write_bytes(
        "Interviewer: So?\r\nJo Bell: They said ‘no’ – then “maybe”.\r\n".encode("cp1252")
    )
    empty.import_transcripts([path])
    assert empty.segments().text.iloc[1] == "They said ‘no’ – then “maybe”."
    assert "“maybe”" in empty.document_text("w.txt")


def test_a_once_only_speaker_named_by_the_register_is_a_speaker(tmp_path, empty):
    path = tmp_path / "g.txt"
    path.write_text(
        "Interviewer: Hi.\nAnn: Hello.\nInterviewer: And you?\nAnn: Fine.\nBo Li: Me once.\n",
        encoding="utf-8",
    )
    register = tmp_path / "r.csv"
    register.write_text(
        "participant_id,transcript,speaker\nP1,g.txt,Ann\nP2,g.txt,Bo Li\n", encoding="utf-8"
    )
    report = empty.import_transcripts([path], register=register)
    assert report.warnings == []
    assert list(empty.turns().participant_id.fillna("")) == ["", "P1", "", "P1", "P2"]


def test_register_warnings(tmp_path, project):
    path = tmp_path / "r2.csv"
    path.write_text(
        "participant_id,transcript,speaker\nP01,alpha.txt,Alice Moss\n"
        "P04,ghost.txt,Gus\nP05,beta.txt,Nobody\n",
        encoding="utf-8",
    )
    assert project.load_register(path) == [
        "r2.csv: participant P04 names transcript ghost.txt, which is not imported; "
        "import it, or fix the file name in the register.",
        "r2.csv: participant P05 is speaker 'Nobody', who never speaks in beta.txt; check the label.",
    ]
    assert "P04" in set(project.participants().participant_id)


def test_withdrawn_stays_withdrawn(tmp_path, project, small_files):
    def register(flag: str) -> Path:
        path = tmp_path / f"r-{flag}.csv"
        path.write_text(
            "participant_id,transcript,speaker,withdrawn\n"
            f"P01,alpha.txt,Alice Moss,{flag}\nP02,beta.txt,Ben Hart,no\nP03,beta.txt,Cara Lin,no\n",
            encoding="utf-8",
        )
        return path

    project.load_register(register("yes"))
    assert project.participant("P01").withdrawn
    project.load_register(register("no"))
    assert project.participant("P01").withdrawn
    assert "P01" not in set(project.participants(include_withdrawn=False).participant_id)
    kept = project.segments(include_withdrawn=False)
    assert "Alice Moss" not in set(kept.speaker)
    # Through import --register too.
    project.import_transcripts([small_files["alpha"]], register=register("no"))
    assert project.participant("P01").withdrawn


def test_loading_the_same_register_again_adds_no_audit_entry(project, small_files):
    n = audit_count(project)
    project.load_register(small_files["register"])
    assert audit_count(project) == n


def test_init_with_a_bad_register_leaves_no_project_file(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,transcript\nP1,a.txt\n", encoding="utf-8")
    with pytest.raises(RegisterError, match="has no participant_id column"):
        Project.init(tmp_path / "proj", register=bad)
    assert not (tmp_path / "proj" / PROJECT_FILE).exists()


def test_init_on_an_existing_project_keeps_it(tmp_path, project):
    before = project.documents()
    again = Project.init(project.directory)
    try:
        assert list(again.documents().document) == list(before.document)
    finally:
        again.close()


def test_a_bad_register_at_import_changes_nothing(tmp_path, project, small_files):
    bad = tmp_path / "dup.csv"
    bad.write_text("participant_id\nP1\nP1\n", encoding="utf-8")
    new = tmp_path / "new.txt"
    new.write_text("Interviewer: Hi.\nDan: Hello.\n", encoding="utf-8")
    before = dump(project.directory)
    with pytest.raises(RegisterError, match=r"^dup\.csv, row 3: participant_id P1 is used again"):
        project.import_transcripts([new], register=bad)
    assert dump(project.directory) == before


def test_a_register_may_not_give_a_known_speaker_a_new_id(project, small_files, tmp_path):
    project.withdraw("P02")
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(
        small_files["register"].read_text(encoding="utf-8").replace("P02,", "P10,"), "utf-8"
    )
    before = dump(project.directory)
    with pytest.raises(RegisterError) as info:
        project.load_register(renamed)
    assert str(info.value) == (
        "renamed.csv, row 3: speaker 'Ben Hart' in beta.txt is already participant P02 in "
        "this project; keep the id P02 (a register may not give a speaker a new id)."
    )
    assert dump(project.directory) == before


def test_a_one_off_label_naming_a_registered_speaker_is_that_speaker(tmp_path):
    register = tmp_path / "register.csv"
    register.write_text(
        "participant_id,transcript,speaker\nP1,pair.txt,Ann Smith\nP2,pair.txt,Bob Jones\n",
        "utf-8",
    )
    transcript = tmp_path / "pair.txt"
    transcript.write_text(
        "Interviewer: Hello both.\n"
        "Ann Smith: Hello.\n"
        "Interviewer: And the board?\n"
        "Ann Smith: Slow.\n"
        "Bob (FD): I would rather not say this on the record.\n"
        "Interviewer: And the bid?\n"
        "Ann Smith: Fine.\n",
        "utf-8",
    )
    with Project.init(tmp_path / "p", register=register) as project:
        report = project.import_transcripts([transcript])
        turns = project.turns(document="pair.txt")
    bob = turns[turns["speaker"] == "Bob Jones"]
    assert list(bob["text"]) == ["I would rather not say this on the record."]
    assert list(bob["participant_id"]) == ["P2"]
    assert "rather not say" not in " ".join(turns[turns["speaker"] == "Ann Smith"]["text"])
    assert report.warnings == []


def test_a_one_off_label_the_register_does_not_know_stops_the_import(tmp_path):
    # Gluing "Dana: ..." to Ann Smith's turn would put Dana's words under Ann's consent.
    register = tmp_path / "register.csv"
    register.write_text(
        "participant_id,transcript,speaker\nP1,pair.txt,Ann Smith\nP2,pair.txt,Bob Jones\n",
        "utf-8",
    )
    transcript = tmp_path / "pair.txt"
    transcript.write_text(
        "Interviewer: Hello both.\nAnn Smith: Hello.\nInterviewer: And the board?\n"
        "Bob Jones: Slow.\nInterviewer: And the bid?\nAnn Smith: Fine.\n"
        "Dana: An aside nobody registered.\n",
        "utf-8",
    )
    with Project.init(tmp_path / "p") as project:
        with pytest.raises(TranscriptError) as info:
            project.import_transcripts([transcript], register=register)
        assert str(info.value) == (
            "pair.txt, line 7: 'Dana' looks like a speaker label but is not one the register "
            "names for this file (Ann Smith, Bob Jones) and occurs only once; if Dana speaks "
            "there, add them to the register, and if the words are Ann Smith's, join the line "
            "to the one above."
        )
        assert project.documents().empty and project.participants().empty
