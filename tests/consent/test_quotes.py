"""The quote bank: candidates, consent gating, attribution, redaction on the way out, exports."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from helpers import SAMPLE, _phrases, code_small, output_text
from openpyxl import load_workbook

from mpsp_qual import Project
from mpsp_qual.consent.approvals import record_decision, request_quotes, set_require_approval
from mpsp_qual.consent.quotes import (
    attribution_for,
    candidates,
    quote_bank,
    summary_quotes,
)
from mpsp_qual.core.errors import QuoteError, UnknownCode
from mpsp_qual.formats.quotebank import quoted, write_quote_bank, write_requests

ROOT = Path(__file__).resolve().parents[2]
#: The declined participant of the conftest project (P02 Ben Hart) says this.
DECLINED = "marmalade protocol"
FORMATS = (".md", ".docx", ".xlsx", ".csv")


@pytest.fixture
def coded(project: Project) -> Project:
    code_small(project)
    return project


# -- candidates and ranking ---------------------------------------------------------------


def test_candidates_are_gated_and_interviewer_free(coded):
    frame = candidates(coded)
    assert set(frame["participant_id"]) == {"P01", "P03"}  # P02 declined quotes
    assert not frame["text"].str.contains(DECLINED).any()
    assert set(frame["status"]) == {"pending"}
    row = frame[frame["segment_id"] == "alpha.txt#1.0"].iloc[0]
    assert row["text"] == "We were stretched, honestly. Our capacity was the problem from day one."
    assert coded.document_text("alpha.txt")[row["start"] : row["end"]] == row["text"]
    assert row["quote_id"] == f"alpha.txt#1.0:{row['start']}-{row['end']}"


def test_code_includes_children_and_unknown_code_fails(coded):
    frame = quote_bank(coded, code="challenges", status="all")
    assert set(frame["code"]) == {"capacity-constraints", "misaligned-values"}
    with pytest.raises(UnknownCode):
        quote_bank(coded, code="nonsense")


def test_unknown_coder_and_empty_window_fail(coded):
    with pytest.raises(QuoteError, match="no codings by coder 'bob'"):
        quote_bank(coded, coder="bob")
    with pytest.raises(QuoteError, match="length window"):
        quote_bank(coded, min_words=50, max_words=20)


def test_length_window_trims_to_whole_sentences(project):
    # "We were stretched, honestly." (4 words) + "Our capacity was the problem from day one." (8)
    project.record_codings(
        "alice", [("alpha.txt#1.0", "capacity-constraints", None)], segments=["alpha.txt#1.0"]
    )
    frame = candidates(project, coder="alice", min_words=3, max_words=9)
    assert list(frame["text"]) == ["Our capacity was the problem from day one."]
    assert candidates(project, coder="alice", min_words=13).empty  # the turn is 12 words


def test_a_trimmed_quote_is_filed_only_under_the_codes_its_sentences_carry(project):
    # Alice's turn: "We were stretched, honestly." (4 words) "Our capacity was the problem
    # from day one." (8). Auto gives it two codes, each on the words of one sentence; a
    # window of 3-9 words holds one sentence, so each code's quote is its own sentence.
    text = project.document_text("alpha.txt")
    first, second = "We were stretched, honestly.", "Our capacity was the problem from day one."

    def word(w: str) -> dict:
        at = text.index(w)
        return {"keyword": w, "text": w, "start": at, "end": at + len(w), "score": 100}

    turn = ["alpha.txt#1.0"]
    project.record_codings(
        "auto",
        [
            (turn[0], "capacity-constraints", [word("stretched")]),
            (turn[0], "new-markets", [word("capacity")]),
        ],
        segments=turn,
    )
    before = candidates(project, coder="auto", min_words=3, max_words=9)
    assert sorted(zip(before["code"], before["text"])) == [
        ("capacity-constraints", first),
        ("new-markets", second),
    ]
    # The participant approves the first sentence (the capacity-constraints quote): it is
    # still no quote of new-markets, whose evidence ("capacity") is in the second.
    quote = before.set_index("code").loc["capacity-constraints", "quote_id"]
    record_decision(project, quote, "approved")
    after = candidates(project, coder="auto", min_words=3, max_words=9)
    assert sorted(zip(after["code"], after["text"], after["status"])) == [
        ("capacity-constraints", first, "approved"),
        ("new-markets", second, "pending"),
    ]
    # A human who coded the whole turn with both codes files the approved sentence under both.
    project.record_codings(
        "alice",
        [(turn[0], "capacity-constraints", None), (turn[0], "new-markets", None)],
        segments=turn,
    )
    human = candidates(project, coder="alice", min_words=3, max_words=9)
    approved = human[human["status"] == "approved"]
    assert sorted(approved["code"]) == ["capacity-constraints", "new-markets"]
    assert set(approved["text"]) == {first}


def test_ranking_strength_then_length(project):
    evidence_one = [{"keyword": "capacity", "text": "capacity", "score": 100}]
    evidence_two = [
        {"keyword": "misaligned", "text": "Misaligned", "score": 100},
        {"keyword": "different agenda", "text": "different agenda", "score": 100},
    ]
    project.record_codings(
        "auto",
        [
            ("alpha.txt#1.0", "misaligned-values", evidence_one),
            ("alpha.txt#3.0", "misaligned-values", evidence_two),
            ("beta.txt#2.0", "misaligned-values", evidence_one),
        ],
        segments=["alpha.txt#1.0", "alpha.txt#3.0", "beta.txt#2.0"],
    )
    frame = candidates(project, coder="auto")
    # Two matches beat one; at one match each, 12 words beat 11.
    assert list(frame["segment_id"]) == ["alpha.txt#3.0", "alpha.txt#1.0", "beta.txt#2.0"]
    assert list(frame["strength"]) == [2.0, 1.0, 1.0]


# -- attribution ---------------------------------------------------------------------------


def test_attribution_label_and_named(coded):
    set_require_approval(coded, False)
    label = quote_bank(coded, attribution="label")
    named = quote_bank(coded, attribution="named")
    by = dict(zip(label["participant_id"], label["attribution"]))
    assert by == {"P01": "Social care PSM", "P03": "Health PSM"}
    by = dict(zip(named["participant_id"], named["attribution"]))
    # P01 agreed to be named; P03 did not, and keeps the label.
    assert by == {"P01": "Alice Moss, Chief Executive, Fenmoor Care", "P03": "Health PSM"}


def test_attribution_never_names_without_consent():
    from mpsp_qual.core.model import Participant

    p = Participant("P9", name="Dee Vine", consent_quotes=True, consent_named=False)
    assert attribution_for(p, "named") == "Interviewee"


# -- redaction on the way out ---------------------------------------------------------------


def test_bank_redacts_names_and_own_organisation(tmp_path, small_files):
    alpha, beta = small_files["alpha"], small_files["beta"]
    beta.write_text(
        beta.read_text(encoding="utf-8")
        + "Cara Lin: Ben and I argued with Hartwel's board about Fenmoor Care for months.\n",
        encoding="utf-8",
    )
    alpha.write_text(
        alpha.read_text(encoding="utf-8")
        + "Interviewer: Go on.\n"
        + "Alice Moss: I work at Fenmoor Care and Cara Lin agreed with me on that point entirely.\n",
        encoding="utf-8",
    )
    with Project.init(
        tmp_path / "p", codebook=small_files["codebook"], register=small_files["register"]
    ) as p:
        p.import_transcripts([alpha, beta])
        segs = p.segments(participants_only=True)
        ids = list(segs[segs["speaker"].isin(["Cara Lin", "Alice Moss"])]["segment_id"])
        p.record_codings("alice", [(s, "new-markets", None) for s in ids], segments=ids)
        set_require_approval(p, False)
        label = quote_bank(p, coder="alice")
        texts = set(label["text"])
        assert (
            "[name] and I argued with [organisation]'s board about [organisation] for months."
            in texts
        )
        assert "I work at [organisation] and [name] agreed with me on that point entirely." in texts
        named = set(quote_bank(p, coder="alice", attribution="named")["text"])
        # Alice agreed to be named: her own organisation stays; Cara's name does not.
        assert "I work at Fenmoor Care and [name] agreed with me on that point entirely." in named


# -- consent gating in every output ---------------------------------------------------------


def _approve_everything(project: Project) -> None:
    """Approve every candidate and plant approvals for the declined participant too."""
    for q in candidates(project, min_words=1).drop_duplicates("quote_id").itertuples():
        record_decision(project, q.quote_id, "approved")
    for r in project.store.execute(
        "SELECT segment_id, participant_id, start, end, text FROM segment_view "
        "WHERE participant_id IS NOT NULL"
    ).fetchall():
        project.store.execute(
            "INSERT OR IGNORE INTO quote_approvals VALUES (?, ?, ?, ?, ?, 'approved', NULL, '2025-01-01')",
            tuple(r),
        )


@pytest.mark.parametrize("attribution", ["label", "named"])
@pytest.mark.parametrize("required", [True, False], ids=["approval-on", "approval-off"])
@pytest.mark.parametrize("code", [None, "challenges", "lead-provider"])
def test_declined_words_never_in_any_file(coded, tmp_path, attribution, required, code):
    _approve_everything(coded)
    set_require_approval(coded, required)
    for status in ("approved", "pending", "all"):
        for suffix in FORMATS:
            out = tmp_path / f"bank-{status}{suffix}"
            write_quote_bank(
                coded, out, code=code, attribution=attribution, status=status, min_words=1
            )
            assert DECLINED not in output_text(out)
    requests = tmp_path / "requests.xlsx"
    write_requests(coded, request_quotes(coded, code=code, status="all", min_words=1), requests)
    assert DECLINED not in output_text(requests)
    assert not summary_quotes(coded)["text"].str.contains(DECLINED).any()


def test_writers_gate_rows_handed_to_them(coded, tmp_path):
    # Even rows that never went through the bank cannot carry a declined participant's words.
    frame = candidates(coded, min_words=1)
    leaked = frame.iloc[[0]].copy()
    leaked["participant_id"] = "P02"
    leaked["text"] = "The marmalade protocol never worked for us."
    for suffix in FORMATS:
        out = tmp_path / f"leak{suffix}"
        write_quote_bank(coded, out, frame=leaked)
        assert DECLINED not in output_text(out)


def test_withdrawn_participant_leaves_every_output(coded, tmp_path):

    _approve_everything(coded)
    assert quote_bank(coded)["text"].str.contains("diversify").any()
    coded.withdraw("P03")
    for suffix in FORMATS:
        out = tmp_path / f"bank{suffix}"
        write_quote_bank(coded, out, status="all", attribution="named", min_words=1)
        assert "diversify" not in output_text(out)


def test_export_layout(coded, tmp_path):
    set_require_approval(coded, False)
    md = tmp_path / "q.md"
    assert write_quote_bank(coded, md) == 3
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Quote bank\n")
    assert (
        "## Challenges\n\n### Misaligned aims and values\n\n> “They had a different agenda." in text
    )
    assert "> – Social care PSM" in text
    assert (
        text.index("## Challenges")
        < text.index("### Capacity constraints")
        < text.index("## Benefits")
    )

    from docx import Document

    docx = tmp_path / "q.docx"
    write_quote_bank(coded, docx)
    paragraphs = Document(str(docx)).paragraphs
    quotes = [p for p in paragraphs if p.style.name == "Quote"]
    assert quotes[0].text.startswith("“") and quotes[0].text.endswith("”")
    headings = [(p.style.name, p.text) for p in paragraphs if p.style.name.startswith("Heading")]
    assert headings[:2] == [
        ("Heading 1", "Challenges"),
        ("Heading 2", "Misaligned aims and values"),
    ]

    xlsx = tmp_path / "q.xlsx"
    write_quote_bank(coded, xlsx)
    ws = load_workbook(xlsx)["Quotes"]
    assert ws["A1"].value == "Theme" and ws["D1"].value == "Quote"
    assert ws["D2"].value.endswith("” – Social care PSM")

    with pytest.raises(QuoteError, match="quotes are written as .md, .docx, .xlsx, .csv or .json"):
        write_quote_bank(coded, tmp_path / "q.pdf")


def test_spreadsheet_text_is_never_a_formula(tmp_path, small_files):
    alpha = small_files["alpha"]
    alpha.write_text(
        alpha.read_text(encoding="utf-8")
        + "Interviewer: Go on.\n"
        + 'Alice Moss: =HYPERLINK("http://x") is what they sent us, a formula where a word should be.\n',
        encoding="utf-8",
    )
    with Project.init(
        tmp_path / "p", codebook=small_files["codebook"], register=small_files["register"]
    ) as p:
        p.import_transcripts([alpha])
        seg = p.segments(participants_only=True)["segment_id"].iloc[-1]
        p.record_codings("alice", [(seg, "new-markets", None)], segments=[seg])
        set_require_approval(p, False)
        write_requests(p, request_quotes(p, coder="alice"), tmp_path / "r.xlsx")
        csv = tmp_path / "q.csv"
        write_quote_bank(p, csv, coder="alice")
        ws = load_workbook(tmp_path / "r.xlsx")["P01"]
        assert ws["E2"].data_type == "s" and ws["E2"].value.startswith("“=HYPERLINK")
        # The Quote column starts with a quotation mark; the raw text is never a bare formula.
        assert "\n=" not in csv.read_text(encoding="utf-8")


# -- the shipped sample ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def sample_project(tmp_path_factory):
    """The shipped sample, every participant segment coded by alice, half the quotes approved."""
    if not (SAMPLE / "participants.csv").is_file():
        pytest.skip("transcripts_sample/ is not written yet")
    folder = SAMPLE / "interviews" if (SAMPLE / "interviews").is_dir() else SAMPLE
    files = sorted(p for p in folder.glob("int*") if p.suffix in (".txt", ".docx", ".vtt"))
    d = tmp_path_factory.mktemp("sample")
    project = Project.init(
        d / "proj",
        codebook=ROOT / "codebooks" / "partnerships.yaml",
        register=SAMPLE / "participants.csv",
    )
    project.import_transcripts(files, register=SAMPLE / "participants.csv")
    segs = project.segments(participants_only=True)
    ids = list(segs["segment_id"])
    # Every segment under a challenge; the withdrawn and declined participants' (and every
    # third other) under a benefit too, so that each --code choice reaches their words.
    codings = [(s, "lead-provider", None) for s in ids]
    codings += [
        (s, "new-markets", None)
        for k, (s, pid) in enumerate(zip(segs["segment_id"], segs["participant_id"]))
        if pid in ("P06", "P07") or k % 3 == 0
    ]
    project.record_codings("alice", codings, segments=ids)
    quotes = candidates(project).drop_duplicates("quote_id")
    for q in quotes.iloc[::2].itertuples():
        record_decision(project, q.quote_id, "approved")
    # Approvals planted for the withdrawn and the declined participants must not matter.
    for r in project.store.execute(
        "SELECT segment_id, participant_id, start, end, text FROM segment_view "
        "WHERE participant_id IN ('P06', 'P07')"
    ).fetchall():
        project.store.execute(
            "INSERT INTO quote_approvals VALUES (?, ?, ?, ?, ?, 'approved', NULL, '2025-01-01')",
            tuple(r),
        )
    project.store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    yield project
    project.close()


@pytest.fixture
def sample_copy(sample_project, tmp_path):
    """A private copy of the sample project, for tests that change it."""
    shutil.copy(sample_project.store.path, tmp_path / "project.sqlite")
    with Project.open(tmp_path) as p:
        yield p


def test_sample_phrases_are_there_to_leak(sample_project):
    # The test below proves something only if the phrases are in the project and coded.
    phrases = _phrases("P06", "P07")
    assert len(phrases) >= 2
    coded_text = " ".join(
        sample_project.segments().merge(
            sample_project.codings(coder="alice", include_withdrawn=True), on="segment_id"
        )["text"]
    )
    for phrase in phrases:
        assert phrase in coded_text


@pytest.mark.parametrize("attribution", ["label", "named"])
@pytest.mark.parametrize("required", [True, False], ids=["approval-on", "approval-off"])
@pytest.mark.parametrize("code", [None, "challenges", "lead-provider"])
def test_sample_declined_and_withdrawn_never_leak(
    sample_copy, tmp_path, attribution, required, code
):
    phrases = _phrases("P06", "P07")
    set_require_approval(sample_copy, required)
    for status in ("approved", "all"):
        frame = quote_bank(sample_copy, code=code, status=status, attribution=attribution)
        assert len(frame) and not frame["participant_id"].isin(["P06", "P07"]).any()
        for suffix in FORMATS:
            out = tmp_path / f"bank-{status}{suffix}"
            write_quote_bank(sample_copy, out, frame=frame)
            text = output_text(out)
            for phrase in phrases:
                assert phrase not in text, f"{phrase!r} leaked into {out.name}"
    requests = tmp_path / "requests.xlsx"
    write_requests(sample_copy, request_quotes(sample_copy, code=code, status="all"), requests)
    text = output_text(requests)
    assert not [p for p in phrases if p in text]
    summary = summary_quotes(sample_copy)
    assert not [p for p in phrases if summary["text"].str.contains(p, regex=False).any()]


def test_demo_step_approves_and_verifies_the_shipped_draft(sample_copy, tmp_path):
    from mpsp_qual.app.demo import quotes_step
    from mpsp_qual.consent.verify import verify_draft

    draft = SAMPLE / "draft_report.md"
    if not draft.is_file():
        pytest.skip("transcripts_sample/draft_report.md is not written yet")
    before = verify_draft(sample_copy, draft)
    # The README: the draft quotes P01, P02, P03, P05 and P09, verbatim.
    assert set(before["participant_id"]) == {"P01", "P02", "P03", "P05", "P09"}
    assert set(before["match"]) == {"verbatim"}
    lines, tables = [], {}
    quotes_step(sample_copy, tmp_path, log=lines.append, show=tables.__setitem__)
    assert (tmp_path / "quotes.md").is_file() and (tmp_path / "quotes.docx").is_file()
    result = tables["Verify draft_report.md"]
    assert result["ok"].all() and set(result["approval"]) == {"approved"}
    assert lines[-1] == f"Verify: {len(before)} of {len(before)} quoted passages pass."
    text = output_text(tmp_path / "quotes.md") + output_text(tmp_path / "quotes.docx")
    assert "the housing association is in the partnership" in text
    assert not [p for p in _phrases("P06", "P07") if p in text]


# -- decisions on text that has changed since ------------------------------------------------


def test_a_stale_approval_is_ignored(coded):
    """A decision stored with text its span no longer holds counts as no decision."""
    quote = candidates(coded).set_index("segment_id").loc["alpha.txt#1.0", "quote_id"]
    record_decision(
        coded, quote, "approved with edits", edited_text="We were stretched from day one."
    )
    assert "We were stretched from day one." in set(quote_bank(coded)["text"])
    # The transcript's text changes under the approval, its offsets kept (as a re-import
    # that kept the span would leave it).
    coded.store.execute(
        "UPDATE documents SET text = replace(text, 'honestly', 'candidly') WHERE name = 'alpha.txt'"
    )
    frame = candidates(coded).set_index("quote_id")
    assert frame.loc[quote, "status"] == "pending"
    assert frame.loc[quote, "text"] == (
        "We were stretched, candidly. Our capacity was the problem from day one."
    )
    for status in ("approved", "all"):
        assert "We were stretched from day one." not in set(
            quote_bank(coded, status=status)["text"]
        )
    assert quote_bank(coded).empty
    # A request for it asks again, with no decision filled in.
    requests = request_quotes(coded).set_index("quote_id")
    assert requests.loc[quote, "decision"] == ""


# -- one approval workbook per participant ----------------------------------------------------


def test_each_participants_workbook_holds_only_their_quotes_and_names_nobody(sample_copy, tmp_path):
    from mpsp_qual.formats.quotebank import write_request_folder

    register = pd.read_csv(SAMPLE / "participants.csv", dtype=str).fillna("")
    frame = request_quotes(sample_copy, status="all")
    files = write_request_folder(sample_copy, frame, tmp_path / "requests")
    assert len(files) >= 3 and "P06" not in files and "P07" not in files
    documents = list(sample_copy.documents()["document"])
    stems = [Path(d).stem for d in documents]
    for pid, path in files.items():
        text = output_text(path)
        mine = frame[frame["participant_id"] == pid]
        assert path.name == f"{pid}.xlsx" and len(mine)
        # every quote of theirs, in the words the report would print
        assert all(quoted(t) in text for t in mine["text"])
        others = register[register["participant_id"] != pid]
        leaked = [
            w
            for w in [*others["participant_id"], *others["name"], *others["speaker"],
                      *register["organisation"], *documents, *stems]
            if w and re.search(rf"\b{re.escape(w)}\b", text)
        ]  # fmt: skip
        assert not leaked, f"{path.name} names {leaked}"
        # nor any other participant's words
        for other in others["participant_id"]:
            for words in frame[frame["participant_id"] == other]["text"]:
                assert words not in text
    assert "P01" in files and files["P01"].parent == tmp_path / "requests"


def test_a_mixed_bank_files_each_quote_once_and_marks_the_pending(coded, tmp_path):
    coded.record_codings(
        "alice",
        [("alpha.txt#1.0", "capacity-constraints", None), ("alpha.txt#1.0", "new-markets", None)],
        segments=["alpha.txt#1.0"],
    )
    first = candidates(coded).drop_duplicates("quote_id").iloc[0]
    record_decision(coded, first.quote_id, "approved")
    out = tmp_path / "bank.md"
    write_quote_bank(coded, out, status="all", min_words=1)
    text = out.read_text(encoding="utf-8")
    quotes = re.findall(r"^> “(.*)”$", text, flags=re.M)
    assert len(quotes) == len(set(quotes))  # each quote once
    assert "– Social care PSM (pending approval; also coded: New markets)" in text
    approved = text.split(quoted(first.text), 1)[1].split("\n\n", 1)[0]
    assert "pending" not in approved
