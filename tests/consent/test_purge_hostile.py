"""Purge that cannot half-succeed: label folding, a kill before compaction, renamed copies.

Every check is made from the outside, on the raw bytes of ``project.sqlite`` and its
side files.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import pytest

from mpsp_qual import Project
from mpsp_qual.core.errors import ProjectError
from mpsp_qual.core.labels import label_key
from mpsp_qual.store.db import Store

REGISTER = """\
participant_id,transcript,speaker,name,organisation,role,consent_quotes,consent_named,attribution,withdrawn
P01,zoe.txt,Zoë Ünal,Zoë Ünal,Quillby Trust,Director,yes,no,Health PSM,no
"""

ZOE = """\
Interviewer: How did the partnership start?
ZOË ÜNAL: The quince orchard contract was signed before anyone read the small print.
Interviewer: And later?
ZOË ÜNAL: After that the quince orchard board stopped answering our letters entirely.
"""
PHRASES = [b"quince orchard contract", b"stopped answering our letters"]


def raw_bytes(directory: Path) -> bytes:
    out = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        f = directory / ("project.sqlite" + suffix)
        if f.exists():
            out += f.read_bytes()
    return out


@pytest.fixture
def zoe(tmp_path: Path, small_files) -> tuple[Project, Path]:
    """A transcript imported before its register, labels in capitals with accents."""
    transcript = tmp_path / "in" / "zoe.txt"
    transcript.write_text(ZOE, encoding="utf-8")
    register = tmp_path / "in" / "zoe.csv"
    register.write_text(REGISTER, encoding="utf-8")
    project = Project.init(tmp_path / "proj", codebook=small_files["codebook"])
    project.import_transcripts([transcript])
    project.load_register(register)
    yield project, transcript
    project.close()


def test_non_ascii_capitals_are_the_registered_speaker(zoe):
    project, _ = zoe
    turns = project.turns()
    hers = turns["speaker"].map(label_key) == label_key("ZOË ÜNAL")
    assert hers.sum() == 2
    assert set(turns.loc[hers, "participant_id"]) == {"P01"}
    assert len(project.segments(participants_only=True)) == 2


def test_purge_folds_non_ascii_case(zoe, tmp_path):
    project, _ = zoe
    report = project.withdraw("P01", purge=True)
    assert report.turns == 2
    project.close()
    assert not any(p in raw_bytes(tmp_path / "proj") for p in PHRASES)


def test_decomposed_register_name_is_purged(tmp_path, small_files):
    transcript = tmp_path / "in" / "zoe.txt"
    transcript.write_text(ZOE.replace("ZOË ÜNAL", "Zoë Ünal"), encoding="utf-8")
    register = tmp_path / "in" / "zoe.csv"
    register.write_text(unicodedata.normalize("NFD", REGISTER), encoding="utf-8")
    project = Project.init(tmp_path / "proj", codebook=small_files["codebook"])
    project.import_transcripts([transcript])
    project.load_register(register)
    project.withdraw("P01", purge=True)
    project.close()
    assert not any(p in raw_bytes(tmp_path / "proj") for p in PHRASES)


def test_purge_killed_before_compaction_is_compacted_on_next_open(zoe, tmp_path):
    project, _ = zoe
    project.close()
    directory = tmp_path / "proj"
    # Another process purges and is killed (no clean close) right after the commit.
    script = textwrap.dedent(
        f"""
        import os
        from mpsp_qual import Project
        from mpsp_qual.store.db import Store
        Store.compact = lambda self: os._exit(9)
        Store.finish_compaction = lambda self: os._exit(9)
        Project.open({str(directory)!r}).withdraw("P01", purge=True)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 9, done.stderr
    assert any(p in raw_bytes(directory) for p in PHRASES)
    reopened = Project.open(directory)
    try:
        assert not any(p in raw_bytes(directory) for p in PHRASES)
        assert reopened.turns()["participant_id"].dropna().empty
    finally:
        reopened.close()


def test_purge_reports_failure_while_bytes_remain(zoe, monkeypatch):
    project, _ = zoe
    project.store.execute("PRAGMA wal_autocheckpoint = 0")
    monkeypatch.setattr(Store, "compact", lambda self: None)
    with pytest.raises(ProjectError, match="still in the bytes of"):
        project.withdraw("P01", purge=True)


@pytest.mark.parametrize("edit", [False, True], ids=["renamed", "renamed-and-edited"])
def test_renamed_copy_of_purged_transcript_is_refused_for_that_speaker(zoe, tmp_path, edit):
    project, transcript = zoe
    project.withdraw("P01", purge=True)
    text = transcript.read_text(encoding="utf-8").replace("ZOË ÜNAL", "Respondent")
    if edit:
        text = text.replace("small print", "fine print").replace("Interviewer", "Q")
    copy = tmp_path / "in" / "zoe-final.txt"
    copy.write_text(text, encoding="utf-8")
    report = project.import_transcripts([copy])
    assert any("P01, who was purged" in w for w in report.warnings)
    project.close()
    assert not any(p in raw_bytes(tmp_path / "proj") for p in PHRASES)
    again = Project.open(tmp_path / "proj")
    try:
        assert "How did the partnership start?" in again.document_text("zoe-final.txt")
    finally:
        again.close()


def test_a_register_cannot_give_a_withdrawn_speaker_a_new_id_in_decomposed_unicode(zoe, tmp_path):
    from mpsp_qual.core.errors import RegisterError

    project, _ = zoe
    project.withdraw("P01")
    again = tmp_path / "in" / "again.csv"
    again.write_text(
        unicodedata.normalize(
            "NFD", REGISTER.replace("P01,", "P99,").replace("Zoë Ünal,Zoë", "ZOË ÜNAL,Zoë")
        ),
        encoding="utf-8",
    )
    with pytest.raises(RegisterError, match="is already participant P01"):
        project.load_register(again)
    assert project.segments(include_withdrawn=False, participants_only=True).empty
