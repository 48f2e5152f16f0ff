"""Draft verification: is every quote in a report draft what a consenting participant said?

Each quoted passage of a draft (:func:`mpsp_qual.inputs.drafts.extract_passages`) is looked up
across every speaker turn of the project in two steps, so that a 50-page draft against a
million-word project takes seconds: a prefilter (an inverted index of the adjacent word
pairs of every turn, :mod:`mpsp_qual.consent.source_index`; a passage's rarest pairs pick the
few turns sharing most of them, weighted by inverse document frequency), then rapidfuzz
``partial_ratio_alignment`` on those few to locate the passage, and a word-level diff
(difflib) of the passage against the located source. The result is ``verbatim``
(identical after normalising quotation marks, dashes, spaces and the case of the first
letter), ``edited`` (with the differences shown as ``[-source words-]{+draft words+}``)
or ``not found``. A passage that differs from its source only where the draft has a
redaction placeholder (``[name]``, ``[organisation]``) counts as ``verbatim``, with the
number of redactions given. Each found passage is reported with its speaker, their
consent and the quote's approval; a passage fails when it is not found, when its speaker
declined quotes, withdrew or is the interviewer, when the participant declined that
quote, and (with approval required, the default) when it is not approved.

Two more checks keep words of someone who may not be quoted out of a report. An
``edited`` passage fails when the words it adds to its source bring in a run of
:data:`FOREIGN_RUN` consecutive words another speaker said (and its own speaker did
not): every run of that many passage words holding at least two added words is looked
up (:mod:`mpsp_qual.consent.wordruns`), so that one source word difflib happens to match in the
middle of an added phrase does not hide it. And a quoted passage of four or five words
(:data:`SHORT_WORDS`; too short to verify as a quote, so otherwise not read) fails when
it is, word for word, something a participant who declined quotes or withdrew said.
A recorded decision on text since changed (a re-imported transcript) is ignored, and an
approved edit is a source only of its own participant's words.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass

import pandas as pd
from rapidfuzz import fuzz

from mpsp_qual.consent.source_index import (
    _WORDS,
    CANDIDATES,
    PREFILTER_WORDS,
    SourceIndex,
    normalise,
)
from mpsp_qual.consent.wordruns import describe_speakers, words
from mpsp_qual.core.model import PathLike
from mpsp_qual.inputs.drafts import MIN_WORDS, extract_passages, passage_words

__all__ = [
    "CANDIDATES",
    "FOREIGN_PROBLEM",
    "FOREIGN_RUN",
    "LOCATE_SCORE",
    "MIN_COVERAGE",
    "PREFILTER_WORDS",
    "SHORT_WORDS",
    "VERIFY_COLUMNS",
    "SourceIndex",
    "normalise",
    "verify_draft",
    "verify_summary",
]

#: The rapidfuzz partial_ratio a passage needs against a turn to be located there.
LOCATE_SCORE = 75
#: The share of a passage's words that must match its source, in order, to count as found.
MIN_COVERAGE = 0.6
#: An edited passage may not add a run of this many words that another speaker said.
FOREIGN_RUN = 4
#: Quoted passages this long (and shorter than the six words verified as quotes) are
#: checked only against the words of participants who declined quotes or withdrew.
SHORT_WORDS = 4

VERIFY_COLUMNS = [
    "passage",
    "location",
    "words",
    "match",
    "score",
    "redactions",
    "participant_id",
    "consent",
    "approval",
    "ok",
    "problem",
    "document",
    "segment_id",
    "start",
    "end",
    "start_time",
    "diff",
    "text",
]

_PLACEHOLDER = r"\[(?:name|organisation|organization)\]"
_TOKENS = re.compile(rf"{_PLACEHOLDER}|\w+(?:'\w+)*|[^\w\s]", re.IGNORECASE)
_IS_PLACEHOLDER = re.compile(rf"^{_PLACEHOLDER}$", re.IGNORECASE)


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _TOKENS.finditer(normalise(text))]


def _is_word(token: str) -> bool:
    return token[0].isalnum() or token[0] == "_" or token.startswith("[")


def _strip_edge_punct(tokens: list) -> list:
    first, last = 0, len(tokens)
    while first < last and not _is_word(tokens[first][0]):
        first += 1
    while last > first and not _is_word(tokens[last - 1][0]):
        last -= 1
    return tokens[first:last]


# -- matching --------------------------------------------------------------------------------


@dataclass
class _Match:
    turn: dict
    start: int  # offsets into the turn text
    end: int
    opcodes: list
    a: list  # passage tokens
    b: list  # source tokens
    coverage: float
    similarity: float


def _compare_key(token: str) -> str:
    return token.lower() if _is_word(token) else token


def _locate(index: SourceIndex, text: str) -> _Match | None:
    ptoks = _strip_edge_punct(_tokens(text))
    if not ptoks:
        return None
    needle = " ".join(normalise(text).lower().split())
    best = None
    for i in index.candidates(_WORDS.findall(needle)):
        hay = index.lowered[i]
        if len(needle) <= len(hay):
            al = fuzz.partial_ratio_alignment(needle, hay)
            lo, hi = al.dest_start, al.dest_end
        else:
            al = fuzz.partial_ratio_alignment(hay, needle)
            lo, hi = 0, len(hay)
        if best is None or al.score > best[0]:
            best = (al.score, i, lo, hi)
    if best is None or best[0] < LOCATE_SCORE:
        return None
    _, i, lo, hi = best
    if i in index.edits:
        # Found in a participant's approved edit: compare with the span they edited.
        t, lo, hi = index.edits[i]
        turn = index.turns[t]
        m = _refine(ptoks, turn, lo, hi)
        if m is not None:
            m.coverage = 1.0
        return m
    turn = index.turns[i]
    pad = len(needle) // 3 + 20
    return _refine(ptoks, turn, max(0, lo - pad), min(len(turn["text"]), hi + pad))


def _refine(ptoks: list, turn: dict, lo: int, hi: int) -> _Match | None:
    """Align the passage's tokens with turn text [lo, hi), and trim to the matched region."""
    source = turn["text"]
    window = [(t, a + lo, b + lo) for t, a, b in _tokens(source[lo:hi])]
    a_keys = [_compare_key(t) for t, _, _ in ptoks]
    b_keys = [_compare_key(t) for t, _, _ in window]
    blocks = [
        blk
        for blk in difflib.SequenceMatcher(
            None, a_keys, b_keys, autojunk=False
        ).get_matching_blocks()
        if blk.size
    ]
    solid = [blk for blk in blocks if blk.size >= 2] or blocks
    if not solid:
        return None
    # The source region: from the first to the last solid run, widened by the passage
    # words left unmatched at either end (and a little more), then trimmed so that it
    # holds no source words beyond what the passage's ends stand for.
    head = solid[0].a + 2
    tail = len(a_keys) - solid[-1].a - solid[-1].size + 2
    first = max(0, solid[0].b - head)
    last = min(len(window), solid[-1].b + solid[-1].size + tail)
    ops = difflib.SequenceMatcher(None, a_keys, b_keys[first:last], autojunk=False).get_opcodes()
    lo_j, hi_j = 0, last - first
    # difflib turns a (passage) into b (source): "insert" is source-only words. At the
    # edges these are dropped, and so are replaced source words unlike the draft's.
    sub = b_keys[first:last]

    def unlike(i1: int, i2: int, j1: int, j2: int) -> bool:
        if all(_IS_PLACEHOLDER.match(k) for k in a_keys[i1:i2]):
            return False  # a redaction stands for the source words it replaced
        return fuzz.ratio(" ".join(a_keys[i1:i2]), " ".join(sub[j1:j2])) < 60

    if ops and ops[0][0] in ("insert", "replace"):
        tag, i1, i2, j1, j2 = ops[0]
        lo_j = j2 if tag == "insert" or unlike(i1, i2, j1, j2) else max(j1, j2 - (i2 - i1))
    if len(ops) > 1 and ops[-1][0] in ("insert", "replace"):
        tag, i1, i2, j1, j2 = ops[-1]
        hi_j = j1 if tag == "insert" or unlike(i1, i2, j1, j2) else min(j2, j1 + (i2 - i1))
    region = _strip_edge_punct(window[first + lo_j : first + max(lo_j, hi_j)])
    if not region:
        return None
    r_keys = [_compare_key(t) for t, _, _ in region]
    matcher = difflib.SequenceMatcher(None, a_keys, r_keys, autojunk=False)
    matched = sum(blk.size for blk in matcher.get_matching_blocks())
    words = sum(1 for t, _, _ in ptoks if _is_word(t))
    return _Match(
        turn=turn,
        start=region[0][1],
        end=region[-1][2],
        opcodes=matcher.get_opcodes(),
        a=ptoks,
        b=region,
        coverage=matched / max(len(a_keys), 1) if words else 0.0,
        similarity=round(100 * matcher.ratio(), 1),
    )


def _render(tokens: list, i: int, j: int, text: str) -> str:
    if i >= j:
        return ""
    return normalise(text)[tokens[i][1] : tokens[j - 1][2]]


def _diff(m: _Match, passage: str) -> tuple[str, str, int]:
    """(match kind, diff text, redactions) for a located passage."""
    source = m.turn["text"]
    parts: list[str] = []
    edited = False
    redactions = 0
    for tag, i1, i2, j1, j2 in m.opcodes:
        if tag == "equal":
            # Case differs only where the draft capitalised the first word of an excerpt.
            for k in range(i2 - i1):
                a, b = m.a[i1 + k][0], m.b[j1 + k][0]
                if a != b and not (i1 + k == 0 and a[1:] == b[1:]):
                    edited = True
            shown = _render(m.b, j1, j2, source)
            words = shown.split()
            if len(words) > 8:
                shown = " ".join(words[:3]) + " … " + " ".join(words[-3:])
            parts.append(shown)
            continue
        new = _render(m.a, i1, i2, passage)
        old = _render(m.b, j1, j2, source)
        if tag == "replace" and all(_IS_PLACEHOLDER.match(t[0]) for t in m.a[i1:i2]):
            redactions += i2 - i1
            parts.append(new)
            continue
        edited = True
        # difflib turns a (the draft) into b (the source): "insert" is source-only words.
        if tag in ("replace", "insert"):
            parts.append(f"[-{old}-]")
        if tag in ("replace", "delete"):
            parts.append(f"{{+{new}+}}")
    kind = "edited" if edited else "verbatim"
    return kind, (" ".join(parts) if edited else ""), redactions


# -- verification ----------------------------------------------------------------------------


def _approval(project, participant_id: str, document: str, start: int, end: int, passage: str):
    """(approval state, problem or "") for a located passage of a quotable participant."""
    rows = project.store.approvals.fresh_overlapping(participant_id, document, start, end)
    slack = 3
    if any(r["decision"] == "declined" for r in rows):
        return "declined", f"{participant_id} declined this quote; remove it."
    covering = [r for r in rows if r["start"] <= start + slack and end <= r["end"] + slack]
    plain = [r for r in covering if r["decision"] == "approved"]
    edits = [r for r in covering if r["decision"] == "approved with edits"]
    if plain:
        return "approved", ""
    if edits:
        needle = " ".join(normalise(passage).lower().split())
        for r in edits:
            edit = " ".join(normalise(r["edited_text"] or "").lower().split())
            if fuzz.partial_ratio(needle, edit) >= 95:
                return "approved with edits", ""
        return (
            "approved with edits",
            f"{participant_id} approved this quote only with edits; use their edited text.",
        )
    if project.store.approvals.required():
        return (
            "pending",
            f"{participant_id} has not approved this quote; send them a quote request "
            "for this draft.",
        )
    return "pending", ""


#: How a problem about words another speaker said starts (for :func:`verify_summary`).
FOREIGN_PROBLEM = "adds words spoken by"


def _foreign_added(m: _Match, index: SourceIndex, participant_id: str, people) -> str:
    """The problem with an edited passage that adds another speaker's words, or "".

    Every run of :data:`FOREIGN_RUN` consecutive passage words with at least two words
    the draft added (replaced or inserted) is looked up; a run its own speaker said
    anywhere is theirs to quote.
    """
    added = [False] * len(m.a)
    for tag, i1, i2, _, _ in m.opcodes:
        if tag in ("replace", "delete"):
            for k in range(i1, i2):
                added[k] = True
    seq: list[tuple[str | None, bool]] = []  # (word, added); None for a placeholder
    for (token, _, _), new in zip(m.a, added):
        if _IS_PLACEHOLDER.match(token):
            seq.append((None, new))
        elif _is_word(token):
            seq.extend((w, new) for w in words(token))
    for i in range(len(seq) - FOREIGN_RUN + 1):
        window = seq[i : i + FOREIGN_RUN]
        if sum(new for _, new in window) < 2 or any(w is None for w, _ in window):
            continue
        others = index.runs.foreign([w for w, _ in window], participant_id)
        if others:
            return (
                f"{FOREIGN_PROBLEM} {describe_speakers(others, people)} ({FOREIGN_RUN} or "
                f"more consecutive words found in their turns, not {participant_id}'s); "
                "a quote holds only its speaker's words: remove them."
            )
    return ""


def _short_row(index: SourceIndex, passage, people) -> dict | None:
    """A failing row for a short passage that is the words of someone who may not be quoted."""
    said = index.runs.speakers(words(passage.text))
    barred = [
        s for s in said if s.participant_id in people and not people[s.participant_id].quotable
    ]
    if not barred:
        return None
    s = barred[0]
    person = people[s.participant_id]
    why = "withdrew from the study" if person.withdrawn else "declined to be quoted"
    return {
        "match": "verbatim",
        "participant_id": s.participant_id,
        "consent": "withdrawn" if person.withdrawn else "declined",
        "document": s.document,
        "problem": f"quotes a participant who {why} ({s.participant_id}): these "
        f"{passage_words(passage.text)} words are theirs, word for word; remove them.",
    }


def verify_draft(project, draft: PathLike) -> pd.DataFrame:
    """Check every quoted passage of a draft against the project's transcripts.

    Args:
        project: the project.
        draft: a .docx, .md or .txt report draft.

    Returns:
        One row per passage of six words or more, in draft order, and one per passage
        of four or five words that a participant who may not be quoted said word for
        word (see the module's description): columns :data:`VERIFY_COLUMNS`.
        ``match`` is ``verbatim``, ``edited`` or ``not found``; ``consent`` is
        ``yes``, ``declined``, ``withdrawn`` or ``interviewer``; ``approval`` is
        ``approved``, ``approved with edits``, ``pending`` or ``declined``; ``ok`` is
        False when the passage must not go in the report, and ``problem`` says why.
        ``start``/``end`` are the source's offsets in the document text; ``diff``
        shows the differences (withheld for a speaker who may not be quoted).

    Raises:
        InputError: the draft cannot be read.
    """
    passages = extract_passages(draft, min_words=SHORT_WORDS)
    people = project.participant_objects()
    index = SourceIndex(project) if passages else None
    segments: dict[tuple[str, int], list] = {}
    rows = []
    for passage in passages:
        if passage_words(passage.text) < MIN_WORDS:
            short = _short_row(index, passage, people)
            if short is not None:
                rows.append(
                    {
                        **dict.fromkeys(VERIFY_COLUMNS),
                        "passage": len(rows) + 1,
                        "location": passage.location,
                        "words": passage_words(passage.text),
                        "redactions": 0,
                        "approval": "",
                        "ok": False,
                        "diff": "",
                        "text": passage.text,
                        **short,
                    }
                )
            continue
        row = {
            "passage": len(rows) + 1,
            "location": passage.location,
            "words": passage_words(passage.text),
            "match": "not found",
            "score": None,
            "redactions": 0,
            "participant_id": None,
            "consent": "",
            "approval": "",
            "ok": False,
            "problem": "not found in any transcript; check the wording against the source, "
            "or remove the quote.",
            "document": None,
            "segment_id": None,
            "start": None,
            "end": None,
            "start_time": None,
            "diff": "",
            "text": passage.text,
        }
        m = _locate(index, passage.text) if index is not None else None
        if m is not None and m.coverage >= MIN_COVERAGE:
            kind, diff, redactions = _diff(m, passage.text)
            turn = m.turn
            start, end = turn["start"] + m.start, turn["start"] + m.end
            key = (turn["document"], turn["turn"])
            if key not in segments:
                segments[key] = project.store.documents.turn_segments(*key)
            overlap = [
                (min(end, s["end"]) - max(start, s["start"]), s["segment_id"])
                for s in segments[key]
            ]
            segment_id = max(overlap)[1] if overlap else None
            pid = turn["participant_id"]
            person = people.get(pid) if pid else None
            row.update(
                match=kind,
                score=m.similarity,
                redactions=redactions,
                participant_id=pid,
                document=turn["document"],
                segment_id=segment_id,
                start=start,
                end=end,
                start_time=turn["start_time"],
                diff=diff,
            )
            if person is None:
                row.update(
                    consent="interviewer",
                    diff="",
                    problem=f"spoken by {turn['speaker']} (not a participant in the register), "
                    "who is never quoted; remove it.",
                )
            elif person.withdrawn:
                row.update(
                    consent="withdrawn",
                    diff="",
                    problem=f"spoken by {pid}, who withdrew from the study; remove it.",
                )
            elif not person.consent_quotes:
                row.update(
                    consent="declined",
                    diff="",
                    problem=f"spoken by {pid}, who declined to be quoted; remove it.",
                )
            else:
                approval, problem = _approval(
                    project, pid, turn["document"], start, end, passage.text
                )
                if kind == "edited":
                    problem = _foreign_added(m, index, pid, people) or problem
                row.update(consent="yes", approval=approval, ok=not problem, problem=problem)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=VERIFY_COLUMNS)
    for column in ("start", "end"):
        frame[column] = frame[column].astype("Int64")
    frame["ok"] = frame["ok"].astype(bool)
    return frame


def verify_summary(result: pd.DataFrame) -> str:
    """One sentence on a verification: how many passages passed, and why the others failed."""
    total = len(result)
    failed = result[~result["ok"].astype(bool)] if total else result
    if not total:
        return "No quoted passages of six words or more were found."
    if failed.empty:
        return f"All {total} quoted passages are verified."
    reasons = Counter()
    for r in failed.itertuples(index=False):
        if r.match == "not found":
            reasons["not found"] += 1
        elif str(r.problem).startswith(FOREIGN_PROBLEM):
            reasons["adding another speaker's words"] += 1
        elif r.consent == "declined":
            reasons["by a participant who declined quotes"] += 1
        elif r.consent == "withdrawn":
            reasons["by a withdrawn participant"] += 1
        elif r.consent == "interviewer":
            reasons["by the interviewer"] += 1
        elif r.approval == "declined":
            reasons["declined by the participant"] += 1
        elif r.approval == "approved with edits":
            reasons["not as the participant edited it"] += 1
        else:
            reasons["not approved"] += 1
    detail = ", ".join(f"{n} {why}" for why, n in reasons.items())
    return f"{len(failed)} of {total} quoted passages failed: {detail}."
