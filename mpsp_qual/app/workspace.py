"""The coding workspace's service: what the browser reads and writes, over a Project.

Each function takes an open :class:`~mpsp_qual.app.project.Project` and a
:class:`Viewer` (the coder at the keyboard, and whether they code blind), and returns
plain data for a page or does one write in one short transaction, audited. The web
layer only calls these. Counting rules are those of :mod:`mpsp_qual.coding.passages`.

Blind mode is enforced here, not in the page: a blind viewer is sent only their own
codings and no suggestions, and asking for a suggestion raises :class:`Forbidden`. A
withdrawn participant's words are never returned (their turns come back marked
withdrawn, without text). A write that finds the thing it changes already changed by
someone else raises :class:`Conflict` rather than overwrite it.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from mpsp_qual.coding.autocode import format_evidence
from mpsp_qual.coding.passages import PassageError, turn_holding
from mpsp_qual.core.errors import MpspQualError
from mpsp_qual.core.model import AUTO_CODER
from mpsp_qual.inputs.segment import TokenData, lemma_tokens
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


def _document(project, name: str):
    row = spans_store.document(project.store, name)
    if row is None:
        raise WorkspaceError(
            f"no document {name!r} in the project; {{hint}} lists them.", hint="documents"
        )
    return row


def _code(project, code_id: str):
    code = project.codebook.get(code_id)
    if not code.codable:
        raise WorkspaceError(
            f"{code.id} ({code.name}) is a grouping code and cannot be applied; "
            "choose one of its children."
        )
    return code


def _colors(project) -> dict[str, str]:
    return {c.id: c.color or DEFAULT_COLOR for c in project.codebook}


def _coding_view(row, names, colors, behind=None) -> dict[str, Any]:
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


# ---------------------------------------------------------------------------- reading


def codebook_panel(project, viewer: Viewer) -> list[dict[str, Any]]:
    """Every code in codebook order with its guidance, colour and passage count (people's
    codings, not auto-coding's suggestions)."""
    coders = viewer.coders() or [c for c in spans_store.coders(project.store) if c != AUTO_CODER]
    counts = spans_store.counts_by_code(project.store, coders=coders)
    cb = project.codebook
    return [
        {
            "id": c.id,
            "name": c.name,
            "level": cb.level(c.id),
            "codable": c.codable,
            "color": c.color or DEFAULT_COLOR,
            "description": c.description,
            "include": c.include,
            "exclude": c.exclude,
            "examples": list(c.examples),
            "count": counts.get(c.id, 0),
        }
        for c in cb
    ]


def home(project, viewer: Viewer) -> dict[str, Any]:
    """Documents with their participants, words, coders' progress and pending suggestions."""
    people = project.participants()
    by_doc: dict[str, list[dict]] = defaultdict(list)
    attributes = [c for c in people.columns if c not in _RESERVED]
    for p in people.to_dict("records"):
        by_doc[str(p["transcript"]).casefold()].append(
            {
                "id": p["participant_id"],
                "attribution": p["attribution"],
                "attributes": {a: p[a] for a in attributes if str(p.get(a) or "").strip()},
                "consent_quotes": bool(p["consent_quotes"]),
                "consent_named": bool(p["consent_named"]),
                "withdrawn": bool(p["withdrawn"]),
            }
        )
    segments = project.segments(participants_only=True, include_withdrawn=False)
    total = segments.groupby("document").size().to_dict()
    others = [c for c in spans_store.coders(project.store) if c not in (AUTO_CODER, viewer.coder)]
    coders = viewer.coders() or [viewer.coder, *others]
    seg_doc = dict(zip(segments["segment_id"], segments["document"]))
    progress: dict[str, dict[str, int]] = {}
    for coder in coders:
        done: dict[str, int] = defaultdict(int)
        for sid in project.coded_segments(coder):
            if sid in seg_doc:
                done[seg_doc[sid]] += 1
        progress[coder] = done
    pending = {} if viewer.blind else sug_store.pending_counts(project.store)
    docs = []
    for d in project.documents().to_dict("records"):
        name = d["document"]
        docs.append(
            {
                "name": name,
                "words": d["words"],
                "turns": d["turns"],
                "participants": by_doc.get(name.casefold(), []),
                "segments": total.get(name, 0),
                "progress": {c: progress[c].get(name, 0) for c in coders},
                "pending": pending.get(name, 0),
            }
        )
    return {
        "documents": docs,
        "coders": coders,
        "pending": sum(pending.values()),
        "blind": viewer.blind,
    }


_RESERVED = {
    "participant_id",
    "transcript",
    "speaker",
    "name",
    "organisation",
    "role",
    "consent_quotes",
    "consent_named",
    "attribution",
    "withdrawn",
}


def _pieces(text: str, offset: int, marks: list[tuple[int, int, Any]]) -> list[dict[str, Any]]:
    """Cut a turn's text at every mark boundary: pieces with the marks covering each."""
    cuts = {offset, offset + len(text)}
    for start, end, _ in marks:
        cuts.add(max(start, offset))
        cuts.add(min(end, offset + len(text)))
    bounds = sorted(c for c in cuts if offset <= c <= offset + len(text))
    out = []
    for a, b in zip(bounds, bounds[1:]):
        if a == b:
            continue
        covering = [m for s, e, m in marks if s < b and a < e]
        out.append({"start": a, "text": text[a - offset : b - offset], "marks": covering})
    return out


def reader(project, viewer: Viewer, document: str, *, turn: int | None = None) -> dict[str, Any]:
    """A transcript turn by turn, with the codings (and pending suggestions) on it.

    ``turn`` gives that one turn only (to redraw it after a change)."""
    doc = _document(project, document)
    names = {c.id: c.name for c in project.codebook}
    colors = _colors(project)
    turns = spans_store.turns(project.store, doc["id"])
    if turn is not None:
        turns = [t for t in turns if t["turn"] == turn]
        if not turns:
            raise WorkspaceError(f"{document} has no turn {turn}; reload the page.")
    rows = spans_store.spans(project.store, document=document, coders=viewer.coders())
    if turn is not None:
        rows = [r for r in rows if r["turn"] == turn]
    behind = sug_store.of_coding(
        project.store, [r["id"] for r in rows if r["origin"] == "suggestion"]
    )
    by_turn: dict[int, list[dict]] = defaultdict(list)
    for r in rows:
        if r["coder"] == AUTO_CODER:
            continue  # auto-coding's proposals are shown as suggestions, not as codings
        view = _coding_view(r, names, colors, behind.get(r["id"]))
        view["text"] = doc["text"][r["start"] : r["end"]]
        by_turn[r["turn"]].append(view)
    suggested: dict[int, list[dict]] = defaultdict(list)
    if not viewer.blind:
        for g in sug_store.listing(project.store, document=document):
            suggested[g["turn"]].append(_suggestion_view(g, names, colors))
    segments_of = spans_store.turn_segments(project.store, doc["id"])
    done = spans_store.coded_by(
        project.store, viewer.coder, [s for ids in segments_of.values() for s in ids]
    )
    out = []
    for t in turns:
        codable = t["participant_id"] is not None and not t["withdrawn"]
        codings = by_turn.get(t["turn"], []) if not t["withdrawn"] else []
        item = {
            "turn": t["turn"],
            "speaker": t["speaker"],
            "start_time": t["start_time"],
            "participant_id": t["participant_id"],
            "codable": codable,
            "withdrawn": bool(t["withdrawn"]),
            "start": t["start"],
            "end": t["end"],
            "codings": codings,
            "suggestions": suggested.get(t["turn"], []),
            "done": bool(segments_of.get(t["turn"]))
            and all(s in done for s in segments_of.get(t["turn"], [])),
            "pieces": []
            if t["withdrawn"]
            else _pieces(t["text"], t["start"], [(c["start"], c["end"], c) for c in codings]),
        }
        out.append(item)
    mine = (lambda r: r["coder"] == viewer.coder) if viewer.blind else (lambda r: True)
    turn_notes: dict[int, list[dict]] = defaultdict(list)
    for r in notes_store.of_kind(project.store, "turn"):
        name, _, idx = r["target"].rpartition("#")
        if name == document and idx.isdigit() and mine(r):
            turn_notes[int(idx)].append(dict(r))
    for item in out:
        item["notes"] = turn_notes.get(item["turn"], [])
        item["my_note"] = next((n["memo"] for n in item["notes"] if n["coder"] == viewer.coder), "")
    doc_notes = [dict(r) for r in notes_store.get(project.store, "document", document) if mine(r)]
    return {
        "document": document,
        "turns": out,
        "blind": viewer.blind,
        "notes": doc_notes,
        "my_note": next((n["memo"] for n in doc_notes if n["coder"] == viewer.coder), ""),
    }


def _suggestion_view(g, names, colors) -> dict[str, Any]:
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


def _context(project, document: str, turn: int, marks: list[tuple[int, int, Any]]) -> dict:
    doc = _document(project, document)
    row = next(t for t in spans_store.turns(project.store, doc["id"]) if t["turn"] == turn)
    if row["withdrawn"]:
        raise WorkspaceError("that passage's speaker has withdrawn; their words are not shown.")
    return {
        "speaker": row["speaker"],
        "start_time": row["start_time"],
        "start": row["start"],
        "end": row["end"],
        "pieces": _pieces(row["text"], row["start"], marks),
    }


def review_item(
    project,
    viewer: Viewer,
    *,
    after: int | None = None,
    backwards: bool = False,
    item: int | None = None,
) -> dict[str, Any] | None:
    """The next (or previous, or a given) pending suggestion in its turn, evidence marked."""
    if viewer.blind:
        raise Forbidden("suggestions are hidden in blind mode; you see only your own codings.")
    if item is not None:
        g = sug_store.get(project.store, item)
    else:
        g = sug_store.neighbour(project.store, after, backwards=backwards)
    if g is None:
        return None
    names = {c.id: c.name for c in project.codebook}
    view = _suggestion_view(g, names, _colors(project))
    marks = [(s, e, "evidence") for s, e in view["evidence_spans"]]
    marks.append((g["start"], g["end"], "span"))
    view["context"] = _context(project, g["document"], g["turn"], marks)
    view["remaining"] = sug_store.pending_total(project.store)
    return view


def code_view(project, viewer: Viewer, code: str) -> list[dict[str, Any]]:
    """Every passage of a code across documents (people's codings; auto-coding's are
    suggestions), with the words around it."""
    project.codebook.get(code)
    names = {c.id: c.name for c in project.codebook}
    colors = _colors(project)
    out = []
    texts: dict[str, str] = {}
    for r in spans_store.spans(project.store, code=code, coders=viewer.coders()):
        if r["coder"] == AUTO_CODER:
            continue  # auto-coding's proposals are suggestions, reviewed in the queue
        if r["document"] not in texts:
            texts[r["document"]] = _document(project, r["document"])["text"]
        text = texts[r["document"]]
        view = _coding_view(r, names, colors)
        view.update(
            document=r["document"],
            turn=r["turn"],
            speaker=r["speaker"],
            participant_id=r["participant_id"],
            before=text[max(0, r["start"] - 80) : r["start"]],
            text=text[r["start"] : r["end"]],
            after=text[r["end"] : r["end"] + 80],
        )
        out.append(view)
    return out


_NOT_WORD = re.compile(r"\W+")


def search(project, viewer: Viewer, query: str, *, limit: int = 200) -> dict[str, Any]:
    """Passages whose lemmas hold the query's lemmas in order, in context, with their codes."""
    wanted = [w for w in lemma_tokens(query) if _NOT_WORD.sub("", w)]
    if not wanted:
        raise WorkspaceError("the search has no words; type a word or a phrase.")
    names = {c.id: c.name for c in project.codebook}
    colors = _colors(project)
    hits = []
    for seg in spans_store.searchable_segments(project.store):
        tokens = TokenData.decode(seg["lemmas"], seg["offsets"])
        lemmas = tokens.lemmas
        n = len(wanted)
        for i in range(len(lemmas) - n + 1):
            if list(lemmas[i : i + n]) == wanted:
                a = seg["start"] + tokens.offsets[2 * i]
                b = seg["start"] + tokens.offsets[2 * (i + n) - 1]
                hits.append((seg, a, b))
                if len(hits) >= limit:
                    break
        if len(hits) >= limit:
            break
    visible = viewer.coders()
    results = []
    by_doc: dict[str, list] = {}
    for seg, a, b in hits:
        if seg["document"] not in by_doc:
            by_doc[seg["document"]] = spans_store.spans(
                project.store, document=seg["document"], coders=visible
            )
        codings = [
            _coding_view(r, names, colors)
            for r in by_doc[seg["document"]]
            if r["start"] < seg["end"] and seg["start"] < r["end"] and r["coder"] != AUTO_CODER
        ]
        suggestions = []
        if not viewer.blind:
            suggestions = [
                _suggestion_view(g, names, colors)
                for g in sug_store.listing(project.store, document=seg["document"])
                if g["start"] < seg["end"] and seg["start"] < g["end"]
            ]
        results.append(
            {
                "document": seg["document"],
                "segment_id": seg["id"],
                "speaker": seg["speaker"],
                "start": a,
                "end": b,
                "pieces": _pieces(seg["text"], seg["start"], [(a, b, "hit")]),
                "codings": codings,
                "suggestions": suggestions,
            }
        )
    return {"query": query, "lemmas": wanted, "results": results}


def dashboard(project, viewer: Viewer) -> dict[str, Any]:
    """Prevalence per code, agreement per code (two or more human coders), the quote bank."""
    out: dict[str, Any] = {"prevalence": [], "agreement": [], "quotes": [], "notes": []}
    coder = viewer.coder if viewer.blind else None
    try:
        frame = project.prevalence(coder=coder)
        out["prevalence"] = frame.to_dict("records")
        out["coder"] = frame.attrs.get("coder", coder)
    except MpspQualError as exc:
        out["notes"].append(exc.render("`mpsp-qual {}`"))
    humans = [c for c in project.coders() if c not in (AUTO_CODER, "consensus")]
    if not viewer.blind and len(humans) >= 2:
        from mpsp_qual.analysis.agreement import agreement_report

        try:
            report = agreement_report(project, humans[:2], n_boot=200)
            out["agreement"] = report.to_dict("records")
            out["agreement_coders"] = humans[:2]
        except MpspQualError as exc:
            out["notes"].append(exc.render("`mpsp-qual {}`"))
    if not viewer.blind:
        try:
            out["quotes"] = project.quotes().head(50).to_dict("records")
        except MpspQualError as exc:
            out["notes"].append(exc.render("`mpsp-qual {}`"))
    return out


def notes(project, viewer: Viewer, kind: str, target: str) -> list[dict[str, Any]]:
    """Memos on a turn (``document#turn``), a document or a code, blind: only the viewer's."""
    _check_kind(kind)
    rows = notes_store.get(project.store, kind, target)
    return [dict(r) for r in rows if not viewer.blind or r["coder"] == viewer.coder]


def _check_kind(kind: str) -> None:
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
    _code(project, code)
    start, end = int(start), int(end)  # numpy integers from a DataFrame are welcome too
    with project.transaction():
        doc = _document(project, document)
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
        doc = _document(project, document)
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
        raise WorkspaceError(f"that coding is {row['coder']}'s; you can change only your own.")
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
    _check_kind(kind)
    if kind == "code":
        project.codebook.get(target)
    elif kind == "document":
        _document(project, target)
    else:
        name, _, idx = target.rpartition("#")
        turns = spans_store.turns(project.store, _document(project, name)["id"])
        if not idx.isdigit() or all(t["turn"] != int(idx) for t in turns):
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
        doc = _document(project, g["document"])
        turns = spans_store.turns(project.store, doc["id"])
        turn = turn_holding(turns, a, b, document=g["document"])
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
    colors = _colors(project)
    return [
        _suggestion_view(g, names, colors)
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
