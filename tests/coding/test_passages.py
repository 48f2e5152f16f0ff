"""Passage codings: the migration, and the counting rules on hand-worked examples.

The small project (tests/conftest.py): alpha.txt has Alice Moss (P01, quotes yes) in
turns 1 and 3; beta.txt has Ben Hart (P02, quotes no) in turns 1 and 4 and Cara Lin
(P03, quotes yes) in turn 2; the Interviewer is not in the register. By turn, each
participant turn is one segment: alpha#1.0, alpha#3.0, beta#1.0, beta#2.0, beta#4.0.
"""

from __future__ import annotations

import sqlite3

import pytest

from mpsp_qual import Project
from mpsp_qual.analysis.agreement import agreement_report
from mpsp_qual.app import workspace as ws
from mpsp_qual.app.exchange import import_qdpx
from mpsp_qual.coding.passages import PassageError, Span, applies
from mpsp_qual.formats.refi import export_qdpx
from mpsp_qual.store import codings_spans
from mpsp_qual.store.db import MIGRATIONS, Store

ALICE = ws.Viewer("alice")


def span_of(project: Project, document: str, phrase: str) -> tuple[int, int]:
    text = project.document_text(document)
    start = text.index(phrase)
    return start, start + len(phrase)


def code(project, viewer, document, phrase, code_id):
    start, end = span_of(project, document, phrase)
    return ws.code_passage(project, viewer, document=document, start=start, end=end, code=code_id)


def test_migration_keeps_every_segment_coding_as_its_segments_span(tmp_path):
    path = tmp_path / "project.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0][1])
    conn.executescript(
        """
        INSERT INTO documents VALUES (1, 'a.txt', 'a.txt', 'txt', 'x',
            'Q: hi\nAnn: one two. three four.', '{}', 'sentence', 'now');
        INSERT INTO turns VALUES (1, 0, 'Q', 3, 5, NULL, 'hi'), (1, 1, 'Ann', 11, 32, NULL,
            'one two. three four.');
        INSERT INTO segments VALUES ('a.txt#1.0', 1, 1, 0, 'Ann', 11, 19, 'one two.', '', x''),
            ('a.txt#1.1', 1, 1, 1, 'Ann', 20, 32, 'three four.', '', x'');
        INSERT INTO codes VALUES ('c1', NULL, 'One', 0), ('c2', NULL, 'Two', 1);
        INSERT INTO codings VALUES ('a.txt#1.0', 'c1', 'bob', NULL, 'then'),
            ('a.txt#1.1', 'c1', 'bob', NULL, 'then'), ('a.txt#1.1', 'c2', 'auto', '[1]', 'then');
        PRAGMA user_version = 1;
        """
    )
    conn.close()
    store = Store(path)
    assert store.version == len(MIGRATIONS)
    got = store.execute(
        "SELECT start, end, code, coder, evidence, origin FROM coding_spans ORDER BY start, code"
    ).fetchall()
    assert [tuple(r) for r in got] == [
        (11, 19, "c1", "bob", None, "segment"),
        (20, 32, "c1", "bob", None, "segment"),
        (20, 32, "c2", "auto", "[1]", "segment"),
    ]
    view = store.execute("SELECT segment_id, code, coder FROM codings ORDER BY 1, 2").fetchall()
    assert [tuple(r) for r in view] == [
        ("a.txt#1.0", "c1", "bob"),
        ("a.txt#1.1", "c1", "bob"),
        ("a.txt#1.1", "c2", "auto"),
    ]
    store.close()


def test_the_overlap_rule():
    seg_a, seg_b = Span(0, 10), Span(10, 20)
    assert applies(Span(5, 12), seg_a) and applies(Span(5, 12), seg_b)
    assert not applies(Span(12, 15), seg_a)
    # A coding that is one segment's span codes that segment only, even where segments overlap.
    overlapping = Span(5, 15)
    assert applies(Span(5, 15), overlapping, segment_spans=[seg_a, overlapping])
    assert not applies(Span(0, 10), overlapping, segment_spans=[seg_a, overlapping])


def test_a_passage_belongs_to_the_participant_whose_turn_holds_it(project):
    result = code(
        project, ALICE, "alpha.txt", "Our capacity was the problem", "capacity-constraints"
    )
    assert result["new"]
    rows = ws.coding_list(project, coder="alice")
    assert rows[["segment_id", "participant_id", "code", "origin"]].values.tolist() == [
        ["alpha.txt#1.0", "P01", "capacity-constraints", "selection"]
    ]
    text = project.document_text("alpha.txt")
    assert text[rows.start[0] : rows.end[0]] == "Our capacity was the problem"


def test_a_selection_across_turns_is_refused(project):
    start, _ = span_of(project, "beta.txt", "kept changing.")
    _, end = span_of(project, "beta.txt", "We wanted")
    with pytest.raises(PassageError, match="runs from Ben Hart's turn into Cara Lin's"):
        ws.code_passage(
            project, ALICE, document="beta.txt", start=start, end=end, code="new-markets"
        )
    assert ws.coding_list(project).empty


def test_an_interviewer_turn_is_not_coded(project):
    with pytest.raises(ws.WorkspaceError, match="not a participant in the register"):
        code(project, ALICE, "alpha.txt", "How did the partnership start?", "new-markets")


def test_prevalence_counts_passages_by_their_participant(project):
    code(project, ALICE, "alpha.txt", "Our capacity", "capacity-constraints")
    code(project, ALICE, "alpha.txt", "We were stretched", "capacity-constraints")
    code(project, ALICE, "beta.txt", "a new market", "new-markets")
    frame = project.prevalence(coder="alice").set_index("code")
    # Two passages in P01's one segment: 1 segment, 1 participant; P03's passage: 1 and 1.
    assert frame.loc["capacity-constraints", ["segments", "participants"]].tolist() == [1, 1]
    assert frame.loc["new-markets", ["segments", "participants"]].tolist() == [1, 1]
    # The primary code rolls up its child: challenges has capacity's P01 only.
    assert frame.loc["challenges", "participants"] == 1
    assert frame.loc["misaligned-values", "participants"] == 0


def test_a_passage_across_two_sentence_segments_codes_both(tmp_path, small_files):
    project = Project.init(
        tmp_path / "s", codebook=small_files["codebook"], register=small_files["register"]
    )
    project.import_transcripts([small_files["alpha"]], unit="sentence")
    code(project, ALICE, "alpha.txt", "honestly. Our capacity", "capacity-constraints")
    code(project, ALICE, "alpha.txt", "different agenda", "misaligned-values")
    got = sorted(map(tuple, project.codings(coder="alice")[["segment_id", "code"]].values))
    assert got == [
        ("alpha.txt#1.0", "capacity-constraints"),
        ("alpha.txt#1.1", "capacity-constraints"),
        ("alpha.txt#3.0", "misaligned-values"),
    ]
    assert (
        project.prevalence(coder="alice").set_index("code").loc["capacity-constraints", "segments"]
        == 2
    )
    project.close()


def test_agreement_is_per_segment_with_passages(project):
    everything = project.segments(participants_only=True)["segment_id"].tolist()
    assert len(everything) == 5
    project.record_codings(
        "bob", [("alpha.txt#1.0", "capacity-constraints", None)], segments=everything
    )
    project.record_codings("alice", [], segments=everything)
    code(project, ALICE, "alpha.txt", "capacity", "capacity-constraints")
    code(project, ALICE, "beta.txt", "we did", "capacity-constraints")
    row = (
        agreement_report(project, ["alice", "bob"], n_boot=10)
        .set_index("code")
        .loc["capacity-constraints"]
    )
    # 5 segments; both say yes on alpha#1.0, only alice on beta#2.0: 4/5 agree.
    # Cohen: p_o = .8, p_e = .4 x .2 + .6 x .8 = .56, kappa = .24 / .44.
    assert row["n_units"] == 5
    assert row["percent_agreement"] == pytest.approx(80.0)
    assert row["kappa"] == pytest.approx(0.24 / 0.44)


def test_a_coded_passage_is_a_quote_of_exactly_its_span_behind_the_consent_gate(project):
    code(
        project,
        ALICE,
        "alpha.txt",
        "Our capacity was the problem from day one.",
        "capacity-constraints",
    )
    code(project, ALICE, "beta.txt", "the lead provider kept changing", "lead-provider")
    code(project, ALICE, "beta.txt", "diversify into a new market", "new-markets")
    bank = project.quotes(coder="alice", status="all")
    assert sorted(bank["text"]) == [
        "Our capacity was the problem from day one.",
        "diversify into a new market",
    ]
    # Ben Hart declined quotes: his coded passage is never a quote.
    assert not any("lead provider" in t for t in bank["text"])
    text = project.document_text("alpha.txt")
    row = bank[bank.participant_id == "P01"].iloc[0]
    assert text[row.start : row.end] == row.text


def test_segment_codings_quote_as_before(project):
    project.record_codings(
        "alice",
        [("alpha.txt#1.0", "capacity-constraints", None)],
        segments=["alpha.txt#1.0"],
    )
    bank = project.quotes(coder="alice", status="all", min_words=1)
    assert bank["text"].tolist() == [
        "We were stretched, honestly. Our capacity was the problem from day one."
    ]


def test_refi_round_trip_keeps_passage_spans(project, tmp_path):
    code(project, ALICE, "alpha.txt", "Our capacity was the problem", "capacity-constraints")
    project.record_codings(
        "bob", [("beta.txt#2.0", "new-markets", None)], segments=["beta.txt#2.0"]
    )
    report = export_qdpx(project, output=tmp_path / "out.qdpx")
    assert report.codings == 2
    import_qdpx(tmp_path / "out.qdpx", tmp_path / "back")
    with Project.open(tmp_path / "back") as back:
        rows = ws.coding_list(back)
        got = {
            (r.document, back.document_text(r.document)[r.start : r.end], r.code, r.coder)
            for r in rows.itertuples()
        }
    assert got == {
        ("alpha.txt", "Our capacity was the problem", "capacity-constraints", "alice"),
        ("beta.txt", "We wanted to diversify into a new market, and we did.", "new-markets", "bob"),
    }


def test_qc_demo_imports_with_its_own_spans(shared_dir, tmp_path):
    """Read the sample's selections straight from its XML, apart from the importer."""
    import zipfile

    from lxml import etree

    sample = shared_dir / "interop" / "refi" / "samples" / "qc_demo.qdpx"
    with zipfile.ZipFile(sample) as archive:
        root = etree.fromstring(archive.read("project.qde"))
    ns = {"q": root.nsmap[None]}
    code_name = {c.get("guid"): c.get("name") for c in root.iterfind(".//q:Code", ns)}
    expected = set()
    for source in root.iterfind(".//q:TextSource", ns):
        for sel in source.iterfind("q:PlainTextSelection", ns):
            for ref in sel.iterfind("q:Coding/q:CodeRef", ns):
                expected.add(
                    (
                        int(sel.get("startPosition")),
                        int(sel.get("endPosition")),
                        code_name[ref.get("targetGUID")],
                    )
                )
    import_qdpx(sample, tmp_path / "qc")
    with Project.open(tmp_path / "qc") as project:
        rows = codings_spans.spans(project.store, include_withdrawn=True)
        got = {(r["start"], r["end"], project.codebook.get(r["code"]).name) for r in rows}
    assert len(expected) > 3
    assert got == expected
