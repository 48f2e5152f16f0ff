"""The workspace service (mpsp_qual.app.workspace) on the small project: what each
screen is given, and the writes' refusals."""

from __future__ import annotations

import pytest

from mpsp_qual.app import workspace as ws
from mpsp_qual.app import workspace_pages as pages

ALICE, BOB = ws.Viewer("alice"), ws.Viewer("bob")


def code(project, viewer, document, phrase, code_id):
    text = project.document_text(document)
    start = text.index(phrase)
    return ws.code_passage(
        project, viewer, document=document, start=start, end=start + len(phrase), code=code_id
    )["id"]


def test_a_coding_memo_is_the_coders_own_and_a_stale_one_conflicts(project):
    cid = code(project, ALICE, "alpha.txt", "Our capacity", "capacity-constraints")
    ws.set_coding_memo(project, ALICE, cid, "first thought", expected="")
    with pytest.raises(ws.Conflict, match="changed elsewhere"):
        ws.set_coding_memo(project, ALICE, cid, "second thought", expected="")
    with pytest.raises(ws.WorkspaceError, match="that coding is alice's"):
        ws.set_coding_memo(project, BOB, cid, "bob's", expected="first thought")
    with pytest.raises(ws.WorkspaceError, match="that coding is alice's"):
        ws.uncode(project, BOB, cid)
    turn = next(t for t in pages.reader(project, ALICE, "alpha.txt")["turns"] if t["turn"] == 1)
    assert [(c["memo"], c["text"]) for c in turn["codings"]] == [("first thought", "Our capacity")]


def test_removing_a_coding_twice_is_a_conflict(project):
    cid = code(project, ALICE, "alpha.txt", "Our capacity", "capacity-constraints")
    ws.uncode(project, ALICE, cid)
    with pytest.raises(ws.Conflict, match="no longer there"):
        ws.uncode(project, ALICE, cid)


def test_a_grouping_code_cannot_be_applied(project):
    with pytest.raises(ws.WorkspaceError, match="is a grouping code"):
        code(project, ALICE, "alpha.txt", "Our capacity", "challenges")


def test_the_reader_shows_interviewer_turns_uncodable_and_withdrawn_turns_without_words(project):
    project.withdraw("P02")
    turns = {t["turn"]: t for t in pages.reader(project, ALICE, "beta.txt")["turns"]}
    assert turns[0]["speaker"] == "Interviewer" and not turns[0]["codable"]
    assert turns[1]["withdrawn"] and turns[1]["pieces"] == []
    assert turns[2]["codable"] and "".join(p["text"] for p in turns[2]["pieces"]).startswith(
        "We wanted"
    )


def test_blind_viewers_see_only_their_own_codings_everywhere(project):
    project.autocode()
    code(project, ALICE, "alpha.txt", "Our capacity", "capacity-constraints")
    code(project, BOB, "alpha.txt", "We were stretched", "capacity-constraints")
    blind = ws.Viewer("bob", blind=True)
    seen = [
        c["coder"] for t in pages.reader(project, blind, "alpha.txt")["turns"] for c in t["codings"]
    ]
    assert seen == ["bob"]
    assert all(not t["suggestions"] for t in pages.reader(project, blind, "alpha.txt")["turns"])
    assert [p["coder"] for p in pages.code_view(project, blind, "capacity-constraints")] == ["bob"]
    assert {
        c["coder"]
        for r in pages.search(project, blind, "capacity")["results"]
        for c in r["codings"]
    } <= {"bob"}
    counts = {c["id"]: c["count"] for c in pages.codebook_panel(project, blind)}
    assert counts["capacity-constraints"] == 1
    home = pages.home(project, blind)
    assert home["coders"] == ["bob"] and home["pending"] == 0
    for ask in (
        lambda: pages.review_item(project, blind),
        lambda: ws.bulk_preview(project, blind, "new-markets", 0),
        lambda: ws.accept(project, blind, 1),
    ):
        with pytest.raises(ws.Forbidden):
            ask()


def test_home_counts_words_participants_progress_and_pending(project):
    project.autocode()
    ws.mark_done(project, ALICE, document="beta.txt", turn=2)
    home = pages.home(project, ALICE)
    beta = next(d for d in home["documents"] if d["name"] == "beta.txt")
    assert [p["id"] for p in beta["participants"]] == ["P02", "P03"]
    assert beta["participants"][0]["consent_quotes"] is False
    assert beta["segments"] == 3 and beta["progress"] == {"alice": 1}
    assert beta["pending"] == 2 and home["pending"] == 4


def test_search_matches_lemmas_in_order(project):
    hits = pages.search(project, ALICE, "diversifying")["results"]
    assert [(h["document"], h["speaker"]) for h in hits] == [("beta.txt", "Cara Lin")]
    text = project.document_text("beta.txt")
    assert text[hits[0]["start"] : hits[0]["end"]] == "diversify"
    assert pages.search(project, ALICE, "market new")["results"] == []
    with pytest.raises(ws.WorkspaceError, match="has no words"):
        pages.search(project, ALICE, " ... ")
