"""The line layouts of transcripts, and how the one a file is in is detected.

The layout is detected from the content: every layout below is tried on every line,
and the one whose speaker labels account for the most lines wins (ties go to the
more specific layout, earlier in :data:`LAYOUTS`).

=====================  ====================================================
header line above the speech (the speech follows on the next lines)
---------------------------------------------------------------------------
``Name   0:03``        Teams *Download as .docx*; Otter (``Name  0:00  `` or ``Name  ``)
``[Name] 10:02:15``    Zoom *Save transcript*
``Name (00:12):``      Rev (continuations headed ``(01:08):``)
``00:00:09 Speaker 2`` Word *Transcribe*
``SPEAKER 1 [0:01:02]``  typists and agencies
``SPEAKER_00``         aTrain / noScribe (segments ``[00:00:04] - text``)
bold or heading name   typists (a ``.docx`` bold paragraph, Markdown ``**Name**``)
---------------------------------------------------------------------------
label and speech on one line
---------------------------------------------------------------------------
``Name: text``         typists (``I:``/``R:``, ``Q:``/``A:``, tab or colon), Google
                       Meet, Descript (``Name: [00:00:00] text``), Markdown bold
``[id1] text``         QualCoder
=====================  ====================================================

Which labels are speakers, in the layouts whose labels are counted (``Name: text``,
bold names, QualCoder): a label the participants register names for the file, one
that occurs at least twice, or any label when fewer than two labels repeat (a short
file). In the header-line layouts a header with a time is a speaker even once.
"""

from __future__ import annotations

import functools
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mpsp_qual.inputs.register import match_speaker
from mpsp_qual.inputs.transcripts.labels import (
    COVER_KEYS,
    INLINE_TIME_RE,
    MAX_LABEL_WORDS,
    PERSON_KEYS,
    clean_label,
    furniture,
    name_like,
)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of text, or one line of a paragraph; ``style`` is ``bold`` or ``heading``."""

    text: str
    number: int
    style: str = ""


@dataclass(frozen=True, slots=True)
class Hit:
    label: str
    ts: str | None
    body: str | None
    #: A hit whose pattern is specific enough that its label is a speaker even once.
    strong: bool = False


@dataclass(frozen=True)
class Layout:
    key: str
    title: str
    match: Callable[[Line], Hit | None]
    #: Every match is a speaker (the pattern is specific enough); else the count rule.
    strict: bool
    example: str


_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"


def _regex(
    pattern: str,
    *,
    named: bool = True,
    strong: bool = True,
    longest: int | None = 160,
    needs: str = "",
) -> Callable[[Line], Hit | None]:
    """A matcher for one header pattern.

    Lines longer than ``longest`` are speech, and a line without ``needs`` in it cannot
    match (both only save time: most lines of a transcript are long speech).
    """
    rx = re.compile(pattern)

    def match(line: Line) -> Hit | None:
        if longest is not None and len(line.text) > longest:
            return None
        if needs and needs not in line.text:
            return None
        m = rx.match(line.text)
        if not m:
            return None
        groups = m.groupdict()
        label = clean_label(groups.get("label") or "")
        if not label or (named and not name_like(label)):
            return None
        return Hit(sys.intern(label), groups.get("ts"), groups.get("body"), strong)

    return match


def _either(*matchers: Callable[[Line], Hit | None]) -> Callable[[Line], Hit | None]:
    def match(line: Line) -> Hit | None:
        for matcher in matchers:
            if hit := matcher(line):
                return hit
        return None

    return match


_INLINE_RE = re.compile(
    r"""^[ \t]*
    (?:\[(?P<ts>"""
    + _TS
    + r""")\][ \t]*)?
    (?:\*\*|__)?
    (?P<label>[^\W\d_][\w .'’()&/,|+-]{0,58}?)
    [ \t]*(?:\*\*|__)?
    (?:[ \t]*:(?:\*\*|__)?(?:[ \t]+(?P<body>\S.*))?|\t+(?P<tbody>\S.*))$""",
    re.VERBOSE,
)


@functools.lru_cache(maxsize=512)
def _inline(line: Line) -> Hit | None:
    if ":" not in line.text[:80] and "\t" not in line.text[:80]:
        return None
    m = _INLINE_RE.match(line.text)
    if not m:
        return None
    label = clean_label(m.group("label"))
    if re.search(r"\(\d", label) or len(label.split()) > MAX_LABEL_WORDS:
        return None
    if m.group("tbody") is not None and len(label.split()) > 3:
        return None
    body = m.group("body") or m.group("tbody")
    # Interned: a speaker's label recurs on thousands of lines of a large file, and the
    # hits and utterances then share one string.
    return Hit(sys.intern(label), m.group("ts"), body.rstrip() if body else None)


_BOLD_MD = re.compile(r"^[ \t]*(?:\*\*|__)(?P<label>[^*_\n]{1,60}?):?(?:\*\*|__):?[ \t]*$")


def _bold(line: Line) -> Hit | None:
    if len(line.text) > 100 or not (line.style or "**" in line.text or "__" in line.text):
        return None
    text = line.text.strip()
    if line.style in ("bold", "heading"):
        label = clean_label(text.rstrip(":"))
    else:
        m = _BOLD_MD.match(line.text)
        if not m:
            return None
        label = clean_label(m.group("label"))
    if not label or not name_like(label):
        return None
    return Hit(sys.intern(label), None, None)


LAYOUTS: tuple[Layout, ...] = (
    Layout(
        "teams",
        "Teams transcript",
        _either(
            # Word may turn the spaces into no-break spaces.
            _regex(
                r"^(?P<label>\S(?:.*?\S)?)[ \t\u00a0]{2,}(?P<ts>\d{1,2}(?::\d{2}){1,2})[ \t\u00a0]*$"
            ),
            # Otter writes "Name  " (two spaces, no time) where it has no time.
            _regex(r"^(?P<label>\S(?:.*?\S)?)[ \t]{2,}$", strong=False, longest=80),
        ),
        False,
        "Name   0:03",
    ),
    Layout(
        "zoom-txt",
        "Zoom saved transcript",
        _regex(r"^\[(?P<label>[^\]\n]{1,80})\][ \t]+(?P<ts>\d{1,2}:\d{2}:\d{2})[ \t]*$", needs="["),
        True,
        "[Name] 10:02:15",
    ),
    Layout(
        "rev",
        "Rev transcript",
        _regex(
            r"^(?P<label>\S.{0,80}?)[ \t]*\((?P<ts>\d{1,2}:\d{2}(?::\d{2})?)\):[ \t]*(?P<body>\S.*)?$",
            longest=None,
            needs="):",
        ),
        True,
        "Name (00:12):",
    ),
    Layout(
        "word",
        "Word Transcribe transcript",
        _regex(r"^[ \t]*(?P<ts>\d{1,2}:\d{2}:\d{2})[ \t]+(?P<label>[^\W\d].{0,60}?)[ \t]*$"),
        True,
        "00:00:09 Speaker 2",
    ),
    Layout(
        "speaker-time",
        "speaker-and-time header transcript",
        _regex(
            r"^[ \t]*(?P<label>[^\W\d_][^\[\]\n]{0,60}?)[ \t]+\[(?P<ts>" + _TS + r")\][ \t]*:?$",
            needs="]",
        ),
        True,
        "SPEAKER 1 [00:01:02]",
    ),
    Layout(
        "atrain",
        "aTrain/noScribe transcript",
        _regex(r"^[ \t]*(?P<label>SPEAKER_\d+)[ \t]*:?[ \t]*$", named=False, needs="SPEAKER_"),
        True,
        "SPEAKER_00",
    ),
    Layout("bold", "bold-name transcript", _bold, False, "**Name**"),
    Layout(
        "qualcoder",
        "QualCoder transcript",
        _regex(
            r"^[ \t]*\[(?P<label>[^\W\d_][^\]\n]{0,40})\][ \t]+(?P<body>\S.*?)[ \t]*$",
            named=False,
            strong=False,
            longest=None,
            needs="[",
        ),
        False,
        "[id1] text",
    ),
    Layout("inline", '"Name: text" transcript', _inline, False, "Name: text"),
)
_BY_KEY = {layout.key: layout for layout in LAYOUTS}
REV_CONTINUATION = re.compile(r"^[ \t]*\((?P<ts>\d{1,2}:\d{2}(?::\d{2})?)\):[ \t]*(?P<body>\S.*)?$")


def _accepted(counts: Counter[str], strong: set[str], known: frozenset[str]) -> set[str]:
    """Labels taken as speakers: strong or known ones, repeated ones, or any in a short file."""
    out = set()
    usable = {lab: n for lab, n in counts.items() if lab.casefold() not in COVER_KEYS}
    repeated = [lab for lab, n in usable.items() if n >= 2]
    for label, n in usable.items():
        if label in strong or n >= 2 or len(repeated) < 2 or is_known(label, known):
            out.add(label)
    return out


def is_known(label: str, known: frozenset[str]) -> bool:
    return bool(known) and match_speaker(label, known) is not None


def _cover_fields(lines: Sequence[Line]) -> set[int]:
    """Indices of a cover sheet's ``Key: value`` lines (``Interviewer: Dr ...`` among them).

    A run of consecutive field lines (blank lines allowed) at most 40 lines from the top
    that holds at least one cover key (``Project``, ``Date``, ``Transcribed by``...) is
    a cover; a person field (``Interviewer``) counts only with a name-like value.
    """
    out: set[int] = set()
    run: list[int] = []
    has_cover = False
    for i, line in enumerate(lines[:60]):
        if not line.text.strip():
            continue
        hit = _inline(line)
        key = hit.label.casefold() if hit else ""
        value = (hit.body or "").strip() if hit else ""
        if hit and key in COVER_KEYS:
            run.append(i)
            has_cover = True
            continue
        if hit and key in PERSON_KEYS and value and name_like(value.rstrip(".")):
            run.append(i)
            continue
        if has_cover:
            out.update(run)
        run, has_cover = [], False
    if has_cover:
        out.update(run)
    return out


def _hits(lines: Sequence[Line], cover: set[int]) -> tuple[list[list[Hit | None]], set[int]]:
    """Every layout's hits (in :data:`LAYOUTS` order) and the furniture lines, in one
    pass: the lines of a large file are made as they are read, once rather than per
    layout."""
    skip: set[int] = set()
    matchers = [layout.match for layout in LAYOUTS]
    hits: list[list[Hit | None]] = [[] for _ in LAYOUTS]
    appends = [found.append for found in hits]
    for i, line in enumerate(lines):
        if furniture(line.text):
            skip.add(i)
        if i in skip or i in cover:
            for append in appends:
                append(None)
            continue
        for match, append in zip(matchers, appends):
            append(match(line))
    return hits, skip


def score_hits(
    hits: Sequence[Hit | None], layout: Layout, known: frozenset[str]
) -> tuple[int, set[str]]:
    counts: Counter[str] = Counter()
    strong: set[str] = set()
    for hit in hits:
        if hit:
            counts[hit.label] += 1
            if hit.strong:
                strong.add(hit.label)
    accepted = _accepted(counts, strong, known)
    if layout.strict and not strong:
        return 0, set()
    return sum(n for lab, n in counts.items() if lab in accepted), accepted


@dataclass
class Detected:
    """The layout that accounts for most lines, its speaker labels, hits and cover lines."""

    layout: Layout | None
    accepted: set[str]
    hits: list[Hit | None]
    cover: set[int]
    skip: set[int]


def detect(lines: Sequence[Line], known: frozenset[str]) -> Detected:
    """Try every layout on every line; the one whose labels account for most lines wins."""
    cover = _cover_fields(lines)
    every, skip = _hits(lines, cover)
    best = Detected(None, set(), [], cover, skip)
    best_score = 0
    for layout, hits in zip(LAYOUTS, every):
        score, accepted = score_hits(hits, layout, known)
        if score > best_score:
            best_score = score
            best = Detected(layout, accepted, hits, cover, skip)
    return best


def layout_title(
    layout: Layout, lines: Sequence[Line], hits: Sequence[Hit | None], fmt: str
) -> str:
    """The layout's name for the report, told apart by what the tools write around it."""
    blob = "\n".join(line.text for line in [*lines[:40], *lines[-10:]]).casefold()
    if layout.key == "teams":
        otter = "otter.ai" in blob or "summary keywords" in blob
        if otter or (fmt != "docx" and "transcription" not in blob):
            return "Otter transcript"
        return "Teams transcript"
    if layout.key == "inline":
        if "attendees" in blob or "meeting ended after" in blob or "computer generated" in blob:
            return "Google Meet transcript"
        labelled = [hit for hit in hits if hit]
        if labelled and sum(1 for hit in labelled if hit.ts) >= 0.8 * len(labelled):
            return '"[time] Name: text" transcript'
        if any(hit.body and INLINE_TIME_RE.match(hit.body) for hit in labelled):
            return '"Name: [time] text" (Descript) transcript'
    return layout.title
