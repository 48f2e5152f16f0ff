"""Draft verification: finding quoted passages, matching them, and judging them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mpsp_qual import Project
from mpsp_qual.consent.approvals import record_decision, set_require_approval
from mpsp_qual.consent.quotes import quote_id
from mpsp_qual.consent.verify import verify_draft, verify_summary
from mpsp_qual.core.errors import InputError
from mpsp_qual.inputs.drafts import Passage, extract_passages, passages_from_markdown

ALICE_1 = "We were stretched, honestly. Our capacity was the problem from day one."
ALICE_2 = "They had a different agenda. Misaligned from the start, I would say."
CARA = "We wanted to diversify into a new market, and we did."
BEN = "The marmalade protocol never worked for us, and the lead provider kept changing."


def approve(project: Project, segment_id: str, decision: str = "approved", edit=None) -> None:
    seg = project.segments().set_index("segment_id").loc[segment_id]
    record_decision(
        project, quote_id(segment_id, seg["start"], seg["end"]), decision, edited_text=edit
    )


def draft(tmp_path: Path, text: str, name: str = "draft.md") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# -- finding passages ----------------------------------------------------------------------


def test_passages_in_markdown():
    text = textwrap.dedent(
        """\
        # Findings

        One said “we were stretched, honestly, from day one” and another
        said "they had a different agenda from us" too. Short: "too short here".

        > They had a different agenda.
        > Misaligned from the start, I would say.
        >
        > – Social care PSM

        ```
        "a quoted passage inside a code block is not a quote"
        ```

        > “We wanted to diversify into a new market, and we did.” – Health PSM
        """
    )
    assert passages_from_markdown(text) == [
        Passage("we were stretched, honestly, from day one", "line 3"),
        Passage("they had a different agenda from us", "line 4"),
        Passage(
            "They had a different agenda. Misaligned from the start, I would say.",
            "line 6",
            block=True,
        ),
        Passage("We wanted to diversify into a new market, and we did.", "line 15", block=True),
    ]


def test_passages_in_docx(tmp_path):
    from docx import Document

    doc = Document()
    doc.add_paragraph("Introduction, with no quotes at all in this paragraph.")
    doc.add_paragraph(f"As one put it, “{CARA}”")
    doc.add_paragraph(ALICE_2, style="Intense Quote")
    doc.add_paragraph("– Social care PSM", style="Quote")
    path = tmp_path / "draft.docx"
    doc.save(str(path))
    assert extract_passages(path) == [
        Passage(CARA, "paragraph 2"),
        Passage(ALICE_2, "paragraph 3", block=True),
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param(
            "draft.pdf", b"%PDF", "draft.pdf: verify reads .docx, .md and .txt drafts", id="pdf"
        ),
        pytest.param(
            "draft.docx",
            b"not a zip",
            "draft.docx cannot be read as a Word document",
            id="bad-docx",
        ),
    ],
)
def test_unreadable_drafts(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        extract_passages(path)
    with pytest.raises(InputError, match="no such draft"):
        extract_passages(tmp_path / "missing.md")


# -- verification --------------------------------------------------------------------------


def test_verify_verbatim_edited_invented_and_declined(project, tmp_path):
    approve(project, "alpha.txt#1.0")
    approve(project, "alpha.txt#3.0")
    path = draft(
        tmp_path,
        f"""\
        Verbatim: “{ALICE_1}”

        Lightly edited: “They had a different agenda. Misaligned from the very start, I'd say.”

        Invented: “Partnership working transformed every service we run overnight.”

        Declined: “{BEN}”
        """,
    )
    result = verify_draft(project, path)
    assert list(result["match"]) == ["verbatim", "edited", "not found", "verbatim"]
    assert list(result["participant_id"].fillna("")) == ["P01", "P01", "", "P02"]
    assert list(result["consent"]) == ["yes", "yes", "", "declined"]
    assert list(result["approval"]) == ["approved", "approved", "", ""]
    assert list(result["ok"]) == [True, True, False, False]
    edited = result.iloc[1]
    assert edited["diff"] == (
        "They had a different agenda. Misaligned from the {+very+} start, [-I would-] {+I'd+} say"
    )
    text = project.document_text("alpha.txt")
    assert text[edited["start"] : edited["end"]] == ALICE_2.rstrip(".")
    assert edited["segment_id"] == "alpha.txt#3.0"
    assert result.iloc[3]["diff"] == ""  # a declined participant's words are not echoed
    assert result.iloc[3]["problem"] == "spoken by P02, who declined to be quoted; remove it."
    assert verify_summary(result) == (
        "2 of 4 quoted passages failed: 1 not found, 1 by a participant who declined quotes."
    )


def test_verify_withdrawn_interviewer_and_pending(project, tmp_path):

    project.withdraw("P03")
    path = draft(
        tmp_path,
        f"""\
        > {CARA}

        > How did the partnership start? asked the interviewer, then said it again.

        "{ALICE_1}"
        """,
    )
    result = verify_draft(project, path)
    assert list(result["consent"]) == ["withdrawn", "", "yes"]
    assert list(result["match"]) == ["verbatim", "not found", "verbatim"]
    assert list(result["approval"]) == ["", "", "pending"]
    assert not result["ok"].any()
    set_require_approval(project, False)
    assert list(verify_draft(project, path)["ok"]) == [False, False, True]


def test_verify_interviewer_is_never_quoted(tmp_path, small_files):
    alpha = small_files["alpha"]
    alpha.write_text(
        alpha.read_text(encoding="utf-8")
        + "Interviewer: So would you say the partnership was worth all of the effort in the end?\n",
        encoding="utf-8",
    )
    with Project.init(
        tmp_path / "p", codebook=small_files["codebook"], register=small_files["register"]
    ) as p:
        p.import_transcripts([alpha])
        path = draft(tmp_path, "“would you say the partnership was worth all of the effort”")
        row = verify_draft(p, path).iloc[0]
        assert (row["match"], row["consent"], bool(row["ok"])) == ("verbatim", "interviewer", False)


def test_verify_redacted_quote_counts_as_verbatim(tmp_path, small_files):
    alpha = small_files["alpha"]
    alpha.write_text(
        alpha.read_text(encoding="utf-8")
        + "Alice Moss: Ben Hart told us the board would never agree to it, not in a month of Sundays.\n",
        encoding="utf-8",
    )
    with Project.init(
        tmp_path / "p", codebook=small_files["codebook"], register=small_files["register"]
    ) as p:
        p.import_transcripts([alpha])
        set_require_approval(p, False)
        path = draft(
            tmp_path,
            "“[name] told us the board would never agree to it, not in a month of Sundays.”",
        )
        row = verify_draft(p, path).iloc[0]
        assert (row["match"], row["redactions"], row["diff"], bool(row["ok"])) == (
            "verbatim",
            1,
            "",
            True,
        )


def test_verify_quote_approvals(project, tmp_path):
    approve(project, "alpha.txt#1.0", "declined")
    approve(
        project,
        "alpha.txt#3.0",
        "approved with edits",
        "They had another agenda entirely, I would say.",
    )
    path = draft(
        tmp_path,
        f"""\
        “{ALICE_1}”

        “{ALICE_2}”

        “They had another agenda entirely, I would say.”
        """,
    )
    result = verify_draft(project, path)
    assert list(result["approval"]) == ["declined", "approved with edits", "approved with edits"]
    assert list(result["ok"]) == [False, False, True]
    assert result.iloc[1]["problem"] == (
        "P01 approved this quote only with edits; use their edited text."
    )


def test_verify_docx_draft(project, tmp_path):
    from docx import Document

    approve(project, "beta.txt#2.0")
    doc = Document()
    doc.add_paragraph(CARA, style="Quote")
    path = tmp_path / "draft.docx"
    doc.save(str(path))
    row = verify_draft(project, path).iloc[0]
    assert (row["location"], row["match"], row["participant_id"], bool(row["ok"])) == (
        "paragraph 1",
        "verbatim",
        "P03",
        True,
    )


def test_draft_without_quotes(project, tmp_path):
    result = verify_draft(project, draft(tmp_path, "No quotations here at all.\n"))
    assert result.empty
    assert verify_summary(result) == "No quoted passages of six words or more were found."


def test_draft_passages_count_words_as_the_quote_bank_does():
    from mpsp_qual.consent.quotes import count_words
    from mpsp_qual.inputs.drafts import passage_words

    text = "We don't know, it's the council's call."
    assert passage_words(text) == count_words(text) == 7


# -- more quotation marks ------------------------------------------------------------------


def test_curly_single_quotes_and_guillemets_are_read():
    text = textwrap.dedent(
        """\
        British style: ‘we were stretched, honestly, from day one’, she said.
        Apostrophes are no marks: we don’t read ‘the partners’ as a quote here.
        After a bracket (‘they had a different agenda from ours’) too.
        Guillemets: «we wanted to diversify into a new market».
        Straight singles are read too: 'they had a different agenda from ours'.
        """
    )
    assert passages_from_markdown(text) == [
        Passage("we were stretched, honestly, from day one", "line 1"),
        Passage("they had a different agenda from ours", "line 3"),
        Passage("we wanted to diversify into a new market", "line 4"),
        Passage("they had a different agenda from ours", "line 5"),
    ]


def test_a_quotation_over_several_paragraphs_is_read_per_paragraph():
    text = textwrap.dedent(
        """\
        “We were stretched, honestly, and it showed in every meeting,

        “and our capacity was the problem from day one, as everyone knew.”

        ‘They had a different agenda from the very beginning,

        ‘and they were misaligned from the start, I would say.’

        “We wanted to diversify into a new market in the end,

        and we did, in the end, with a lot of help.”
        """
    )
    assert passages_from_markdown(text) == [
        Passage("We were stretched, honestly, and it showed in every meeting,", "line 1"),
        Passage("and our capacity was the problem from day one, as everyone knew.", "line 3"),
        Passage("They had a different agenda from the very beginning,", "line 5"),
        Passage("and they were misaligned from the start, I would say.", "line 7"),
        Passage("We wanted to diversify into a new market in the end,", "line 9"),
        Passage("and we did, in the end, with a lot of help.", "line 11"),
    ]
    # Word's ‘90s, with no quotation going on in the next paragraph, opens nothing.
    assert passages_from_markdown("In the ‘90s we ran six services on our own.\n\nThen not.") == []


def test_verify_reads_single_quoted_and_multi_paragraph_passages(project, tmp_path):
    path = draft(
        tmp_path,
        f"""\
        One said it was ‘{BEN}’

        «{BEN}»

        “We wanted to diversify into a new market,

        “{BEN}”
        """,
    )
    result = verify_draft(project, path)
    assert list(result["participant_id"]) == ["P02", "P02", "P03", "P02"]
    assert list(result["consent"]) == ["declined", "declined", "yes", "declined"]
    assert not result["ok"].any()


# -- another speaker's words in a quote ----------------------------------------------------


def test_an_edited_quote_may_not_add_another_speakers_words(project, tmp_path):
    approve(project, "alpha.txt#1.0")
    path = draft(
        tmp_path,
        """\
        “We were stretched, honestly. Our capacity was the problem, and the lead provider kept changing.”

        “We were stretched, honestly. Our capacity was the problem, we wanted to diversify.”

        “We were stretched, honestly. Our capacity was the real problem from day one.”
        """,
    )
    result = verify_draft(project, path)
    assert list(result["match"]) == ["edited", "edited", "edited"]
    assert list(result["participant_id"]) == ["P01", "P01", "P01"]
    assert list(result["ok"]) == [False, False, True]
    assert result.iloc[0]["problem"] == (
        "adds words spoken by P02, who declined to be quoted (4 or more consecutive words "
        "found in their turns, not P01's); a quote holds only its speaker's words: remove them."
    )
    assert result.iloc[1]["problem"].startswith("adds words spoken by P03 (")
    assert verify_summary(result) == (
        "2 of 3 quoted passages failed: 2 adding another speaker's words."
    )


def test_short_passages_of_a_declined_participant_fail(project, tmp_path):

    project.withdraw("P03")
    path = draft(
        tmp_path,
        """\
        He called it “the marmalade protocol never worked”, and she wanted to “diversify into
        a new market”; another said “our capacity was the problem” and “too short”.
        """,
    )
    result = verify_draft(project, path)
    assert list(result["passage"]) == [1, 2]
    assert list(result["participant_id"]) == ["P02", "P03"]
    assert list(result["consent"]) == ["declined", "withdrawn"]
    assert not result["ok"].any()
    assert result.iloc[0]["problem"] == (
        "quotes a participant who declined to be quoted (P02): these 5 words are theirs, "
        "word for word; remove them."
    )
    assert result.iloc[1]["problem"].startswith("quotes a participant who withdrew")
    assert verify_summary(result) == (
        "2 of 2 quoted passages failed: 1 by a participant who declined quotes, "
        "1 by a withdrawn participant."
    )


# -- approved edits as sources ----------------------------------------------------------------


def test_an_approved_edit_of_changed_text_is_no_source(project, tmp_path):
    edit = "We were stretched beyond belief, honestly, from day one."
    approve(project, "alpha.txt#1.0", "approved with edits", edit)
    path = draft(tmp_path, f"“{edit}”\n")
    assert list(verify_draft(project, path)["ok"]) == [True]
    # The transcript's text changes under the approval, its offsets kept.
    for table in ("documents", "turns", "segments"):
        project.store.execute(f"UPDATE {table} SET text = replace(text, 'honestly', 'candidly')")
    row = verify_draft(project, path).iloc[0]
    assert not row["ok"]
    assert row["approval"] != "approved with edits"


def test_an_approved_edit_speaks_only_for_its_participant(project, tmp_path):

    edit = "We wanted to diversify into new markets, and we did, slowly."
    approve(project, "beta.txt#2.0", "approved with edits", edit)
    path = draft(tmp_path, f"“{edit}”\n")
    row = verify_draft(project, path).iloc[0]
    assert (row["participant_id"], row["approval"], bool(row["ok"])) == (
        "P03",
        "approved with edits",
        True,
    )
    project.withdraw("P03")
    row = verify_draft(project, path).iloc[0]
    assert (row["participant_id"], row["consent"], bool(row["ok"])) == ("P03", "withdrawn", False)
