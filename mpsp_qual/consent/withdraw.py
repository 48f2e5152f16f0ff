"""Withdrawal: a participant leaves the study, and (with a purge) their words leave the file.

:func:`withdraw` marks a participant withdrawn. The mark is sticky (a later register
cannot undo it) and every count, matrix, sheet and quote leaves them out from then on;
the audit log records it. With ``purge=True`` their turns, segments, codings, memos
and quote approvals are deleted, their words in the stored document text are overwritten
with filler of the same length (so every other offset stays valid), any of their words
in the audit log are scrubbed, and the project file is compacted (WAL checkpoint and
``VACUUM``, with ``secure_delete`` on) so that no text of theirs remains in
``project.sqlite`` or its ``-wal`` file. The original transcript files on disk are the
user's, and are not touched: the report names them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from mpsp_qual.core.errors import ProjectError
from mpsp_qual.core.labels import label_key
from mpsp_qual.core.model import Document, Participant
from mpsp_qual.core.text import WORD
from mpsp_qual.store import purged as purged_store

#: What a purged participant's characters become in the stored document text.
FILLER = "█"
#: Shingle length (words) for finding a participant's words in other text.
SHINGLE = 5


@dataclass
class WithdrawReport:
    """What a withdrawal did."""

    participant_id: str
    already_withdrawn: bool = False
    purged: bool = False
    turns: int = 0
    segments: int = 0
    codings: int = 0
    memos: int = 0
    approvals: int = 0
    documents: list[str] = field(default_factory=list)
    audit_entries_scrubbed: int = 0
    #: Places outside the project file (or tables we do not know) still holding their words.
    warnings: list[str] = field(default_factory=list)


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = [w.casefold() for w in WORD.findall(text)]
    if len(words) < SHINGLE:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def _holds(value: str, theirs: set[tuple[str, ...]], texts: list[str]) -> bool:
    """True if ``value`` repeats any run of their words (or is itself part of their text)."""
    if not value.strip():
        return False
    if _shingles(value) & theirs:
        return True
    folded = " ".join(value.casefold().split())
    return len(folded) >= 20 and any(folded in t for t in texts)


def _scrub(item, theirs, texts) -> tuple[object, int]:
    if isinstance(item, str):
        return ("[purged]", 1) if _holds(item, theirs, texts) else (item, 0)
    if isinstance(item, dict):
        out, n = {}, 0
        for k, v in item.items():
            out[k], m = _scrub(v, theirs, texts)
            n += m
        return out, n
    if isinstance(item, list):
        out_list, n = [], 0
        for v in item:
            w, m = _scrub(v, theirs, texts)
            out_list.append(w)
            n += m
        return out_list, n
    return item, 0


def _line_start(text: str, offset: int) -> int:
    """Where the line holding ``offset`` begins: a turn's speaker label (their name) and
    timestamp stand there, before the turn's own text."""
    return text.rfind("\n", 0, offset) + 1


def blank_speakers(document: Document, speakers: set[str]) -> Document:
    """The document without the turns of ``speakers`` (compared by :func:`label_key`).

    Their characters in the text become :data:`FILLER` (newlines kept), so every other
    turn's offsets stay valid; the remaining turns keep their indices. Import uses
    this so that re-importing a transcript never brings a purged participant back.
    """
    folded = {label_key(s) for s in speakers}
    gone = [t for t in document.turns if label_key(t.speaker) in folded]
    if not gone:
        return document
    chars = list(document.text)
    for turn in gone:
        for k in range(_line_start(document.text, turn.start), turn.end):
            if chars[k] != "\n":
                chars[k] = FILLER
    kept = tuple(t for t in document.turns if label_key(t.speaker) not in folded)
    return replace(document, text="".join(chars), turns=kept)


def purged_speakers(store) -> dict[str, set[str]]:
    """Transcript name (case-folded) -> speakers whose words were purged from it."""
    out: dict[str, set[str]] = {}
    for pid in store.purge.purged_participant_ids():
        person = store.participants.get(pid)
        if person and person.transcript and person.speaker:
            out.setdefault(label_key(person.transcript), set()).add(person.speaker)
    return out


def refuse_purged(
    document: Document, salt: str, hashes: dict[str, str]
) -> tuple[Document, list[str]]:
    """The document without the turns of any speaker who repeats a purged participant's words.

    A purge records its participant's five-word runs as hashes; a speaker whose turns
    in ``document`` hold several of them (a renamed or edited copy of the transcript)
    is taken for that participant, and all their turns are blanked as
    :func:`blank_speakers` does. Returns the document and one warning per speaker.
    """
    if not hashes:
        return document, []
    by_speaker: dict[str, list] = {}
    for turn in document.turns:
        by_speaker.setdefault(turn.speaker, []).append(turn)
    refused: dict[str, str] = {}
    for speaker, turns in by_speaker.items():
        runs = set()
        for turn in turns:
            runs |= {r for r in _shingles(turn.text) if len(r) == SHINGLE}
        hits = [hashes[h] for h in (purged_store.run_hash(salt, r) for r in runs) if h in hashes]
        # An interviewer echoing a phrase is not the participant; most of their words are.
        if len(hits) >= 3 or (hits and len(hits) * 2 >= len(runs)):
            refused[speaker] = hits[0]
    if not refused:
        return document, []
    warnings = [
        f"{document.name}: the words of speaker {speaker!r} match those of participant {pid}, "
        "who was purged; their turns were left out."
        for speaker, pid in refused.items()
    ]
    return blank_speakers(document, set(refused)), warnings


def withdraw(store, person: Participant, *, purge: bool = False) -> WithdrawReport:
    """Withdraw a participant from the study; with ``purge``, delete their words too.

    Args:
        store: the project's store.
        person: the participant, as the register holds them.
        purge: also delete their turns, segments, codings, memos and quote approvals,
            blank their words out of the stored document text, scrub the audit log and
            compact the file.

    Returns:
        A :class:`WithdrawReport` (counts of what was deleted, and warnings).
    """
    participant_id = person.participant_id
    report = WithdrawReport(participant_id, already_withdrawn=person.withdrawn)
    with store.transaction():
        if not person.withdrawn:
            store.participants.mark_withdrawn(participant_id)
            store.audit("participant withdraw", {"participant_id": participant_id})
    if not purge:
        return report
    report.purged = True
    purger = store.purge
    purger.secure_delete()
    with store.transaction():
        # Marked first: a purge killed before its compaction is compacted on the next open.
        purged_store.mark_pending(store)
        turns = purger.turns_of(person.transcript, person.speaker)
        texts = [" ".join(r["text"].casefold().split()) for r in turns]
        theirs: set[tuple[str, ...]] = set()
        for r in turns:
            theirs |= _shingles(r["text"])
        segment_ids = purger.segment_ids_of(participant_id)
        report.codings = purger.count_on_segments("codings", segment_ids)
        report.memos = purger.count_on_segments("memos", segment_ids)
        report.approvals = purger.delete_approvals(participant_id, segment_ids)
        purger.delete_segments(segment_ids)
        report.segments = len(segment_ids)
        by_document: dict[int, list] = {}
        for r in turns:
            by_document.setdefault(r["document_id"], []).append(r)
        for document_id, rows in by_document.items():
            text = purger.document_text(document_id)
            chars = list(text)
            for r in rows:
                for k in range(_line_start(text, r["start"]), min(r["end"], len(chars))):
                    if chars[k] != "\n":
                        chars[k] = FILLER
            purger.overwrite_document(document_id, "".join(chars), [r["idx"] for r in rows])
            report.documents.append(rows[0]["name"])
            report.warnings.append(
                f"the original transcript {rows[0]['path']} still holds {participant_id}'s words; "
                "delete it or redact it by hand."
            )
        report.turns = len(turns)
        # Runs of words someone else also said are not evidence of theirs.
        for other in purger.turn_texts():
            if theirs:
                theirs -= _shingles(other)
        # A copy of their transcript imported later, renamed or edited, is recognised by these.
        purged_store.record(store, participant_id, (r for r in theirs if len(r) == SHINGLE))
        if theirs:
            for entry in purger.audit_entries():
                try:
                    detail = json.loads(entry["detail"])
                except ValueError:
                    detail = entry["detail"]
                cleaned, n = _scrub(detail, theirs, texts)
                if n:
                    purger.rewrite_audit(entry["id"], cleaned)
                    report.audit_entries_scrubbed += 1
            report.warnings.extend(_other_traces(purger, theirs, texts))
        store.audit(
            "participant purge",
            {
                "participant_id": participant_id,
                "turns": report.turns,
                "segments": report.segments,
                "codings": report.codings,
                "memos": report.memos,
                "approvals": report.approvals,
                "documents": report.documents,
            },
        )
    store.finish_compaction()
    _check_gone(store, participant_id, turns)
    return report


def _check_gone(store, participant_id: str, turns) -> None:
    """Raise unless no line of their turns is left in the bytes of the file (or its side files).

    Lines that some kept text also holds (a phrase someone else said, a codebook example
    the report warned of) do not count.
    """
    needles = {
        line.strip() for r in turns for line in r["text"].splitlines() if len(line.strip()) >= 12
    }
    found = purged_store.leftover(store.path, needles)
    if not found:
        return
    live = purged_store.live_text(store)
    found = [n for n in found if not any(n in value for value in live)]
    if found:
        purged_store.mark_pending(store)
        raise ProjectError(
            f"the purge of {participant_id} was saved, but {len(found)} passage(s) of their words "
            f"are still in the bytes of {store.path}; close any other program that has it open "
            "and run the purge again."
        )


#: Tables and columns a purge has dealt with; any other text column is searched.
_HANDLED = {("documents", "text"), ("audit", "detail"), ("segments", "lemmas")}


def _other_traces(purger, theirs, texts) -> list[str]:
    """Text columns (the codebook setting, tables other features add) still holding their words."""
    found = []
    for table, column, values in purger.text_columns():
        if (table, column) in _HANDLED:
            continue
        for value in values:
            if isinstance(value, str) and _holds(value, theirs, texts):
                found.append(
                    f"{table}.{column} still holds words of theirs (the codebook's "
                    "examples, say); remove them by hand, then run the purge again."
                )
                break
    return found
