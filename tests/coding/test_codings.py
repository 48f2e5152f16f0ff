"""Codings: recording only what changed, and whose codings count by default."""

from __future__ import annotations


def participant_segments(project) -> list[str]:
    return list(project.segments(participants_only=True)["segment_id"])


def test_a_coder_or_consensus_covering_only_a_sample_is_never_the_default(project):
    ids = participant_segments(project)
    project.autocode()
    assert project.default_coder() == "auto"
    project.record_codings("consensus", [(ids[0], "capacity-constraints", None)], segments=ids[:2])
    project.record_codings("bob", [], segments=ids[:3])
    assert project.default_coder() == "auto"
    project.record_codings("alice", [(ids[0], "capacity-constraints", None)], segments=ids)
    assert project.default_coder() == "alice"
    project.record_codings("consensus", [(ids[0], "capacity-constraints", None)], segments=ids)
    assert project.default_coder() == "consensus"


def test_recording_the_same_codings_again_writes_nothing(project):
    ids = participant_segments(project)
    codings = [(ids[0], "capacity-constraints", {"note": "x"}), (ids[1], "new-markets", None)]
    project.record_codings("alice", codings, segments=ids, memos={ids[0]: "why"})
    dump = list(project.store.conn.iterdump())
    project.record_codings("alice", codings, segments=ids, memos={ids[0]: "why"})
    assert list(project.store.conn.iterdump()) == dump  # no new rows, dates or audit entries
    project.record_codings("alice", codings[:1], segments=ids)
    got = project.codings(coder="alice")
    assert list(got["code"]) == ["capacity-constraints"]
    assert project.memos(coder="alice").empty
