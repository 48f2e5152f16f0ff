"""Suggestions as a state: auto-coding proposes, a coder accepts, rejects or adjusts.

On the small project (tests/conftest.py) auto-coding suggests capacity-constraints on
alpha#1.0 ("stretched", "capacity"), misaligned-values on alpha#3.0 ("different
agenda", "Misaligned"), lead-provider on beta#1.0 and new-markets on beta#2.0.
"""

from __future__ import annotations

import json

import pytest

from mpsp_qual.app import workspace as ws
from mpsp_qual.app import workspace_pages as pages
from mpsp_qual.store import suggestions

ALICE = ws.Viewer("alice")


def pending(project):
    return {(g["document"], g["code"]) for g in suggestions.listing(project.store)}


def find(project, code):
    return next(g for g in suggestions.listing(project.store) if g["code"] == code)


def audit(project, action):
    return [
        json.loads(r[0])
        for r in project.store.execute("SELECT detail FROM audit WHERE action = ?", (action,))
    ]


def test_autocode_writes_suggestions_with_evidence_and_a_score(project):
    project.autocode()
    assert pending(project) == {
        ("alpha.txt", "capacity-constraints"),
        ("alpha.txt", "misaligned-values"),
        ("beta.txt", "lead-provider"),
        ("beta.txt", "new-markets"),
    }
    g = find(project, "capacity-constraints")
    text = project.document_text("alpha.txt")
    spans = [text[m["start"] : m["end"]] for m in json.loads(g["evidence"])]
    assert spans == ["stretched", "capacity"]
    assert g["score"] == 100
    segment = project.segments().set_index("segment_id").loc["alpha.txt#1.0"]
    assert (g["start"], g["end"]) == (segment.start, segment.end)


def test_accept_makes_it_the_coders_coding_with_its_origin_kept(project):
    project.autocode()
    g = find(project, "new-markets")
    ws.accept(project, ALICE, g["id"])
    rows = ws.coding_list(project, coder="alice")
    assert rows[["segment_id", "code", "origin"]].values.tolist() == [
        ["beta.txt#2.0", "new-markets", "suggestion"]
    ]
    assert suggestions.get(project.store, g["id"])["status"] == "accepted"
    assert suggestions.get(project.store, g["id"])["decided_by"] == "alice"
    (detail,) = audit(project, "accept suggestion")
    assert detail["coder"] == "alice" and detail["code"] == "new-markets"
    with pytest.raises(ws.Conflict, match="already accepted by alice"):
        ws.accept(project, ws.Viewer("bob"), g["id"])


def test_adjusting_the_span_accepts_the_adjusted_passage(project):
    project.autocode()
    g = find(project, "new-markets")
    text = project.document_text("beta.txt")
    start = text.index("a new market")
    ws.accept(project, ALICE, g["id"], start=start, end=start + len("a new market"))
    row = ws.coding_list(project, coder="alice").iloc[0]
    assert text[row.start : row.end] == "a new market"
    assert audit(project, "accept suggestion")[0]["adjusted"] is True


def test_a_rejected_suggestion_is_not_suggested_again_while_the_text_is_unchanged(project):
    project.autocode()
    g = find(project, "lead-provider")
    ws.reject(project, ALICE, g["id"])
    assert ("beta.txt", "lead-provider") not in pending(project)
    assert "lead-provider" not in set(project.codings(coder="auto")["code"])
    project.autocode()
    assert ("beta.txt", "lead-provider") not in pending(project)
    assert "lead-provider" not in set(project.codings(coder="auto")["code"])
    assert suggestions.get(project.store, g["id"])["status"] == "rejected"
    assert audit(project, "reject suggestion")[0]["coder"] == "alice"


def test_undo_makes_a_decision_pending_again(project):
    project.autocode()
    g = find(project, "lead-provider")
    ws.reject(project, ALICE, g["id"])
    ws.undo_decision(project, ALICE, g["id"])
    assert ("beta.txt", "lead-provider") in pending(project)
    assert "lead-provider" in set(project.codings(coder="auto")["code"])
    a = find(project, "new-markets")
    ws.accept(project, ALICE, a["id"])
    ws.undo_decision(project, ALICE, a["id"])
    assert ws.coding_list(project, coder="alice").empty


def test_the_review_queue_moves_in_order_and_blind_mode_refuses_it(project):
    project.autocode()
    first = pages.review_item(project, ALICE)
    second = pages.review_item(project, ALICE, after=first["id"])
    assert (first["document"], first["code"]) == ("alpha.txt", "capacity-constraints")
    assert (second["document"], second["code"]) == ("alpha.txt", "misaligned-values")
    assert (
        pages.review_item(project, ALICE, after=second["id"], backwards=True)["id"] == first["id"]
    )
    marked = [p["text"] for p in first["context"]["pieces"] if "evidence" in p["marks"]]
    assert marked == ["stretched", "capacity"]
    with pytest.raises(ws.Forbidden):
        pages.review_item(project, ws.Viewer("bob", blind=True))


def test_bulk_accept_only_what_was_previewed(project):
    project.autocode()
    preview = ws.bulk_preview(project, ALICE, "new-markets", 90)
    assert [p["code"] for p in preview] == ["new-markets"]
    with pytest.raises(ws.Conflict):
        ws.bulk_accept(project, ALICE, "new-markets", 90, previewed=[])
    assert (
        ws.bulk_accept(project, ALICE, "new-markets", 90, previewed=[p["id"] for p in preview]) == 1
    )


def test_a_purge_leaves_no_passage_suggestion_or_turn_memo_of_the_participant(project):
    project.autocode()
    text = project.document_text("beta.txt")
    start = text.index("the lead provider")
    ws.code_passage(
        project, ALICE, document="beta.txt", start=start, end=start + 17, code="lead-provider"
    )
    ws.set_note(project, ALICE, "turn", "beta.txt#1", "Ben said the lead provider", expected="")
    project.withdraw("P02", purge=True)
    store = project.store
    assert ws.coding_list(project, coder="alice").empty
    assert (
        store.execute("SELECT COUNT(*) FROM coding_spans WHERE coder = 'alice'").fetchone()[0] == 0
    )
    assert all(g["participant_id"] != "P02" for g in suggestions.listing(store, status=None))
    assert store.execute("SELECT COUNT(*) FROM notes").fetchone()[0] == 0
