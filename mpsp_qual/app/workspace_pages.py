"""What each screen of the coding workspace is given: plain data, read for one viewer.

The reading half of :mod:`mpsp_qual.app.workspace` (which holds the viewer, the errors
and every write): the home page, the reader, the codebook panel, the review queue's
item, the code view, search and the dashboard. Blind mode is applied here, on the
server: a blind viewer gets only their own codings and memos and no suggestions. A
withdrawn participant's turns come back marked withdrawn, without their words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from mpsp_qual.app.workspace import (
    DEFAULT_COLOR,
    Forbidden,
    Viewer,
    WorkspaceError,
    check_kind,
    code_colors,
    coding_view,
    document_row,
    suggestion_view,
)
from mpsp_qual.core.columns import PARTICIPANT_COLUMNS
from mpsp_qual.core.errors import MpspQualError
from mpsp_qual.core.model import AUTO_CODER
from mpsp_qual.inputs.segment import TokenData, lemma_tokens
from mpsp_qual.store import codings_spans as spans_store
from mpsp_qual.store import suggestions as sug_store
from mpsp_qual.store import workspace_notes as notes_store

__all__ = [
    "codebook_panel",
    "code_view",
    "dashboard",
    "home",
    "notes",
    "reader",
    "review_item",
    "search",
]


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


_RESERVED = frozenset(PARTICIPANT_COLUMNS)


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
    doc = document_row(project, document)
    names = {c.id: c.name for c in project.codebook}
    colors = code_colors(project)
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
        view = coding_view(r, names, colors, behind.get(r["id"]))
        view["text"] = doc["text"][r["start"] : r["end"]]
        by_turn[r["turn"]].append(view)
    suggested: dict[int, list[dict]] = defaultdict(list)
    if not viewer.blind:
        for g in sug_store.listing(project.store, document=document):
            suggested[g["turn"]].append(suggestion_view(g, names, colors))
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
        if name == document and idx.isdecimal() and mine(r):
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


def _context(project, document: str, turn: int, marks: list[tuple[int, int, Any]]) -> dict:
    doc = document_row(project, document)
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
    view = suggestion_view(g, names, code_colors(project))
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
    colors = code_colors(project)
    out = []
    texts: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    for r in spans_store.spans(project.store, code=code, coders=viewer.coders()):
        if r["coder"] == AUTO_CODER:
            continue  # auto-coding's proposals are suggestions, reviewed in the queue
        if r["document"] not in texts:
            doc = document_row(project, r["document"])
            withdrawn = [
                (t["start"], t["end"])
                for t in spans_store.turns(project.store, doc["id"])
                if t["withdrawn"]
            ]
            texts[r["document"]] = doc["text"], withdrawn
        text, withdrawn = texts[r["document"]]
        # the words around the passage stop at a withdrawn participant's turn
        first = max([r["start"] - 80, 0, *(e for s, e in withdrawn if e <= r["start"])])
        last = min([r["end"] + 80, *(s for s, e in withdrawn if s >= r["end"])])
        view = coding_view(r, names, colors)
        view.update(
            document=r["document"],
            turn=r["turn"],
            speaker=r["speaker"],
            participant_id=r["participant_id"],
            before=text[first : r["start"]],
            text=text[r["start"] : r["end"]],
            after=text[r["end"] : last],
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
    colors = code_colors(project)
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
            coding_view(r, names, colors)
            for r in by_doc[seg["document"]]
            if r["start"] < seg["end"] and seg["start"] < r["end"] and r["coder"] != AUTO_CODER
        ]
        suggestions = []
        if not viewer.blind:
            suggestions = [
                suggestion_view(g, names, colors)
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
    coder = viewer.coder if viewer.blind else None
    out: dict[str, Any] = {
        "prevalence": [],
        "agreement": [],
        "quotes": [],
        "notes": [],
        "coder": coder,  # also when there is no prevalence to show yet
    }
    try:
        if viewer.blind and coder not in project.coders():
            # the library's sentence would name the other coders: a blind coder is told
            # only about their own work
            out["notes"].append(f"{coder} has coded nothing yet; the prevalence shows here then.")
        else:
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
    check_kind(kind)
    rows = notes_store.get(project.store, kind, target)
    return [dict(r) for r in rows if not viewer.blind or r["coder"] == viewer.coder]
