"""A REFI-QDA round trip keeps consent, attribution, redaction targets and speaker turns."""

from __future__ import annotations

from pathlib import Path

import pytest

from mpsp_qual import Project
from mpsp_qual.app.exchange import import_qdpx
from mpsp_qual.consent.approvals import set_require_approval
from mpsp_qual.consent.quotes import quote_bank
from mpsp_qual.consent.verify import verify_draft
from mpsp_qual.formats.refi import export_qdpx

REGISTER = """\
participant_id,transcript,speaker,name,organisation,role,consent_quotes,consent_named,attribution,withdrawn
P01,dana.txt,Dana Reyes,Dana Reyes,Quillby Trust,Manager,yes,no,Charity PSM,no
P02,dana.txt,Eli Ford,Eli Ford,Quillby Trust,Treasurer,no,no,Charity PSM,no
"""
INTERVIEWER = "Could you tell me how the quince partnership first began for your team?"
TRANSCRIPT = f"""\
Interviewer: {INTERVIEWER}
Dana Reyes: At Quillby Trust we were stretched thin, and the lead provider kept changing the terms.
Interviewer: And what happened after the second contract was signed last spring?
Eli Ford: The finance side at Quillby Trust never saw the revised figures before signing them.
Dana Reyes: Honestly, we nearly walked away from the whole arrangement that year, lead provider and all.
"""


@pytest.fixture
def round_trip(tmp_path: Path, small_files) -> tuple[Project, Project]:
    (tmp_path / "in" / "dana.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (tmp_path / "in" / "dana.csv").write_text(REGISTER, encoding="utf-8")
    original = Project.init(
        tmp_path / "proj", codebook=small_files["codebook"], register=tmp_path / "in" / "dana.csv"
    )
    original.import_transcripts([tmp_path / "in" / "dana.txt"])
    ids = list(original.segments()["segment_id"])  # the interviewer's segments too
    original.record_codings("alice", [(s, "lead-provider", None) for s in ids], segments=ids)
    set_require_approval(original, False)
    export_qdpx(original, output=tmp_path / "study.qdpx")
    import_qdpx(tmp_path / "study.qdpx", tmp_path / "again")
    again = Project.open(tmp_path / "again")
    set_require_approval(again, False)
    yield original, again
    original.close()
    again.close()


def test_attribution_and_redaction_targets_survive(round_trip):
    original, again = round_trip
    person = again.participant("P01")
    assert (person.organisation, person.attribution, person.consent_quotes) == (
        "Quillby Trust",
        "Charity PSM",
        True,
    )
    assert not again.participant("P02").consent_quotes
    before = quote_bank(original, status="all", min_words=5)
    after = quote_bank(again, status="all", min_words=5)
    assert set(after["attribution"]) == {"Charity PSM"}
    assert sorted(after["text"]) == sorted(before["text"])
    assert not any("Quillby" in q for q in after["text"])
    assert not any("finance side" in q for q in after["text"])


def test_interviewer_words_stay_the_interviewers(round_trip, tmp_path):
    _, again = round_trip
    turns = again.turns()
    assert list(turns["participant_id"].fillna("-")) == ["-", "P01", "-", "P02", "P01"]
    draft = tmp_path / "draft.md"
    draft.write_text(f"As one put it, “{INTERVIEWER}”\n", encoding="utf-8")
    result = verify_draft(again, draft)
    assert list(result["consent"]) == ["interviewer"]
    assert not result["ok"].any()


def test_a_withdrawn_speaker_in_decomposed_unicode_leaves_no_words_in_the_qdpx(
    tmp_path, small_files
):
    import unicodedata
    import zipfile

    (tmp_path / "in" / "zoe.txt").write_text(
        "Interviewer: How did it start?\n"
        "Zoë Ünal: The quince orchard contract was signed before anyone read it.\n",
        encoding="utf-8",
    )
    register = (
        "participant_id,transcript,speaker,consent_quotes,withdrawn\nP01,zoe.txt,Zoë Ünal,yes,yes\n"
    )
    (tmp_path / "in" / "zoe.csv").write_text(unicodedata.normalize("NFD", register), "utf-8")
    project = Project.init(tmp_path / "proj", codebook=small_files["codebook"])
    project.import_transcripts([tmp_path / "in" / "zoe.txt"])
    project.load_register(tmp_path / "in" / "zoe.csv")
    export_qdpx(project, output=tmp_path / "out.qdpx")
    project.close()
    with zipfile.ZipFile(tmp_path / "out.qdpx") as archive:
        data = b"".join(archive.read(name) for name in archive.namelist())
    assert b"quince orchard" not in data
