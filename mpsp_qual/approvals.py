"""Per-quote approval: asking participants about their quotes and recording their decisions.

Each decision (approved, declined, approved with edits) is kept in the
``quote_approvals`` table, keyed by the quote's segment and its character span in the
document, with its date; :func:`request_quotes` lists the quotes to ask about (the
bank's candidates, or the quotes a report draft uses), :func:`approve_quotes` records
a filled-in request workbook all or nothing, and :func:`record_decision` records one
decision. With the project setting ``quotes.require_approval`` on (the default) only
approved quotes reach the report bank. No decision is recorded for a participant who
declined quotes or withdrew.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from .errors import QuoteError, SheetError
from .model import PathLike
from .quotes import (
    BANK_COLUMNS,
    candidates,
    decision_status,
    finish_rows,
    parse_quote_id,
    quotable_participants,
    quote_id,
)

#: The settings key: when "on", only approved quotes reach the report bank.
REQUIRE_APPROVAL = "quotes.require_approval"
DECISIONS = ("approved", "declined", "approved with edits")
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


# -- the project setting -----------------------------------------------------------------


def require_approval(project) -> bool:
    """Whether only approved quotes reach the report bank (on unless switched off)."""
    return (project.store.get_setting(REQUIRE_APPROVAL, "on") or "on") != "off"


def set_require_approval(project, on: bool) -> None:
    """Switch the approval requirement on or off (recorded in the audit log)."""
    with project.store.transaction():
        if require_approval(project) != on:
            project.store.set_setting(REQUIRE_APPROVAL, "on" if on else "off")
            project.store.audit("quotes setting", {REQUIRE_APPROVAL: "on" if on else "off"})


# -- recorded decisions ------------------------------------------------------------------


def approvals(project) -> pd.DataFrame:
    """Every recorded per-quote decision: columns :data:`APPROVAL_COLUMNS`."""
    frame = pd.read_sql_query(
        "SELECT segment_id, participant_id, start, end, decision, edited_text, decided_at "
        "FROM quote_approvals ORDER BY segment_id, start",
        project.store.conn,
    )
    frame.insert(
        0,
        "quote_id",
        [quote_id(s, a, b) for s, a, b in zip(frame.segment_id, frame.start, frame.end)],
    )
    return frame.reindex(columns=APPROVAL_COLUMNS)


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
            (found with :func:`mpsp_qual.verify.verify_draft`): the passage of the
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
        r.quote_id: r for r in approvals(project).itertuples(index=False)
    }  # decisions as recorded, for prefilling
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
    from .verify import verify_draft

    found = verify_draft(project, draft)
    found = found[found["segment_id"].notna() & found["participant_id"].notna()]
    if found.empty:
        return pd.DataFrame(columns=BANK_COLUMNS)
    codes: dict[str, list[str]] = {}
    for r in project.store.execute(
        "SELECT segment_id, code FROM codings c JOIN codes k ON k.id = c.code ORDER BY k.position"
    ):
        codes.setdefault(r[0], []).append(r[1])
    status = {
        quote_id(r.segment_id, r.start, r.end): decision_status(r.decision)
        for r in approvals(project).itertuples(index=False)
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


def approve_quotes(project, path: PathLike) -> ApprovalReport:
    """Record the decisions of a filled-in request workbook (``quotes request``).

    All or nothing: every row is checked first, and any problem leaves the project
    unchanged. A blank Decision leaves that quote pending; rows of a participant who
    has since declined or withdrawn are not recorded (and noted). Each decision is
    kept with its date (the workbook's Date cell, else today) and one audit entry
    lists them.

    Raises:
        SheetError: the workbook cannot be read, or a row names an unknown quote, an
            unknown decision, or an edit without its text (``problems`` lists each cell).
    """
    from .export.quotebank import read_decisions

    p = Path(path)
    rows, problems = read_decisions(p)
    people = project.participant_objects()
    quotable = quotable_participants(project)
    report = ApprovalReport()
    todo = []
    for row in rows:
        parsed = parse_quote_id(row.quote_id)
        seg = None
        if parsed is not None:
            seg = project.store.execute(
                "SELECT document, participant_id, start, end FROM segment_view "
                "WHERE segment_id = ?",
                (parsed[0],),
            ).fetchone()
        where = f"{p.name}, sheet {row.sheet}, cell {row.cell('quote_id')}"
        if parsed is None:
            problems.append(
                f"{where}: {row.quote_id!r} is not a quote id; keep the quote_id column as "
                "`mpsp-qual quotes request` wrote it."
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
        todo.append((row, parsed, text[parsed[1] : parsed[2]]))
    if problems:
        raise SheetError(
            problems[0]
            if len(problems) == 1
            else f"{p.name} has {len(problems)} problems; fix them and import it again.",
            problems,
        )
    report.notes = list(dict.fromkeys(report.notes))
    current = {
        (r.segment_id, int(r.start), int(r.end)): (
            r.decision,
            "" if pd.isna(r.edited_text) else r.edited_text,
        )
        for r in approvals(project).itertuples(index=False)
    }
    recorded = []
    with project.store.transaction() as conn:
        for row, (segment_id, start, end), quote in todo:
            if current.get((segment_id, start, end)) == (row.decision, row.edited_text):
                report.unchanged += 1
                continue
            conn.execute(
                "INSERT OR REPLACE INTO quote_approvals (segment_id, participant_id, start, "
                "end, quote, decision, edited_text, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    segment_id,
                    row.participant_id,
                    start,
                    end,
                    quote,
                    row.decision,
                    row.edited_text or None,
                    row.decided_at,
                ),
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
        QuoteError: unknown quote or decision, an edit without text, or a participant
            who may not be quoted.
    """
    parsed = parse_quote_id(quote)
    row = None
    if parsed is not None:
        row = project.store.execute(
            "SELECT document, participant_id, start, end FROM segment_view WHERE segment_id = ?",
            (parsed[0],),
        ).fetchone()
    if (
        row is None
        or row["participant_id"] is None
        or not row["start"] <= parsed[1] < parsed[2] <= row["end"]
    ):
        raise QuoteError(
            f"no quote {quote!r} in the project; `mpsp-qual quotes --status all` lists them."
        )
    if decision not in DECISIONS:
        raise QuoteError(f"unknown decision {decision!r}; use one of: {', '.join(DECISIONS)}.")
    if (decision == "approved with edits") != bool(edited_text):
        raise QuoteError("give the edited text with 'approved with edits', and only then.")
    if row["participant_id"] not in quotable_participants(project):
        raise QuoteError(f"{row['participant_id']} may not be quoted (declined or withdrew).")
    segment_id, start, end = parsed
    when = decided_at or date.today().isoformat()
    with project.store.transaction() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO quote_approvals (segment_id, participant_id, start, end, "
            "quote, decision, edited_text, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                segment_id,
                row["participant_id"],
                start,
                end,
                project.document_text(row["document"])[start:end],
                decision,
                edited_text,
                when,
            ),
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
    "approve_quotes",
    "record_decision",
    "request_quotes",
    "require_approval",
    "set_require_approval",
]
