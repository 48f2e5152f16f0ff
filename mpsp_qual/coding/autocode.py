"""Auto-coding: codebook keywords matched on stored lemmas, with fuzzy spelling and evidence.

Import stored every segment's lower-cased lemmas and token offsets, so auto-coding
never runs the spaCy pipeline again: every keyword of every code, lemmatised the same
way, is looked for in each segment's lemmas by plain comparison (:func:`_find`; it finds
exactly what a ``PhraseMatcher`` on attribute ``ORTH`` over a ``Doc`` of the lemmas finds,
which the tests and ``bench/bench_autocode.py`` check, without building a ``Doc`` per
segment). Inflections and case are therefore handled ("partnering", "Partnered" and
"partners" all find ``partner``), and a keyword of several words matches only those
words in that order.

Transcription slips ("capcity") are caught by fuzzy matching: the distinct word forms
of the coded segments are scored against the keywords' words in one
``rapidfuzz.process.cdist`` call, forms close enough to a keyword word stand in for it,
and the segments holding them are matched again; a match that needed a stand-in is
"fuzzy", with the lowest score of its stand-ins. A code's ``fuzzy`` sets its threshold
(default :data:`DEFAULT_FUZZY`; ``0`` turns fuzzy matching off for it). Only forms of at
least :data:`MIN_FUZZY_LENGTH` letters that are neither a keyword word nor a word the
lemma table knows can stand in: a real word is not a slip.

A keyword match that overlaps a match of one of the same code's ``exclude_keywords``
does not count, so "value for money" never codes ``misaligned-values``. Only segments
of participants in the register who have not withdrawn are coded, and only with
codable codes. Each coding's evidence is a list of matches::

    {"keyword": "capacity", "text": "capcity", "start": 2140, "end": 2147,
     "kind": "fuzzy", "score": 93.3}

(``start``/``end`` are document character offsets; ``score`` is 100 for an exact
match). Codings are recorded under the coder ``auto``; human coders' codings are never
touched.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process, utils
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from mpsp_qual.coding.evidence import matches
from mpsp_qual.core.errors import ProjectError
from mpsp_qual.core.model import AUTO_CODER, Codebook
from mpsp_qual.inputs.segment import TokenData, _lemma_table, get_nlp, lemma_tokens
from mpsp_qual.store import suggestions as suggestions_store

__all__ = [
    "COUNT_COLUMNS",
    "DEFAULT_FUZZY",
    "autocode",
    "code_counts",
    "coded_segment_table",
    "format_evidence",
    "match_segments",
]

#: The fuzzy threshold of a code whose ``fuzzy`` is not set.
DEFAULT_FUZZY = 90
#: Shorter words are never fuzzy-matched: at 90 "care" would otherwise find "car"-like slips.
MIN_FUZZY_LENGTH = 5
#: Columns of the table :func:`autocode` returns.
COUNT_COLUMNS = ["code", "name", "segments", "participants"]
#: Candidate forms scored per ``cdist`` call, to bound the score matrix's memory.
_CHUNK = 20_000

Progress = Callable[[int, str], None]


# --------------------------------------------------------------------------- rules


@dataclass
class _Rules:
    """A codebook compiled for matching: lemma patterns by anchor word, and the same
    patterns in a PhraseMatcher (the reference :func:`_find` is checked against)."""

    matcher: PhraseMatcher
    #: match_id -> (code id, keyword as written, is an exclude keyword) for each pattern.
    patterns: dict[int, list[tuple[str, str, bool]]] = field(default_factory=dict)
    #: code id -> fuzzy threshold (0 = off).
    thresholds: dict[str, int] = field(default_factory=dict)
    #: lemma words of keywords whose code allows fuzzy matching.
    fuzzy_words: set[str] = field(default_factory=set)
    #: every keyword lemma word (a form that is one is spelt right, never a slip).
    words: set[str] = field(default_factory=set)
    #: anchor word -> (the pattern's lemma words, the anchor's place in them, match_id)
    #: of each pattern, for :func:`_find` (the matches ``matcher`` finds, without a
    #: ``Doc``). The anchor is the pattern's longest word: long words are the rare ones.
    anchors: dict[str, list[tuple[tuple[str, ...], int, int]]] = field(default_factory=dict)


def _compile(codebook: Codebook) -> _Rules:
    nlp = get_nlp()
    rules = _Rules(PhraseMatcher(nlp.vocab, attr="ORTH"))
    for code in codebook.codable():
        threshold = DEFAULT_FUZZY if code.fuzzy is None else int(code.fuzzy)
        rules.thresholds[code.id] = threshold
        for keywords, exclude in ((code.keywords, False), (code.exclude_keywords, True)):
            for keyword in keywords:
                lemmas = lemma_tokens(keyword)
                if not lemmas:
                    continue
                key = "\x1f".join(lemmas)
                match_id = nlp.vocab.strings.add(key)
                if match_id not in rules.patterns:
                    rules.patterns[match_id] = []
                    rules.matcher.add(key, [Doc(nlp.vocab, words=lemmas)])
                    at = max(range(len(lemmas)), key=lambda i: len(lemmas[i]))
                    rules.anchors.setdefault(lemmas[at], []).append((tuple(lemmas), at, match_id))
                rules.patterns[match_id].append((code.id, keyword, exclude))
                rules.words.update(lemmas)
                if threshold:
                    rules.fuzzy_words.update(
                        w for w in lemmas if len(w) >= MIN_FUZZY_LENGTH and w.isalpha()
                    )
    return rules


def _substitutes(forms: Iterable[str], rules: _Rules) -> dict[str, tuple[str, float]]:
    """Misspelt form -> (the keyword word it stands for, score), scored in bulk."""
    thresholds = [t for t in rules.thresholds.values() if t]
    if not thresholds or not rules.fuzzy_words:
        return {}
    cutoff = min(thresholds)
    # A word the lemma table knows (it has inflections) is English, not a slip.
    known = _known_lemmas()
    candidates = sorted(
        f
        for f in forms
        if len(f) >= MIN_FUZZY_LENGTH and f.isalpha() and f not in rules.words and f not in known
    )
    targets = sorted(rules.fuzzy_words)
    out: dict[str, tuple[str, float]] = {}
    for first in range(0, len(candidates), _CHUNK):
        chunk = candidates[first : first + _CHUNK]
        scores = process.cdist(
            chunk,
            targets,
            scorer=fuzz.ratio,
            processor=utils.default_process,
            score_cutoff=cutoff,
            dtype=np.float32,
            workers=-1,
        )
        best = scores.argmax(axis=1)
        top = scores[np.arange(len(chunk)), best]
        for row in np.flatnonzero(top >= cutoff):
            out[chunk[row]] = (targets[best[row]], round(float(top[row]), 1))
    return out


@functools.lru_cache(maxsize=1)
def _known_lemmas() -> frozenset[str]:
    return frozenset(str(v) for v in _lemma_table().values())


# --------------------------------------------------------------------------- matching


class _Segment(NamedTuple):
    """A codable segment as auto-coding reads it (a tuple: thousands are made per run)."""

    segment_id: str
    document: str
    participant_id: str
    start: int
    text: str
    lemmas: list[str]
    #: The packed token offsets, decoded (``TokenData.decode``) only if something matches.
    packed: bytes


Finder = Callable[[list[str], _Rules], list[tuple[int, int, int]]]


def _find(words: list[str], rules: _Rules) -> list[tuple[int, int, int]]:
    """``(match_id, start token, end token)`` of every pattern occurrence in ``words``, in
    text order.

    The matches ``rules.matcher`` finds on ``Doc(vocab, words=words)`` (every occurrence
    of every pattern, overlapping and nested ones included), found by plain comparison:
    building a ``Doc`` per segment was most of auto-coding's time. Only the anchors that
    occur are looked for, by set intersection and ``list.index``, which run in C.
    """
    anchors = rules.anchors
    out = []
    n = len(words)
    present = set(words)
    for anchor in anchors.keys() & present:
        # A phrase with a word the segment lacks cannot occur: most anchor hits are of
        # common words ("their", "know") in phrases that are not there.
        candidates = [c for c in anchors[anchor] if present.issuperset(c[0])]
        if not candidates:
            continue
        i = -1
        while True:
            try:
                i = words.index(anchor, i + 1)
            except ValueError:
                break
            for pattern, at, match_id in candidates:
                start = i - at
                end = start + len(pattern)
                if (
                    start >= 0
                    and end <= n
                    and (len(pattern) == 1 or tuple(words[start:end]) == pattern)
                ):
                    out.append((match_id, start, end))
    out.sort(key=lambda m: (m[1], m[2]))
    return out


def _matcher_find(words: list[str], rules: _Rules) -> list[tuple[int, int, int]]:
    """What :func:`_find` finds, by spaCy's ``PhraseMatcher`` (the reference it is checked
    against in the tests and ``bench/bench_autocode.py``)."""
    return list(rules.matcher(Doc(get_nlp().vocab, words=words)))


def _match(
    segment: _Segment,
    rules: _Rules,
    subs: Mapping[str, tuple[str, float]],
    find: Finder = _find,
) -> dict[str, list[dict[str, Any]]]:
    """Code id -> evidence (matches in text order) for one segment."""
    lemmas = segment.lemmas
    # (code, keyword, exclude, start token, end token, score or None for exact)
    found: list[tuple[str, str, bool, int, int, float | None]] = []
    for match_id, s, e in find(lemmas, rules):
        for code, keyword, exclude in rules.patterns[match_id]:
            found.append((code, keyword, exclude, s, e, None))
    if subs and not subs.keys().isdisjoint(lemmas):
        swapped = [subs[lemma][0] if lemma in subs else lemma for lemma in lemmas]
        for match_id, s, e in find(swapped, rules):
            scores = [subs[lemma][1] for lemma in lemmas[s:e] if lemma in subs]
            if not scores:
                continue  # the same match as in the exact pass
            score = min(scores)
            for code, keyword, exclude in rules.patterns[match_id]:
                if rules.thresholds[code] and score >= rules.thresholds[code]:
                    found.append((code, keyword, exclude, s, e, score))
    if not found:
        return {}
    by_code: dict[str, list[tuple[str, bool, int, int, float | None]]] = {}
    for code, keyword, exclude, s, e, score in found:
        by_code.setdefault(code, []).append((keyword, exclude, s, e, score))
    offsets = TokenData.decode("", segment.packed).offsets
    out: dict[str, list[dict[str, Any]]] = {}
    for code, items in by_code.items():
        vetoes = [(s, e) for _, exclude, s, e, _ in items if exclude]
        kept = [
            (keyword, s, e, score)
            for keyword, exclude, s, e, score in items
            if not exclude and not any(s < ve and vs < e for vs, ve in vetoes)
        ]
        # A match inside a longer match of the same code ("day job" inside "on top of
        # the day job") is the same evidence; keep the longer one, and one per span.
        kept.sort(key=lambda m: (m[1], -m[2], m[3] is not None))
        evidence: list[dict[str, Any]] = []
        spans: list[tuple[int, int]] = []
        for keyword, s, e, score in kept:
            if any(ss <= s and e <= se for ss, se in spans):
                continue
            spans.append((s, e))
            lo, hi = offsets[2 * s], offsets[2 * e - 1]
            evidence.append(
                {
                    "keyword": keyword,
                    "text": segment.text[lo:hi],
                    "start": segment.start + lo,
                    "end": segment.start + hi,
                    "kind": "exact" if score is None else "fuzzy",
                    "score": 100 if score is None else score,
                }
            )
        if evidence:
            out[code] = evidence
    return out


def _codable_segments(project) -> list[_Segment]:
    rows = project.store.documents.codable_segments()
    return [
        _Segment(r[0], r[1], r[2], r[3], r[4], r[5].split(" ") if r[5] else [], r[6]) for r in rows
    ]


def match_segments(
    project, *, progress: Progress | None = None
) -> tuple[list[str], list[tuple[str, str, list[dict[str, Any]]]]]:
    """Match the codebook against every codable segment, writing nothing.

    Args:
        project: the project.
        progress: called with (documents done, document name) after each document.

    Returns:
        The ids of the segments coded, and one (segment id, code, evidence) per coding.

    Raises:
        ProjectError: the project has no codebook.
    """
    segments, codings = _match_all(project, progress=progress)
    return [s.segment_id for s in segments], codings


def _match_all(
    project, *, progress: Progress | None = None, find: Finder = _find
) -> tuple[list[_Segment], list[tuple[str, str, list[dict[str, Any]]]]]:
    """:func:`match_segments`, returning the codable segments themselves."""
    rules = _compile(project.codebook)
    segments = _codable_segments(project)
    forms: set[str] = set()
    for segment in segments:
        forms.update(segment.lemmas)
    subs = _substitutes(forms, rules)
    by_document: dict[str, list[_Segment]] = {}
    for segment in segments:
        by_document.setdefault(segment.document, []).append(segment)
    names = project.store.documents.names()
    codings: list[tuple[str, str, list[dict[str, Any]]]] = []
    order = {code.id: i for i, code in enumerate(project.codebook)}
    for done, name in enumerate(names, start=1):
        for segment in by_document.get(name, ()):
            matched = _match(segment, rules, subs, find)
            for code in sorted(matched, key=order.__getitem__):
                codings.append((segment.segment_id, code, matched[code]))
        if progress:
            progress(done, name)
    return segments, codings


# --------------------------------------------------------------------------- public API


def suggestion_score(evidence: Any) -> float:
    """A suggestion's score: its best match's (100 for an exact keyword, else rapidfuzz's)."""
    return max((float(m.get("score", 100)) for m in matches(evidence)), default=100.0)


def _check_something_to_code(project) -> None:
    """Refuse a run that could only code nothing, naming what is missing."""
    project.codebook  # noqa: B018 - raises first when there is no codebook at all
    # Existence queries, not the listings: a listing of 1,000,000 words counts them all.
    documents = project.store.documents
    if not documents.names():
        raise ProjectError(
            "there are no transcripts to code; import them first with {hint}.",
            hint="import FILES",
        )
    if not project.store.participants.rows():
        raise ProjectError(
            "there are no participant segments to code: no participants register is loaded, "
            "so every speaker counts as an interviewer; load one with {hint}.",
            hint="register FILE",
        )
    if not documents.has_participant_segments():
        raise ProjectError(
            "there are no participant segments to code: no speaker in the imported "
            "transcripts is in the participants register; check its transcript and speaker "
            "columns against the speaker labels of the transcripts, and load it again with {hint}.",
            hint="register FILE",
        )


def autocode(project, *, dry_run: bool = False, progress: Progress | None = None) -> pd.DataFrame:
    """Auto-code every participant segment and record the codings under ``auto``.

    The ``auto`` coder's earlier codings are replaced in one transaction (those on
    segments no longer coded, e.g. of a participant who withdrew, are dropped); other
    coders' codings are never touched.

    Args:
        project: the project (it needs a codebook).
        dry_run: match and count, but change nothing.
        progress: called with (documents done, document name) after each document.

    Returns:
        One row per codable code in codebook order: ``code, name, segments,
        participants`` (how many segments and distinct participants it coded).
        ``frame.attrs`` holds ``segments`` (segments coded), ``codings`` and ``dry_run``.

    Raises:
        ProjectError: the project has no codebook, or nothing to code: no transcripts,
            no participants register, or no registered speaker in the transcripts.

    Example:
        >>> counts = autocode(project)  # doctest: +SKIP
        >>> counts.set_index("code").loc["capacity-constraints", "participants"]  # doctest: +SKIP
        4
    """
    _check_something_to_code(project)

    participant: dict[str, str] = {}

    def matched() -> tuple[list[str], list]:
        segments, found = _match_all(project, progress=progress)
        # Every coding is of a codable segment, which knows its participant.
        participant.update((s.segment_id, s.participant_id) for s in segments)
        # A suggestion a coder rejected is not made again while its text is unchanged.
        refused = suggestions_store.rejected(project.store)
        return [s.segment_id for s in segments], [c for c in found if (c[0], c[1]) not in refused]

    if dry_run:
        segment_ids, codings = matched()
    else:
        # One transaction reads the segments and writes the codings: a re-import running
        # in between would otherwise get codings computed on the text it replaced. Another
        # writer waits, then is told the project is busy.
        with project.transaction():
            segment_ids, codings = matched()
            stale = project.store.codings.drop_outside(AUTO_CODER, set(segment_ids))
            project.record_codings(
                AUTO_CODER,
                codings,
                segments=segment_ids,
                action="autocode",
                detail={"dropped_segments": stale},
            )
            suggestions_store.sync(
                project.store,
                [
                    (sid, code, json.dumps(ev, ensure_ascii=False), suggestion_score(ev))
                    for sid, code, ev in codings
                ],
            )
    per_code: dict[str, tuple[set[str], set[str]]] = {}
    for segment_id, code, _ in codings:
        segs, people = per_code.setdefault(code, (set(), set()))
        segs.add(segment_id)
        people.add(participant[segment_id])
    rows = [
        {
            "code": code.id,
            "name": code.name,
            "segments": len(per_code.get(code.id, ((), ()))[0]),
            "participants": len(per_code.get(code.id, ((), ()))[1]),
        }
        for code in project.codebook.codable()
    ]
    frame = pd.DataFrame(rows, columns=COUNT_COLUMNS)
    frame.attrs.update(segments=len(segment_ids), codings=len(codings), dry_run=dry_run)
    return frame


def format_evidence(evidence: Any) -> str:
    """Evidence in one short line: ``partner ("partnered", exact); capacity~"capcity" (fuzzy 93)``.

    Evidence that is not a list of matches is shown as compact JSON; none is "".
    """
    if evidence is None or (isinstance(evidence, float) and np.isnan(evidence)):
        return ""
    if not isinstance(evidence, list) or not all(
        isinstance(m, Mapping) and "keyword" in m for m in evidence
    ):
        return json.dumps(evidence, ensure_ascii=False, separators=(",", ":"))
    parts = []
    for m in evidence:
        text = json.dumps(str(m.get("text", "")), ensure_ascii=False)
        if m.get("kind") == "fuzzy":
            parts.append(f"{m['keyword']}~{text} (fuzzy {float(m.get('score', 0)):.0f})")
        else:
            parts.append(f"{m['keyword']} ({text}, exact)")
    return "; ".join(parts)


def code_counts(project) -> pd.DataFrame:
    """Every code with, per coder, how many segments and participants it was applied to.

    Counts are direct: a parent's count does not include its children's codings.
    Withdrawn participants' segments are not counted.

    Returns:
        Columns ``id, name, level``, then ``<coder> segments`` and ``<coder>
        participants`` for each coder (``auto`` first), one row per code in codebook
        order.
    """
    codebook = project.codebook
    counts = project.store.codings.counts_by_code()
    coders = project.coders()
    rows = []
    for code in codebook:
        row: dict[str, Any] = {"id": code.id, "name": code.name, "level": codebook.level(code.id)}
        for coder in coders:
            segments, people = counts.get((code.id, coder), (0, 0))
            row[f"{coder} segments"] = segments
            row[f"{coder} participants"] = people
        rows.append(row)
    columns = ["id", "name", "level"]
    for coder in coders:
        columns += [f"{coder} segments", f"{coder} participants"]
    return pd.DataFrame(rows, columns=columns)


SEGMENT_CODE_COLUMNS = [
    "segment_id",
    "document",
    "turn",
    "speaker",
    "participant_id",
    "start",
    "end",
    "text",
    "codes",
    "coder",
    "evidence",
]


def coded_segment_table(
    project, *, code: str | None = None, coder: str | None = None
) -> pd.DataFrame:
    """The segments one coder coded, each once, with the codes and their evidence.

    Args:
        project: the project.
        code: only segments coded with this code or any code below it.
        coder: whose codings (default: :meth:`Project.default_coder`).

    Returns:
        Columns ``segment_id, document, turn, speaker, participant_id, start, end, text,
        codes`` (ids joined with "; "), ``coder`` and ``evidence`` (the matches of all
        those codes, each with its ``code``, in text order; empty for a coding without
        evidence). Withdrawn participants' segments are left out.

    Raises:
        UnknownCode: ``code`` is not in the codebook.
    """
    who = coder or project.default_coder()
    wanted = None
    if code is not None:
        codebook = project.codebook
        wanted = {code, *(c.id for c in codebook.descendants(codebook.get(code).id))}
    codings = project.codings(coder=who)
    if wanted is not None:
        codings = codings[codings["code"].isin(wanted)]
    if codings.empty:
        return pd.DataFrame(columns=SEGMENT_CODE_COLUMNS)
    segments = project.segments(participants_only=False).set_index("segment_id")
    rows: dict[str, dict[str, Any]] = {}
    for record in codings.to_dict("records"):
        sid = record["segment_id"]
        row = rows.get(sid)
        if row is None:
            seg = segments.loc[sid]
            row = rows[sid] = {
                "segment_id": sid,
                "document": record["document"],
                "turn": record["turn"],
                "speaker": record["speaker"],
                "participant_id": record["participant_id"],
                "start": int(seg["start"]),
                "end": int(seg["end"]),
                "text": seg["text"],
                "codes": [],
                "coder": who,
                "evidence": [],
            }
        row["codes"].append(record["code"])
        if isinstance(record["evidence"], list):
            row["evidence"].extend(
                {"code": record["code"], **m} for m in record["evidence"] if isinstance(m, Mapping)
            )
    for row in rows.values():
        row["codes"] = "; ".join(row["codes"])
        row["evidence"].sort(key=lambda m: (m.get("start", 0), m.get("end", 0)))
    return pd.DataFrame(list(rows.values()), columns=SEGMENT_CODE_COLUMNS)
