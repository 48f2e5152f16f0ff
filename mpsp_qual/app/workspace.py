"""The coding workspace's service: what the browser writes, over a Project.

Each function takes an open :class:`~mpsp_qual.app.project.Project` and a
:class:`Viewer` (the coder at the keyboard, and whether they code blind) and does one
write in one short transaction, audited; :mod:`mpsp_qual.app.workspace_pages` gives
each screen its data. The web layer only calls these two. Counting rules are those of
:mod:`mpsp_qual.coding.passages`.

Blind mode is enforced here, not in the page: a blind viewer is sent only their own
codings and no suggestions, and asking for a suggestion raises :class:`Forbidden`. A
withdrawn participant's words are never returned (their turns come back marked
withdrawn, without text). A write that finds the thing it changes already changed by
someone else raises :class:`Conflict` rather than overwrite it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mpsp_qual.coding.autocode import format_evidence
from mpsp_qual.coding.passages import PassageError, turn_holding
from mpsp_qual.core.errors import MpspQualError
from mpsp_qual.core.model import AUTO_CODER
from mpsp_qual.store import codings_spans as spans_store
from mpsp_qual.store import suggestions as sug_store
from mpsp_qual.store import workspace_notes as notes_store

__all__ = [
    "Conflict",
    "Forbidden",
    "PassageError",
    "Viewer",
    "WorkspaceError",
]

NOTE_KINDS = ("turn", "document", "code")
DEFAULT_COLOR = "#9e9e9e"


class WorkspaceError(MpspQualError):
    """A workspace request that cannot be done as asked."""


class Conflict(WorkspaceError):
    """A write that lost a race: what it changes was changed by someone else first."""


class Forbidden(WorkspaceError):
    """Something a blind coder may not see."""


@dataclass(frozen=True)
class Viewer:
    """The coder at the keyboard; ``blind`` shows them only their own codings."""

    coder: str
    blind: bool = False

    def coders(self) -> list[str] | None:
        """Whose codings this viewer may see (None: everyone's)."""
        return [self.coder] if self.blind else None


def document_row(project, name: str):
    row = spans_store.document(project.store, name)
    if row is None:
        raise WorkspaceError(
            f"no document {name!r} in the project; {{hint}} lists them.", hint="documents"
        )
    return row


def codable_code(project, code_id: str):
    code = project.codebook.get(code_id)
    if not code.codable:
        raise WorkspaceError(
            f"{code.id} ({code.name}) is a grouping code and cannot be applied; "
            "choose one of its children."
        )
    return code


def code_colors(project) -> dict[str, str]:
    return {c.id: c.color or DEFAULT_COLOR for c in project.codebook}


def coding_view(row, names, colors, behind=None) -> dict[str, Any]:
    evidence = json.loads(row["evidence"]) if row["evidence"] else None
    if behind is not None and evidence is None:
        evidence = json.loads(behind["evidence"])
    return {
        "id": row["id"],
        "code": row["code"],
        "name": names.get(row["code"], row["code"]),
        "color": colors.get(row["code"], DEFAULT_COLOR),
        "coder": row["coder"],
        "origin": row["origin"],
        "start": row["start"],
        "end": row["end"],
        "memo": row["memo"],
        "evidence": format_evidence(evidence) if evidence else "",
    }


def suggestion_view(g, names, colors) -> dict[str, Any]:
    evidence = json.loads(g["evidence"])
    return {
        "id": g["id"],
        "document": g["document"],
        "turn": g["turn"],
        "code": g["code"],
        "name": names.get(g["code"], g["code"]),
        "color": colors.get(g["code"], DEFAULT_COLOR),
        "start": g["start"],
        "end": g["end"],
        "score": round(float(g["score"]), 1),
        "status": g["status"],
        "decided_by": g["decided_by"],
        "evidence": format_evidence(evidence),
        "evidence_spans": [(m["start"], m["end"]) for m in evidence if "start" in m],
        "speaker": g["speaker"],
        "participant_id": g["participant_id"],
    }


def check_kind(kind: str) -> None:
    if kind not in NOTE_KINDS:
        raise WorkspaceError(f"a memo is on a coding, {', '.join(NOTE_KINDS)}; not {kind!r}.")


# ---------------------------------------------------------------------------- writing


def code_passage(
    project, viewer: Viewer, *, document: str, start: int, end: int, code: str, memo: str = ""
) -> dict[str, Any]:
    """Apply ``code`` to [start, end) of ``document`` as the viewer; returns the coding.

    Raises:
        PassageError: the span is empty, outside the text, or crosses turns.
        WorkspaceError: an interviewer's or a withdrawn participant's turn, or a
            grouping code.
    """
    codable_code(project, code)
    start, end = int(start), int(end)  # numpy integers from a DataFrame are welcome too
    with project.transaction():
        doc = document_row(project, document)
        turns = spans_store.turns(project.store, doc["id"])
        turn = turn_holding(turns, start, end, document=document)
        if turn["withdrawn"]:
            raise WorkspaceError(f"{turn['speaker']} has withdrawn; their words cannot be coded.")
        if turn["participant_id"] is None:
            raise WorkspaceError(
                f"{turn['speaker']} is not a participant in the register (the interviewer?); "
                "only participants' turns are coded."
            )
        coding_id, new = spans_store.add(
            project.store,
            document_id=doc["id"],
            turn=turn["turn"],
            start=start,
            end=end,
            code=code,
            coder=viewer.coder,
            origin="selection",
            memo=memo,
        )
        if new:
            project.store.audit(
                "code passage",
                {
                    "document": document,
                    "start": start,
                    "end": end,
                    "code": code,
                    "coder": viewer.coder,
                },
            )
    return {"id": coding_id, "new": new}


def mark_done(project, viewer: Viewer, *, document: str, turn: int, done: bool = True) -> dict:
    """Mark a turn's segments as coded by the viewer (or not): coverage and agreement count
    only segments a coder marked done, with or without codes."""
    with project.transaction():
        doc = document_row(project, document)
        row = next(
            (t for t in spans_store.turns(project.store, doc["id"]) if t["turn"] == turn), None
        )
        if row is None or row["participant_id"] is None or row["withdrawn"]:
            raise WorkspaceError(f"turn {turn} of {document} is not a participant's turn to code.")
        ids = spans_store.turn_segments(project.store, doc["id"]).get(turn, [])
        if done:
            spans_store.mark_coded(project.store, ids, viewer.coder)
        else:
            spans_store.unmark_coded(project.store, ids, viewer.coder)
        project.store.audit(
            "mark done" if done else "mark not done",
            {"document": document, "turn": turn, "segments": len(ids), "coder": viewer.coder},
        )
    return {"done": done, "start": row["start"]}


def _own_coding(project, viewer: Viewer, coding_id: int):
    row = spans_store.get(project.store, coding_id)
    if row is None:
        raise Conflict("that coding is no longer there (removed in another tab?); reload the page.")
    if row["coder"] != viewer.coder:
        whose = "someone else's" if viewer.blind else f"{row['coder']}'s"  # blind: no names
        raise WorkspaceError(f"that coding is {whose}; you can change only your own.")
    return row


def uncode(project, viewer: Viewer, coding_id: int) -> dict[str, Any]:
    """Remove one of the viewer's codings; returns what it was (for undo)."""
    with project.transaction():
        row = _own_coding(project, viewer, coding_id)
        spans_store.delete(project.store, coding_id)
        for g in sug_store.listing(project.store, status="accepted", document=row["document"]):
            if g["coding_id"] == coding_id:
                sug_store.decide(
                    project.store, g["id"], status="pending", who=None, expected="accepted"
                )
        project.store.audit(
            "uncode passage",
            {k: row[k] for k in ("document", "start", "end", "code", "coder", "origin")},
        )
    return {k: row[k] for k in ("document", "start", "end", "code", "memo")}


def set_coding_memo(project, viewer: Viewer, coding_id: int, memo: str, *, expected: str) -> None:
    """Set the memo of one of the viewer's codings, if it still reads ``expected``."""
    with project.transaction():
        row = _own_coding(project, viewer, coding_id)
        if row["memo"] != expected:
            raise Conflict(
                "this memo was changed elsewhere since you opened it; reload to see it, "
                "then write yours again."
            )
        spans_store.set_memo(project.store, coding_id, memo)
        project.store.audit("memo", {"on": "coding", "id": coding_id, "coder": viewer.coder})


def set_note(project, viewer: Viewer, kind: str, target: str, memo: str, *, expected: str) -> None:
    """Set the viewer's memo on a turn, a document or a code, if it still reads ``expected``."""
    check_kind(kind)
    if kind == "code":
        project.codebook.get(target)
    elif kind == "document":
        document_row(project, target)
    else:
        name, _, idx = target.rpartition("#")
        turns = spans_store.turns(project.store, document_row(project, name)["id"])
        if not idx.isdecimal() or all(t["turn"] != int(idx) for t in turns):
            raise WorkspaceError(f"{name} has no turn {idx}; reload the page.")
    with project.transaction():
        current = notes_store.one(project.store, kind, target, viewer.coder)
        if (current or "") != expected:
            raise Conflict(
                "this memo was changed elsewhere since you opened it; reload to see it, "
                "then write yours again."
            )
        notes_store.put(project.store, kind, target, viewer.coder, memo)
        project.store.audit("memo", {"on": kind, "target": target, "coder": viewer.coder})


def _pending(project, viewer: Viewer, suggestion_id: int):
    if viewer.blind:
        raise Forbidden("suggestions are hidden in blind mode; you see only your own codings.")
    g = sug_store.get(project.store, suggestion_id)
    if g is None:
        raise Conflict("that suggestion is gone (auto-coding ran again?); reload the queue.")
    if g["status"] != "pending":
        raise Conflict(
            f"that suggestion was already {g['status']} by {g['decided_by']} at "
            f"{g['decided_at']}; press u to undo it, or move on."
        )
    return g


def accept(
    project, viewer: Viewer, suggestion_id: int, *, start: int | None = None, end: int | None = None
) -> dict[str, Any]:
    """Accept a suggestion (at an adjusted span if given): it becomes the viewer's coding."""
    with project.transaction():
        g = _pending(project, viewer, suggestion_id)
        a = g["start"] if start is None else start
        b = g["end"] if end is None else end
        doc = document_row(project, g["document"])
        turns = spans_store.turns(project.store, doc["id"])
        turn = turn_holding(turns, a, b, document=g["document"])
        if turn["withdrawn"]:
            raise WorkspaceError(f"{turn['speaker']} has withdrawn; their words cannot be coded.")
        if turn["turn"] != g["turn"]:
            raise PassageError(
                f"the adjusted span {a}-{b} left the suggestion's turn; keep it within "
                f"{turn['speaker']}'s words."
            )
        coding_id, _ = spans_store.add(
            project.store,
            document_id=doc["id"],
            turn=g["turn"],
            start=a,
            end=b,
            code=g["code"],
            coder=viewer.coder,
            origin="suggestion",
        )
        sug_store.decide(
            project.store, suggestion_id, status="accepted", who=viewer.coder, coding_id=coding_id
        )
        project.store.audit(
            "accept suggestion",
            {
                "suggestion": suggestion_id,
                "code": g["code"],
                "document": g["document"],
                "start": a,
                "end": b,
                "adjusted": (a, b) != (g["start"], g["end"]),
                "coder": viewer.coder,
            },
        )
    return {"id": suggestion_id, "coding": coding_id}


def reject(project, viewer: Viewer, suggestion_id: int) -> dict[str, Any]:
    """Reject a suggestion: kept as rejected, and the ``auto`` coding it stood for removed."""
    with project.transaction():
        g = _pending(project, viewer, suggestion_id)
        sug_store.decide(project.store, suggestion_id, status="rejected", who=viewer.coder)
        spans_store.delete_of(
            project.store,
            document_id=g["document_id"],
            start=g["start"],
            end=g["end"],
            code=g["code"],
            coder=AUTO_CODER,
        )
        project.store.audit(
            "reject suggestion",
            {
                "suggestion": suggestion_id,
                "code": g["code"],
                "document": g["document"],
                "coder": viewer.coder,
            },
        )
    return {"id": suggestion_id}


def undo_decision(project, viewer: Viewer, suggestion_id: int) -> dict[str, Any]:
    """Make one of the viewer's decided suggestions pending again."""
    if viewer.blind:
        raise Forbidden("suggestions are hidden in blind mode; you see only your own codings.")
    with project.transaction():
        g = sug_store.get(project.store, suggestion_id)
        if g is None or g["status"] == "pending":
            raise Conflict("that suggestion has no decision to undo; reload the queue.")
        if g["decided_by"] != viewer.coder:
            raise WorkspaceError(
                f"that decision is {g['decided_by']}'s; you can undo only your own."
            )
        if g["status"] == "accepted" and g["coding_id"] is not None:
            spans_store.delete(project.store, g["coding_id"])
        if g["status"] == "rejected":
            spans_store.add(
                project.store,
                document_id=g["document_id"],
                turn=g["turn"],
                start=g["start"],
                end=g["end"],
                code=g["code"],
                coder=AUTO_CODER,
                origin="segment",
                evidence=g["evidence"],
            )
        sug_store.decide(
            project.store, suggestion_id, status="pending", who=None, expected=g["status"]
        )
        project.store.audit(
            "undo suggestion decision",
            {"suggestion": suggestion_id, "was": g["status"], "coder": viewer.coder},
        )
    return {"id": suggestion_id}


def bulk_preview(project, viewer: Viewer, code: str, min_score: float) -> list[dict[str, Any]]:
    """The pending suggestions of ``code`` scoring at least ``min_score`` (before accepting)."""
    if viewer.blind:
        raise Forbidden("suggestions are hidden in blind mode; you see only your own codings.")
    project.codebook.get(code)
    names = {c.id: c.name for c in project.codebook}
    colors = code_colors(project)
    return [
        suggestion_view(g, names, colors)
        for g in sug_store.listing(project.store, code=code, min_score=min_score)
    ]


def bulk_accept(
    project, viewer: Viewer, code: str, min_score: float, *, previewed: list[int]
) -> int:
    """Accept the previewed suggestions, only if the preview still holds exactly them."""
    current = [s["id"] for s in bulk_preview(project, viewer, code, min_score)]
    if sorted(current) != sorted(previewed):
        raise Conflict("the suggestions changed since the preview; preview them again.")
    with project.transaction():
        for sid in current:
            accept(project, viewer, sid)
    return len(current)


#: Columns of :func:`coding_list`.
CODING_LIST_COLUMNS = [
    "segment_id",
    "document",
    "turn",
    "speaker",
    "participant_id",
    "start",
    "end",
    "code",
    "coder",
    "origin",
    "evidence",
]


def coding_list(project, *, coder: str | None = None):
    """Every coding with its span: columns :data:`CODING_LIST_COLUMNS`, in text order.

    ``segment_id`` is the segment holding the span's start; ``evidence`` is a dict or
    list, or None. Withdrawn participants' codings are left out.
    """
    import pandas as pd

    rows = []
    for r in spans_store.spans(project.store, coder=coder):
        row = {c: r[c] for c in CODING_LIST_COLUMNS if c != "evidence"}
        row["evidence"] = json.loads(r["evidence"]) if r["evidence"] else None
        rows.append(row)
    return pd.DataFrame(rows, columns=CODING_LIST_COLUMNS)


def workspace_coder(coder: str | None) -> str:
    """The coder the workspace writes as: the one named, else the user running it."""
    from mpsp_qual.store.db import current_user

    name = (coder or current_user()).strip()
    if not name or name == AUTO_CODER:
        raise WorkspaceError(
            f"the workspace codes as a person, not {name!r}; name one with {{hint}}.",
            hint="serve --coder NAME",
        )
    return name


def demo_project(outdir, *, log=lambda line: None):
    """The demo project in ``outdir`` (built from the sample first if it is not there)."""
    from pathlib import Path

    from mpsp_qual.app.demo import run_demo
    from mpsp_qual.store.db import PROJECT_FILE

    target = Path(outdir) / "project"
    if not (target / PROJECT_FILE).is_file():
        log(f"Building the demo project in {target} ...")
        run_demo(outdir, log=log).close()
    return target


def refresh(project) -> None:
    """Forget a cached codebook that a command run beside the server has replaced.

    A server keeps its projects open for hours; ``mpsp-qual codebook set`` in a terminal
    meanwhile changes the stored codebook, and each request should see the new one.
    """
    text = project.store.get_setting("codebook")
    if getattr(project, "_workspace_codebook", None) != text:
        project._codebook = None  # Project re-reads it on next use
        project._workspace_codebook = text
