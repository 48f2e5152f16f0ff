"""Per-quote approval: the setting, the request workbook, and recording decisions."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import code_small
from openpyxl import load_workbook

from mpsp_qual import Project
from mpsp_qual.app.quoting import approve_quotes
from mpsp_qual.consent.approvals import (
    approvals,
    record_decision,
    request_quotes,
    require_approval,
    set_require_approval,
)
from mpsp_qual.consent.public_ids import public_quote_id, resolve_quote_id
from mpsp_qual.consent.quotes import candidates, quote_bank, quote_id, source_hash
from mpsp_qual.core.errors import QuoteError, SheetError
from mpsp_qual.formats.quotebank import fill_decisions, write_requests


@pytest.fixture
def coded(project: Project) -> Project:
    code_small(project)
    return project


def test_require_approval_setting(coded):
    assert require_approval(coded)
    assert quote_bank(coded).empty  # nothing approved yet
    assert len(quote_bank(coded, status="pending")) == 3
    set_require_approval(coded, False)
    assert not require_approval(coded)
    assert len(quote_bank(coded)) == 3
    actions = [r[0] for r in coded.store.execute("SELECT action FROM audit")]
    assert actions.count("quotes setting") == 1


def _fill(path: Path, decisions: dict[str, tuple[str, str, str]]) -> None:
    """Fill the request workbook as participants would: quote prefix -> (decision, edit, date)."""
    wb = load_workbook(path)
    for ws in wb.worksheets[1:]:
        for row in range(2, ws.max_row + 1):
            quote = ws.cell(row=row, column=5).value or ""
            for prefix, (decision, edit, when) in decisions.items():
                if prefix in quote:
                    ws.cell(row=row, column=6).value = decision
                    ws.cell(row=row, column=7).value = edit or None
                    ws.cell(row=row, column=8).value = when or None
    wb.save(path)


def test_request_workbook_round_trip(coded, tmp_path):
    requests = request_quotes(coded)
    assert set(requests["participant_id"]) == {"P01", "P03"}
    path = tmp_path / "requests.xlsx"
    assert write_requests(coded, requests, path) == 3
    wb = load_workbook(path)
    assert wb.sheetnames == ["Read me", "P01", "P03"]
    ws = wb["P01"]
    assert [c.value for c in ws[1]] == [
        "Quote id",
        "Participant",
        "Code",
        "Attributed as",
        "Quote",
        "Decision",
        "Edited text",
        "Date",
        "Source hash",
    ]
    assert ws.column_dimensions["I"].hidden  # the fingerprint of each quote's source text
    validation = ws.data_validations.dataValidation[0]
    assert validation.formula1 == '"approved,declined,approved with edits"'
    assert "F2:F3" in str(validation.sqref)
    assert ws["E2"].value.startswith("“") and ws["E2"].value.endswith("”")

    _fill(
        path,
        {
            "stretched": ("approved", "", "2025-04-02"),
            "different agenda": (
                "approved with edits",
                "They had a different agenda from ours.",
                "",
            ),
            "diversify": ("declined", "", ""),
        },
    )
    report = approve_quotes(coded, path)
    assert report.recorded == 3
    assert report.counts == {"approved": 1, "approved with edits": 1, "declined": 1}
    state = approvals(coded).set_index("segment_id")
    assert state.loc["alpha.txt#1.0", "decided_at"] == "2025-04-02"
    assert state.loc["alpha.txt#3.0", "edited_text"] == "They had a different agenda from ours."

    bank = quote_bank(coded)
    assert sorted(bank["text"]) == [
        "They had a different agenda from ours.",
        "We were stretched, honestly. Our capacity was the problem from day one.",
    ]
    assert set(bank["decision"]) == {"approved", "approved with edits"}
    # The declined quote is gone from every status.
    assert not quote_bank(coded, status="all")["text"].str.contains("diversify").any()
    audit = coded.store.execute(
        "SELECT detail FROM audit WHERE action = 'quotes approve'"
    ).fetchall()
    assert len(audit) == 1 and '"decided_at": "2025-04-02"' in audit[0][0]
    # Importing the same decisions again records nothing new.
    again = approve_quotes(coded, path)
    assert (again.recorded, again.unchanged) == (0, 3)


BAD_DECISIONS = [
    pytest.param(("maybe", "", ""), 'cell F2: "maybe" is not a decision', id="unknown-decision"),
    pytest.param(
        ("approved with edits", "", ""),
        "cell G2: the decision is 'approved with edits' but the edited text is blank",
        id="edit-without-text",
    ),
    pytest.param(
        ("approved", "new words", ""),
        "cell G2: there is an edited text but the decision is 'approved'",
        id="text-without-edit",
    ),
    pytest.param(
        ("approved", "", "next Tuesday"), 'cell H2: "next Tuesday" is not a date', id="bad-date"
    ),
]


@pytest.mark.parametrize(("decision", "message"), BAD_DECISIONS)
def test_bad_decisions_change_nothing(coded, tmp_path, decision, message):
    path = tmp_path / "requests.xlsx"
    write_requests(coded, request_quotes(coded), path)
    _fill(path, {"stretched": decision, "diversify": ("approved", "", "")})
    before = approvals(coded)
    with pytest.raises(SheetError) as err:
        approve_quotes(coded, path)
    assert f"requests.xlsx, sheet P01, {message}" in str(err.value)
    assert approvals(coded).equals(before)


def test_bad_workbooks(coded, tmp_path):
    path = tmp_path / "requests.xlsx"
    write_requests(coded, request_quotes(coded), path)
    wb = load_workbook(path)
    wb["P01"]["A2"].value = "not a quote id"
    wb["P03"]["F1"].value = "Verdict"
    wb.save(path)
    with pytest.raises(SheetError) as err:
        approve_quotes(coded, path)
    assert err.value.problems == [
        "requests.xlsx, sheet P03: row 1 has no Decision column; keep the header row as "
        "the request workbook had it.",
        "requests.xlsx, sheet P01, cell A2: 'not a quote id' is not a quote id; keep the "
        "quote_id column as the request workbook had it.",
    ]
    text = tmp_path / "notes.xlsx"
    text.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(SheetError, match=r"notes.xlsx cannot be read as an .xlsx workbook"):
        approve_quotes(coded, text)
    assert approvals(coded).empty


def test_approval_rows_of_a_declined_participant_are_not_recorded(coded, tmp_path):
    path = tmp_path / "requests.xlsx"
    write_requests(coded, request_quotes(coded), path)
    fill_decisions(path, "approved")
    coded.store.execute("UPDATE participants SET consent_quotes = 0 WHERE participant_id = 'P03'")
    report = approve_quotes(coded, path)
    assert report.notes == ["P03 declined quotes; their rows were not recorded."]
    assert set(approvals(coded)["participant_id"]) == {"P01"}


def test_record_decision_refuses_a_declined_participant(coded):
    seg = coded.segments().set_index("segment_id").loc["beta.txt#1.0"]
    with pytest.raises(QuoteError, match="P02 may not be quoted"):
        record_decision(coded, f"beta.txt#1.0:{seg['start']}-{seg['end']}", "approved")


@pytest.mark.parametrize(
    "span",
    [pytest.param("999999-1000005", id="past-the-end"), pytest.param("50-10", id="backwards")],
)
def test_record_decision_refuses_a_span_outside_its_segment(project, span):
    with pytest.raises(QuoteError, match="no quote"):
        record_decision(project, f"beta.txt#2.0:{span}", "approved")
    assert approvals(project).empty


# -- a workbook returned after its transcript changed ----------------------------------------


def _reimport_changed_alpha(project: Project, small_files) -> None:
    """Re-import alpha.txt with one word changed, keeping every offset (and segment id)."""
    alpha = small_files["alpha"]
    text = alpha.read_text(encoding="utf-8")
    alpha.write_text(text.replace("honestly", "candidly"), encoding="utf-8")
    report = project.import_transcripts([alpha], replace=True)
    assert report.replaced == ["alpha.txt"]


def test_approve_refuses_a_quote_whose_transcript_was_reimported(coded, small_files, tmp_path):
    path = tmp_path / "requests.xlsx"
    write_requests(coded, request_quotes(coded), path)
    _fill(path, {"stretched": ("approved", "", ""), "diversify": ("approved", "", "")})
    seg = coded.segments().set_index("segment_id").loc["alpha.txt#1.0"]
    qid = quote_id("alpha.txt#1.0", seg["start"], seg["end"])
    _reimport_changed_alpha(coded, small_files)
    # The segment's text changed, so its id did too: the old quote id names nothing.
    assert "alpha.txt#1.0" not in set(coded.segments()["segment_id"])
    assert "alpha.txt#1.0~1" in set(coded.segments()["segment_id"])
    with pytest.raises(SheetError) as err:
        approve_quotes(coded, path)
    assert err.value.problems == [
        f"requests.xlsx, sheet P01, cell E2: quote {public_quote_id(coded, qid)} no longer "
        "matches its transcript "
        "(it was re-imported); request the quotes again."
    ]
    assert approvals(coded).empty  # all or nothing: P03's approval is not recorded either


def test_approve_refuses_a_workbook_without_source_hashes(coded, tmp_path):
    path = tmp_path / "requests.xlsx"
    write_requests(coded, request_quotes(coded), path)
    fill_decisions(path, "approved")
    wb = load_workbook(path)
    for name in ("P01", "P03"):
        wb[name].delete_cols(9)  # as a workbook written before the column existed
    wb.save(path)
    with pytest.raises(SheetError) as err:
        approve_quotes(coded, path)
    assert str(err.value) == (
        "requests.xlsx has no hidden Source hash column (the workbook was written by an older "
        "version, or the column was deleted), so its quotes cannot be checked against the "
        "transcripts; request the quotes again and send that workbook."
    )
    wb = load_workbook(path)
    wb["P01"]["I1"] = "Source hash"  # one sheet still has it
    wb["P01"]["I2"] = "0" * 16
    wb.save(path)
    with pytest.raises(SheetError) as err:
        approve_quotes(coded, path)
    assert err.value.problems[0].startswith("requests.xlsx, sheet P03 has no hidden Source hash")
    assert approvals(coded).empty


def test_request_workbook_hashes_the_source_text(coded, tmp_path):
    path = tmp_path / "requests.xlsx"
    write_requests(coded, request_quotes(coded), path)
    ws = load_workbook(path)["P01"]
    text = coded.document_text("alpha.txt")
    for row in range(2, ws.max_row + 1):
        _, start, end = resolve_quote_id(coded, ws.cell(row=row, column=1).value)
        assert ws.cell(row=row, column=9).value == source_hash(text[start:end])
    assert source_hash("x") == "2d711642b726b044"  # sha256, its first 16 hex digits


# -- what an edit may be --------------------------------------------------------------------

STRETCHED = "We were stretched, honestly. Our capacity was the problem from day one."

BAD_EDITS = [
    pytest.param(
        "Partnership working transformed every service we run overnight.",
        "the edited text is not an edit of the quote (only",
        id="new-text",
    ),
    pytest.param(
        # Ben Hart (P02) declined quotes: "the lead provider kept changing" is his.
        "We were stretched, honestly. Our capacity was the problem, and the lead provider "
        "kept changing.",
        "the edited text repeats 5 or more consecutive words spoken by P02, who declined to be "
        "quoted; an edit may hold only P01's own words: remove them.",
        id="declined-participants-words",
    ),
    pytest.param(
        "We were stretched, honestly. We wanted to diversify into a new market, really.",
        "the edited text repeats 5 or more consecutive words spoken by P03;",
        id="another-participants-words",
    ),
]


@pytest.mark.parametrize(("edit", "message"), BAD_EDITS)
def test_approve_refuses_an_edit_that_is_not_one(coded, tmp_path, edit, message):
    path = tmp_path / "requests.xlsx"
    write_requests(coded, request_quotes(coded), path)
    _fill(path, {"stretched": ("approved with edits", edit, "")})
    with pytest.raises(SheetError) as err:
        approve_quotes(coded, path)
    assert err.value.problems[0].startswith("requests.xlsx, sheet P01, cell G2: ")
    assert message in err.value.problems[0]
    assert approvals(coded).empty
    qid = candidates(coded).set_index("segment_id").loc["alpha.txt#1.0", "quote_id"]
    with pytest.raises(QuoteError, match=r"the edited text (is not an edit|repeats)"):
        record_decision(coded, qid, "approved with edits", edited_text=edit)
    assert approvals(coded).empty


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param("Our capacity was the problem from day one.", id="trimmed"),
        pytest.param(
            "We were stretched. Capacity was our problem from the first day.", id="reworded"
        ),
        pytest.param(
            "We were stretched, honestly; capacity was the problem from day one", id="repunctuated"
        ),
    ],
)
def test_an_edit_of_the_quote_is_recorded(coded, tmp_path, edit):
    path = tmp_path / "requests.xlsx"
    write_requests(coded, request_quotes(coded), path)
    _fill(path, {"stretched": ("approved with edits", edit, "")})
    assert approve_quotes(coded, path).recorded == 1
    assert list(approvals(coded)["edited_text"]) == [edit]
