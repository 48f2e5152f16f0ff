"""Per-quote approval: asking participants about their quotes and recording their decisions.

Each decision (approved, declined, approved with edits) is kept in the
``quote_approvals`` table, keyed by the quote's segment and its character span in the
document, with its date; :func:`request_quotes` lists the quotes to ask about (the
bank's candidates, or the quotes a report draft uses), :func:`record_decisions` records
a filled-in request workbook all or nothing, and :func:`record_decision` records one
decision. With the project setting ``quotes.require_approval`` on (the default) only
approved quotes reach the report bank. No decision is recorded for a participant who
declined quotes or withdrew, nor on a quote whose transcript changed after the request
workbook was written (each row carries a fingerprint of its source text, see
:func:`mpsp_qual.consent.quotes.source_hash`). An edit ("approved with edits") must be an edit
of that quote: alike enough to it (:data:`EDIT_MIN_RATIO`, :data:`EDIT_MIN_TRIM`), and
holding no run of :data:`EDIT_FOREIGN_RUN` words that someone else said and the
participant did not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from mpsp_qual.consent.public_ids import resolve_quote_id
from mpsp_qual.consent.quotes import (
    BANK_COLUMNS,
    candidates,
    decision_status,
    finish_rows,
    parse_quote_id,
    quotable_participants,
    quote_id,
    source_hash,
)
from mpsp_qual.consent.wordruns import SpokenRuns, describe_speakers, windows, words
from mpsp_qual.core import vocab
from mpsp_qual.core.errors import QuoteError, SheetError
from mpsp_qual.core.model import Participant, PathLike
from mpsp_qual.store.approvals import REQUIRE_APPROVAL_SETTING

#: The settings key: when "on", only approved quotes reach the report bank.
REQUIRE_APPROVAL = REQUIRE_APPROVAL_SETTING
DECISIONS = vocab.DECISIONS
APPROVAL_COLUMNS = [
    "quote_id",
    "segment_id",
    "participant_id",
    "start",
    "end",
    "decision",
    "edited_text",
    "decided_at",
]
#: An edit keeps at least this rapidfuzz ratio (case and punctuation folded) to its quote...
EDIT_MIN_RATIO = 60
#: ...or, no longer than the quote, is at least this partial_ratio to a part of it (a trim).
EDIT_MIN_TRIM = 90
#: An edit holds no run of this many consecutive words that only others said.
EDIT_FOREIGN_RUN = 5


# -- the project setting -----------------------------------------------------------------


def require_approval(project) -> bool:
    """Whether only approved quotes reach the report bank (on unless switched off)."""
    return project.store.approvals.required()


def set_require_approval(project, on: bool) -> None:
    """Switch the approval requirement on or off (recorded in the audit log)."""
    project.store.approvals.set_required(on)


# -- recorded decisions ------------------------------------------------------------------


def approvals(project) -> pd.DataFrame:
    """Every recorded per-quote decision: columns :data:`APPROVAL_COLUMNS`."""
    frame = project.store.approvals.frame()
    frame.insert(
        0,
        "quote_id",
        [quote_id(s, a, b) for s, a, b in zip(frame.segment_id, frame.start, frame.end)],
    )
    return frame.reindex(columns=APPROVAL_COLUMNS)


def _fresh_approvals(project) -> pd.DataFrame:
    """The recorded decisions still about the text their span holds: columns :data:`APPROVAL_COLUMNS`.

    A decision on text since changed (a re-imported transcript) is stale: the quote is
    undecided again, and a request for it is not prefilled with the old decision.
    """
    frame = approvals(project)
    fresh = project.store.approvals.fresh_spans()
    keep = [(s, a, b) in fresh for s, a, b in zip(frame.segment_id, frame.start, frame.end)]
    return frame[keep].reset_index(drop=True)


# -- what an edit may be -----------------------------------------------------------------


def edit_problem(
    quote: str,
    edited: str,
    participant_id: str,
    *,
    runs: SpokenRuns,
    people: dict[str, Participant],
) -> str | None:
    """Why ``edited`` is not an acceptable edit of ``quote`` by ``participant_id`` (None if it is).

    An edit rewords or shortens its quote: its rapidfuzz ratio to the quote (with
    ``default_process``: case and punctuation folded) is at least :data:`EDIT_MIN_RATIO`,
    or, no longer than the quote, its partial_ratio is at least :data:`EDIT_MIN_TRIM`.
    Sixty keeps "They had a different agenda from ours." as an edit of "They had a
    different agenda. Misaligned from the start, I would say." (69) and a rewording
    such as "We were stretched. Capacity was our problem from the first day." of "We
    were stretched, honestly. Our capacity was the problem from day one." (74), and
    refuses another participant's sentence put in its place (35 for one of the sample's).
    And it holds no run of
    :data:`EDIT_FOREIGN_RUN` consecutive words that another speaker said (a participant
    who declined or withdrew, another participant, the interviewer) unless the
    participant said them too: an approved edit is quoted as that participant's words.
    """
    a, b = default_process(quote), default_process(edited)
    ratio = fuzz.ratio(a, b)
    trim = fuzz.partial_ratio(b, a) if len(b) <= len(a) else 0.0
    if ratio < EDIT_MIN_RATIO and trim < EDIT_MIN_TRIM:
        return (
            f"the edited text is not an edit of the quote (only {ratio:.0f}% alike, "
            f"{EDIT_MIN_RATIO}% needed); an edit may reword or shorten the quote, not replace "
            "it: correct the text, or choose 'declined'."
        )
    for _, run in windows(words(edited), EDIT_FOREIGN_RUN):
        others = runs.foreign(run, participant_id)
        if others:
            return (
                f"the edited text repeats {EDIT_FOREIGN_RUN} or more consecutive words spoken by "
                f"{describe_speakers(others, people)}; an edit may hold only "
                f"{participant_id}'s own words: remove them."
            )
    return None


# -- approval requests -------------------------------------------------------------------

REQUEST_COLUMNS = [
    "quote_id",
    "participant_id",
    "code",
    "attribution",
    "text",
    "decision",
    "edited_text",
    "decided_at",
]


def request_quotes(
    project,
    *,
    code: str | None = None,
    coder: str | None = None,
    status: str = "pending",
    draft: PathLike | None = None,
    redact: PathLike | None = None,
    min_words: int = 10,
    max_words: int = 120,
) -> pd.DataFrame:
    """The quotes to ask participants about, one row per quote: columns :data:`REQUEST_COLUMNS`.

    Args:
        code, coder, redact, min_words, max_words: as for :func:`quote_bank`.
        status: ``pending`` (quotes not yet decided) or ``all`` (decided ones too,
            with their decision filled in).
        draft: instead of the bank's candidates, the quotes a report draft uses
            (found with :func:`mpsp_qual.consent.verify.verify_draft`): the passage of the
            transcript each quoted passage matches.

    The text is shown as the report would show it (redacted, label attribution).
    """
    if status not in ("pending", "all"):
        raise ValueError("status must be 'pending' or 'all'")
    if draft is not None:
        frame = _draft_requests(project, draft)
    else:
        frame = candidates(
            project, code=code, coder=coder, min_words=min_words, max_words=max_words
        )
    if frame.empty:
        return pd.DataFrame(columns=REQUEST_COLUMNS)
    decided = {
        r.quote_id: r for r in _fresh_approvals(project).itertuples(index=False)
    }  # decisions as recorded (and still about the same text), for prefilling
    frame = frame.groupby("quote_id", sort=False, as_index=False).agg(
        {
            "participant_id": "first",
            "code": lambda s: ", ".join(dict.fromkeys(x for x in s if x)),
            "text": "first",
            "document": "first",
            "start": "first",
            "end": "first",
            "status": "first",
        }
    )
    if status == "pending":
        frame = frame[frame["status"] == "pending"]
    # The participant sees their own words as spoken, redacted as the report would be.
    frame = frame.copy()
    for i, r in frame.iterrows():
        if r.status != "pending":
            frame.at[i, "text"] = project.document_text(r.document)[r.start : r.end]
    frame = finish_rows(project, frame, attribution="label", redact=redact)
    frame["decision"] = [decided[q].decision if q in decided else "" for q in frame.quote_id]
    frame["edited_text"] = [
        "" if q not in decided or pd.isna(decided[q].edited_text) else decided[q].edited_text
        for q in frame.quote_id
    ]
    frame["decided_at"] = [decided[q].decided_at if q in decided else "" for q in frame.quote_id]
    order = {pid: i for i, pid in enumerate(project.participant_objects())}
    frame["_p"] = [order.get(p, 0) for p in frame.participant_id]
    frame = frame.sort_values(["_p", "document", "start"], kind="stable")
    return frame.reindex(columns=REQUEST_COLUMNS).reset_index(drop=True)


def _draft_requests(project, draft: PathLike) -> pd.DataFrame:
    from mpsp_qual.consent.verify import verify_draft

    found = verify_draft(project, draft)
    found = found[found["segment_id"].notna() & found["participant_id"].notna()]
    if found.empty:
        return pd.DataFrame(columns=BANK_COLUMNS)
    codes = project.store.codings.codes_by_segment()
    status = {
        quote_id(r.segment_id, r.start, r.end): decision_status(r.decision)
        for r in _fresh_approvals(project).itertuples(index=False)
    }
    rows = []
    for r in found.itertuples(index=False):
        a, b = int(r.start), int(r.end)
        text = project.document_text(r.document)
        # The participant approves whole sentences' ends: keep the full stop the draft dropped.
        while b < len(text) and text[b] in ".!?…":
            b += 1
        qid = quote_id(r.segment_id, a, b)
        rows.append(
            {
                "quote_id": qid,
                "participant_id": r.participant_id,
                "code": ", ".join(dict.fromkeys(codes.get(r.segment_id, []))),
                "text": text[a:b],
                "document": r.document,
                "start": a,
                "end": b,
                "status": status.get(qid, "pending"),
            }
        )
    return pd.DataFrame(rows)


# -- recording decisions -----------------------------------------------------------------


@dataclass
class ApprovalReport:
    """What ``approve_quotes`` did: decisions recorded and left as they were, and notes."""

    recorded: int = 0
    unchanged: int = 0
    undecided: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def record_decisions(project, source: PathLike, rows: list, problems: list[str]) -> ApprovalReport:
    """Record the decisions read from a filled-in request workbook (``quotes request``).

    ``rows`` and ``problems`` are what :func:`mpsp_qual.formats.quotebank.read_decisions`
    read from ``source``; :func:`mpsp_qual.app.quoting.approve_quotes` does both.

    All or nothing: every row is checked first, and any problem leaves the project
    unchanged. A blank Decision leaves that quote pending; rows of a participant who
    has since declined or withdrawn are not recorded (and noted). Each decision is
    kept with its date (the workbook's Date cell, else today) and one audit entry
    lists them.

    A decision is recorded only on the text the participant was shown: each row's
    hidden Source hash must still be the fingerprint of the transcript's text at the
    quote's span (a workbook without that column is refused). An edit must be an edit
    of its quote (:func:`edit_problem`).

    Raises:
        SheetError: the workbook cannot be read, or a row names an unknown quote, an
            unknown decision, an edit without its text, a quote whose transcript changed,
            or an edit that is not one (``problems`` lists each cell).
    """
    p = Path(source)
    problems = list(problems)
    people = project.participant_objects()
    quotable = quotable_participants(project)
    report = ApprovalReport()
    todo = []
    runs: SpokenRuns | None = None  # built only if the workbook holds an edit
    for row in rows:
        parsed = resolve_quote_id(project, row.quote_id)
        seg = None
        if parsed is not None:
            seg = project.store.documents.segment_span(parsed[0])
        where = f"{p.name}, sheet {row.sheet}, cell {row.cell('quote_id')}"
        if parsed is None:
            problems.append(
                f"{where}: {row.quote_id!r} is not a quote id; keep the quote_id column as "
                "the request workbook had it."
            )
            continue
        if seg is None and project.store.documents.replaced_segment(parsed[0]):
            shown = row.cell("text") if "text" in row.columns else row.cell("quote_id")
            problems.append(
                f"{p.name}, sheet {row.sheet}, cell {shown}: quote {row.quote_id} no longer "
                "matches its transcript (it was re-imported); request the quotes again."
            )
            continue
        if seg is None or seg["participant_id"] != row.participant_id:
            problems.append(
                f"{where}: quote {row.quote_id} is not in the project any more (its transcript "
                "was re-imported or its speaker's data purged); delete the row, or request "
                "the quotes again."
            )
            continue
        if not seg["start"] <= parsed[1] < parsed[2] <= seg["end"]:
            problems.append(
                f"{where}: quote {row.quote_id} has a span outside its segment; delete the row."
            )
            continue
        if row.participant_id not in quotable:
            who = people.get(row.participant_id)
            why = "withdrew" if who is not None and who.withdrawn else "declined quotes"
            report.notes.append(f"{row.participant_id} {why}; their rows were not recorded.")
            continue
        if not row.decision:
            report.undecided += 1
            continue
        text = project.document_text(seg["document"])
        quote = text[parsed[1] : parsed[2]]
        at = f"{p.name}, sheet {row.sheet}, cell"
        if not row.source_hash:
            problems.append(
                f"{at} {row.cell('source_hash')}: the hidden Source hash of quote "
                f"{row.quote_id} is blank, so it cannot be checked against its transcript; "
                "request the quotes again."
            )
            continue
        if row.source_hash != source_hash(quote):
            shown = row.cell("text") if "text" in row.columns else row.cell("quote_id")
            problems.append(
                f"{at} {shown}: quote {row.quote_id} no longer matches its transcript (it was "
                "re-imported); request the quotes again."
            )
            continue
        if row.decision == "approved with edits":
            if runs is None:
                runs = SpokenRuns.from_project(project)
            problem = edit_problem(
                quote, row.edited_text, row.participant_id, runs=runs, people=people
            )
            if problem:
                problems.append(f"{at} {row.cell('edited_text')}: {problem}")
                continue
        todo.append((row, parsed, quote))
    if problems:
        raise SheetError(
            problems[0]
            if len(problems) == 1
            else f"{p.name} has {len(problems)} problems; fix them and import it again.",
            problems,
        )
    report.notes = list(dict.fromkeys(report.notes))
    current = {  # a stale decision is recorded again, with the text it is now about
        (r.segment_id, int(r.start), int(r.end)): (
            r.decision,
            "" if pd.isna(r.edited_text) else r.edited_text,
        )
        for r in _fresh_approvals(project).itertuples(index=False)
    }
    recorded = []
    with project.store.transaction():
        for row, (segment_id, start, end), quote in todo:
            if current.get((segment_id, start, end)) == (row.decision, row.edited_text):
                report.unchanged += 1
                continue
            project.store.approvals.record(
                segment_id,
                row.participant_id,
                start,
                end,
                quote,
                row.decision,
                row.edited_text or None,
                row.decided_at,
            )
            recorded.append(
                {"quote_id": row.quote_id, "decision": row.decision, "decided_at": row.decided_at}
            )
            report.counts[row.decision] = report.counts.get(row.decision, 0) + 1
        report.recorded = len(recorded)
        if recorded:
            project.store.audit(
                "quotes approve", {"file": p.name, "recorded": len(recorded), "decisions": recorded}
            )
    return report


def record_decision(
    project,
    quote: str,
    decision: str,
    *,
    edited_text: str | None = None,
    decided_at: str | None = None,
) -> None:
    """Record one participant's decision on one quote (for notebooks and scripts).

    Raises:
        QuoteError: unknown quote or decision, an edit without text, an edit that is
            not an edit of the quote (:func:`edit_problem`), or a participant who may
            not be quoted.
    """
    parsed = parse_quote_id(quote)
    row = None
    if parsed is not None:
        row = project.store.documents.segment_span(parsed[0])
    if (
        row is None
        or row["participant_id"] is None
        or not row["start"] <= parsed[1] < parsed[2] <= row["end"]
    ):
        raise QuoteError(
            f"no quote {quote!r} in the project; {{hint}} lists them.", hint="quotes --status all"
        )
    if decision not in DECISIONS:
        raise QuoteError(f"unknown decision {decision!r}; use one of: {', '.join(DECISIONS)}.")
    if (decision == "approved with edits") != bool(edited_text):
        raise QuoteError("give the edited text with 'approved with edits', and only then.")
    if row["participant_id"] not in quotable_participants(project):
        raise QuoteError(f"{row['participant_id']} may not be quoted (declined or withdrew).")
    segment_id, start, end = parsed
    text = project.document_text(row["document"])[start:end]
    if decision == "approved with edits":
        problem = edit_problem(
            text,
            edited_text or "",
            row["participant_id"],
            runs=SpokenRuns.from_project(project),
            people=project.participant_objects(),
        )
        if problem:
            raise QuoteError(f"quote {quote}: {problem}")
    when = decided_at or date.today().isoformat()
    with project.store.transaction():
        project.store.approvals.record(
            segment_id, row["participant_id"], start, end, text, decision, edited_text, when
        )
        project.store.audit(
            "quotes approve",
            {
                "recorded": 1,
                "decisions": [{"quote_id": quote, "decision": decision, "decided_at": when}],
            },
        )


__all__ = [
    "APPROVAL_COLUMNS",
    "REQUIRE_APPROVAL",
    "ApprovalReport",
    "approvals",
    "record_decisions",
    "edit_problem",
    "record_decision",
    "request_quotes",
    "require_approval",
    "set_require_approval",
]
