"""Withdrawal: sticky, excluded everywhere, and a purge that leaves no text behind."""

from __future__ import annotations

import pytest
from helpers import raw_bytes

from mpsp_qual import Project
from mpsp_qual.consent.approvals import approvals, record_decision, set_require_approval
from mpsp_qual.consent.quotes import quote_bank
from mpsp_qual.consent.withdraw import FILLER
from mpsp_qual.core.errors import UnknownParticipant

BEN = "The marmalade protocol never worked for us, and the lead provider kept changing."
PHRASE = b"marmalade protocol"


def code_all(project: Project) -> None:
    segs = project.segments(participants_only=True)
    ids = list(segs["segment_id"])
    project.record_codings(
        "alice",
        [(s, "lead-provider", None) for s in ids],
        segments=ids,
        memos={"beta.txt#1.0": "Ben on the marmalade protocol"},
    )


def test_withdraw_is_sticky_and_excludes(project, small_files):
    code_all(project)
    set_require_approval(project, False)
    assert "P03" in set(quote_bank(project)["participant_id"])
    report = project.withdraw("P03")
    assert not report.already_withdrawn and not report.purged
    assert project.participant("P03").withdrawn
    assert "P03" not in set(project.codings()["participant_id"])
    assert "P03" not in set(quote_bank(project, status="all")["participant_id"])
    assert "P03" not in set(project.participants(include_withdrawn=False)["participant_id"])
    # A register that says otherwise cannot bring them back.
    project.load_register(small_files["register"])
    assert project.participant("P03").withdrawn
    actions = [r[0] for r in project.store.execute("SELECT action FROM audit")]
    assert actions.count("participant withdraw") == 1
    assert project.withdraw("P03").already_withdrawn
    assert [r[0] for r in project.store.execute("SELECT action FROM audit")].count(
        "participant withdraw"
    ) == 1


def test_withdraw_unknown_participant(project):
    with pytest.raises(UnknownParticipant, match="no participant 'P99' in the register"):
        project.withdraw("P99")


def test_purge_leaves_no_text_in_the_file(project):
    code_all(project)
    seg = project.segments().set_index("segment_id").loc["beta.txt#2.0"]
    record_decision(project, f"beta.txt#2.0:{seg['start']}-{seg['end']}", "approved")
    # Ben's words also reached the audit log (a detail that quotes him).
    project.store.audit("note", {"said": BEN, "who": "P02"})
    project.store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert PHRASE in raw_bytes(project)
    before = project.segments().set_index("segment_id")

    report = project.withdraw("P02", purge=True)

    assert (report.turns, report.segments, report.codings, report.memos) == (2, 2, 2, 1)
    assert report.audit_entries_scrubbed == 1
    assert PHRASE not in raw_bytes(project)
    assert b"Value for money was all they talked about" not in raw_bytes(project)
    # Everyone else's words and offsets are intact.
    text = project.document_text("beta.txt")
    after = project.segments().set_index("segment_id")
    assert set(after.index) == set(before.index) - {"beta.txt#1.0", "beta.txt#4.0"}
    for _, row in after.iterrows():
        doc = project.document_text(row["document"])
        assert doc[row["start"] : row["end"]] == row["text"]
    ben = before.loc["beta.txt#1.0"]
    assert text[ben["start"] : ben["end"]] == FILLER * (ben["end"] - ben["start"])
    assert "Ben Hart" not in text  # his name in the speaker label goes too
    assert list(approvals(project)["participant_id"]) == ["P03"]
    assert "P02" not in set(project.turns()["participant_id"].dropna())
    assert any("beta.txt still holds P02's words" in w for w in report.warnings)


def test_purge_of_a_withdrawn_participant_with_approvals(project):
    code_all(project)
    seg = project.segments().set_index("segment_id").loc["beta.txt#2.0"]
    record_decision(project, f"beta.txt#2.0:{seg['start']}-{seg['end']}", "approved")
    project.withdraw("P03")
    report = project.withdraw("P03", purge=True)
    assert report.already_withdrawn and report.approvals == 1
    assert b"diversify into a new market" not in raw_bytes(project)
    assert approvals(project).empty


def test_a_purged_participant_does_not_come_back_with_a_replaced_transcript(project, small_files):
    project.withdraw("P02", purge=True)
    beta = small_files["beta"]
    beta.write_text(beta.read_text(encoding="utf-8") + "Cara Lin: One more thing.\n", "utf-8")

    report = project.import_transcripts([beta], replace=True)

    assert report.replaced == ["beta.txt"]
    project.store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert PHRASE not in raw_bytes(project)
    turns = project.turns(document="beta.txt")
    assert "Ben Hart" not in set(turns["speaker"])
    assert turns["text"].iloc[-1] == "One more thing."
    text = project.document_text("beta.txt")
    for row in turns.itertuples():
        assert text[row.start : row.end] == row.text


def test_a_purge_that_cannot_compact_says_so(project):
    import sqlite3

    from mpsp_qual.core.errors import ProjectError

    reader = sqlite3.connect(project.store.path)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM segments").fetchone()  # holds a read snapshot
    try:
        with pytest.raises(ProjectError, match="another program has .* open"):
            project.withdraw("P02", purge=True)
    finally:
        reader.close()
    # Run again once the other program has gone: the words are gone from the bytes.
    project.withdraw("P02", purge=True)
    assert PHRASE not in raw_bytes(project)
