"""Transcripts made of lines (``.txt``, ``.md``, the paragraphs of a ``.docx``).

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

Whatever the layout: lines before the first turn (a title, a cover sheet, Otter's
``SUMMARY KEYWORDS``, Meet's ``Attendees`` and Gemini's summary) and lines tools
write around speech (:data:`~mpsp_qual.inputs.transcripts.labels.FURNITURE`) are
metadata; a time mark on its own line or in brackets inside the text leaves the
text and becomes the turn's ``start_time`` if it has none; unlabelled lines continue
the current speaker; consecutive utterances of one speaker are one turn.

Which ``Word:`` prefixes are speakers, in the label-and-speech layouts: a label the
participants register names for the file, a label that occurs at least twice, or any
label when fewer than two labels repeat (a short file). A one-off label that looks
like a name (:func:`~mpsp_qual.inputs.transcripts.labels.name_like`) is never glued
to the previous speaker's turn: with a register naming the file's speakers the file
is refused at that line; without one it is a speaker of its own, with a warning.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mpsp_qual.core.errors import TranscriptError
from mpsp_qual.core.model import Document
from mpsp_qual.inputs.register import match_speaker, speaker_key
from mpsp_qual.inputs.transcripts.build import Found, Utterance, build_document, norm_time
from mpsp_qual.inputs.transcripts.labels import (
    COVER_KEYS,
    INLINE_TIME_RE,
    MAX_LABEL_WORDS,
    PERSON_KEYS,
    TIME_LINE_RE,
    TRANSCRIPT_START_RE,
    clean_label,
    furniture,
    name_like,
)


@dataclass(frozen=True)
class Line:
    """One line of text, or one line of a paragraph; ``style`` is ``bold`` or ``heading``."""

    text: str
    number: int
    style: str = ""


@dataclass(frozen=True)
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
        return Hit(label, groups.get("ts"), groups.get("body"), strong)

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
    return Hit(label, m.group("ts"), body.rstrip() if body else None)


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
    return Hit(label, None, None)


LAYOUTS: tuple[Layout, ...] = (
    Layout(
        "teams",
        "Teams transcript",
        _either(
            _regex(r"^(?P<label>\S(?:.*?\S)?)[ \t]{2,}(?P<ts>\d{1,2}(?::\d{2}){1,2})[ \t]*$"),
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
#: The layouts whose labels count (rather than any match being a speaker): in these a
#: one-off label among the speech is a speaker of its own, or a refusal.
_ONE_OFF_LAYOUTS = frozenset(["inline", "bold", "qualcoder"])
_REV_CONTINUATION = re.compile(
    r"^[ \t]*\((?P<ts>\d{1,2}:\d{2}(?::\d{2})?)\):[ \t]*(?P<body>\S.*)?$"
)


def _accepted(counts: Counter[str], strong: set[str], known: frozenset[str]) -> set[str]:
    """Labels taken as speakers: strong or known ones, repeated ones, or any in a short file."""
    out = set()
    usable = {lab: n for lab, n in counts.items() if lab.casefold() not in COVER_KEYS}
    repeated = [lab for lab, n in usable.items() if n >= 2]
    for label, n in usable.items():
        if label in strong or n >= 2 or len(repeated) < 2 or _known(label, known):
            out.add(label)
    return out


def _known(label: str, known: frozenset[str]) -> bool:
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


def _hits(layout: Layout, lines: Sequence[Line], skip: set[int]) -> list[Hit | None]:
    return [None if i in skip else layout.match(line) for i, line in enumerate(lines)]


def _score(
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
    skip = {i for i, line in enumerate(lines) if furniture(line.text)}
    cover = _cover_fields(lines)
    best = Detected(None, set(), [], cover, skip)
    best_score = 0
    for layout in LAYOUTS:
        hits = _hits(layout, lines, skip | cover)
        score, accepted = _score(hits, layout, known)
        if score > best_score:
            best_score = score
            best = Detected(layout, accepted, hits, cover, skip)
    return best


def _title(layout: Layout, lines: Sequence[Line], hits: Sequence[Hit | None], fmt: str) -> str:
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


def parse_lines(
    name: str,
    lines: Sequence[Line],
    *,
    fmt: str,
    speaker: str | None = None,
    known_speakers: frozenset[str] = frozenset(),
) -> Document:
    """Split lines into speaker turns; see the module docstring.

    Raises:
        TranscriptError: no speaker labels (the message says what was found), a one-off
            label the register does not know, or labels with no speech after them.
    """
    found_layout = detect(lines, known_speakers)
    layout, accepted, cover, hits = (
        found_layout.layout,
        found_layout.accepted,
        found_layout.cover,
        found_layout.hits,
    )
    if layout is None:
        if not speaker:
            raise TranscriptError(
                _no_speakers(name, lines, cover), hint=f"import {name} --speaker NAME"
            )
        return _one_speaker(name, lines, fmt=fmt, speaker=speaker)

    # Meet and Gemini: everything above the "Transcript" line is the summary and header.
    first = next((i for i, hit in enumerate(hits) if hit and hit.label in accepted), 0)
    start = 0
    for i, line in enumerate(lines[:first]):
        if len(line.text) < 240 and TRANSCRIPT_START_RE.match(line.text.strip()):
            start = i + 1
    if start:
        _, accepted = _score(hits[start:], layout, known_speakers)

    found = Found()
    current: Utterance | None = None
    pending: str | None = None
    brk = False
    for i, line in enumerate(lines):
        text = line.text
        stripped = text.strip()
        if i < start or i in cover:
            if stripped:
                _add_metadata(found.metadata, stripped)
            continue
        if not stripped:
            brk = True
            continue
        if i in found_layout.skip:
            _append(found.metadata, furniture(stripped) or "notes", stripped)
            brk = True
            continue
        tm = TIME_LINE_RE.match(text) if len(text) < 40 else None
        if tm:
            ts = norm_time(tm.group("ts"))
            if current is not None and not current.text.strip() and current.start_time is None:
                current.start_time = ts
            else:
                pending = pending or ts
            brk = True
            continue
        hit = hits[i]
        if hit and hit.label in accepted:
            body, inline_ts = _strip_times(hit.body or "")
            current = Utterance(
                hit.label,
                norm_time(hit.ts) or inline_ts or pending,
                body,
                line.number,
            )
            found.utterances.append(current)
            pending, brk = None, False
            continue
        if layout.key == "rev" and (cont := _REV_CONTINUATION.match(text)) and current is not None:
            body, _ = _strip_times(cont.group("body") or "")
            _add_text(current, body, brk=True)
            brk = False
            continue
        if current is None:
            _add_metadata(found.metadata, stripped)
            continue
        one_off = hit if layout.key in _ONE_OFF_LAYOUTS else None
        if one_off and _looks_like_a_speaker(one_off.label, accepted):
            if known_speakers and not _known(one_off.label, known_speakers):
                raise TranscriptError(
                    f"{name}, line {line.number}: {one_off.label!r} looks like a speaker label "
                    "but is not one the register names for this file "
                    f"({', '.join(sorted(known_speakers))}) and occurs only once; if "
                    f"{one_off.label} speaks there, add them to the register, and if the words "
                    f"are {current.speaker}'s, join the line to the one above."
                )
            found.warnings.append(
                f"{name}, line {line.number}: {one_off.label!r} occurs only once as a speaker "
                "label, so it was read as a speaker of its own; if the words are "
                f"{current.speaker}'s, join the line to the one above."
            )
            body, inline_ts = _strip_times(one_off.body or "")
            current = Utterance(
                one_off.label, norm_time(one_off.ts) or inline_ts or pending, body, line.number
            )
            found.utterances.append(current)
            pending, brk = None, False
            continue
        body, inline_ts = _strip_times(text)
        if current.start_time is None:
            current.start_time = inline_ts or pending
        pending = None
        _add_text(current, body, brk=brk)
        brk = False
    if not any(u.text.strip() for u in found.utterances):
        raise TranscriptError(f"{name} has speaker labels but no text after them.")
    return build_document(
        name, found, fmt=fmt, layout=_title(layout, lines, hits, fmt), known_speakers=known_speakers
    )


def _looks_like_a_speaker(label: str, accepted: set[str]) -> bool:
    folded = label.casefold()
    return (
        label not in accepted
        and folded not in COVER_KEYS
        and name_like(label)
        and len(label.split()) <= 4
    )


def _strip_times(text: str) -> tuple[str, str | None]:
    """Text with ``[00:01:00]`` marks taken out, and the first mark."""
    if "[" not in text:
        return text.strip(), None
    first = INLINE_TIME_RE.search(text)
    if not first:
        return text.strip(), None
    cleaned = INLINE_TIME_RE.sub(" ", text)
    cleaned = re.sub(r"[ \t]{2,}", " ", cleaned)
    return cleaned.strip(), norm_time(first.group("ts"))


def _add_text(current: Utterance, body: str, *, brk: bool) -> None:
    if not body:
        return
    if not current.text:
        current.text = body
    else:
        current.text += ("\n\n" if brk else "\n") + body


def _one_speaker(name: str, lines: Sequence[Line], *, fmt: str, speaker: str) -> Document:
    found = Found()
    current = Utterance(speaker, None, "", 1)
    found.utterances.append(current)
    brk = False
    for line in lines:
        stripped = line.text.strip()
        if not stripped:
            brk = True
            continue
        key = furniture(stripped)
        if key:
            _append(found.metadata, key, stripped)
            continue
        body, ts = _strip_times(line.text)
        if current.start_time is None:
            current.start_time = ts
        _add_text(current, body, brk=brk)
        brk = False
    return build_document(name, found, fmt=fmt, layout="one speaker's text")


_OPENING_RE = re.compile(
    r"^[ \t]*(?P<open>[^\W\d_][^:\t\[\](]{0,40}?)(?=[ \t]*(?::|\t| {2,}| [-–—] |\[|\(|$))"
)


def _no_speakers(name: str, lines: Sequence[Line], cover: set[int]) -> str:
    """The honest refusal: what was found, or that the text reads as one person's.

    ``--speaker`` is suggested only when nothing in the file looks like a label: no line
    of any layout, no cover field, and no name-like line opening that recurs.
    """
    skip = {i for i, line in enumerate(lines) if furniture(line.text)}
    found: list[tuple[int, Layout, str]] = []
    for layout in LAYOUTS:
        hits = [i for i, line in enumerate(lines) if i not in skip | cover and layout.match(line)]
        if hits:
            found.append((len(hits), layout, lines[hits[0]].text.strip()))
    openings: Counter[str] = Counter()
    first_seen: dict[str, str] = {}
    for i, line in enumerate(lines):
        m = _OPENING_RE.match(line.text)
        if i in skip or not m or not name_like(m.group("open").strip()):
            continue
        opening = m.group("open").strip()
        if len(opening.split()) <= 4 and len(line.text.strip()) > len(opening):
            openings[opening] += 1
            first_seen.setdefault(opening, line.text.strip())
    recurring = [(n, o) for o, n in openings.items() if n >= 3]
    fields = [lines[i].text.strip() for i in sorted(cover)]
    if found:
        n, layout, example = max(found, key=lambda f: f[0])
        return (
            f"{name} has no speaker turns that could be told apart: lines like {example!r} "
            f"({layout.title}) occur {n} time{'s' * (n != 1)}, but as cover fields or once "
            "each among other text; label each turn with the speaker's name "
            '(e.g. "Name: text") or export it again with speaker names.'
        )
    if recurring:
        n, opening = max(recurring)
        return (
            f'{name} has no speaker labels in any layout read ("Name: text", "Name   0:03", '
            '"[Name] 10:02:15", "Name (00:12):", "00:00:09 Speaker 1", "SPEAKER_00", a bold '
            f"name, a speaker table), but lines like {first_seen[opening]!r} start with "
            f'{opening!r} {n} times; if that is a speaker, write it as "{opening}: text".'
        )
    if fields:
        return (
            f"{name} holds only cover-sheet fields ({fields[0]!r}...) and no speaker turns; "
            'label each turn with the speaker\'s name (e.g. "Name: text").'
        )
    return (
        f'{name} has no speaker labels; expected lines like "Name: text" '
        "(if one person speaks throughout, say who with {hint})."
    )


def _append(metadata: dict[str, str], key: str, line: str) -> None:
    if key not in metadata:
        metadata[key] = line
    elif line not in metadata[key].split("\n"):
        metadata[key] += "\n" + line


def _add_metadata(metadata: dict[str, str], line: str) -> None:
    line = line.lstrip("#").strip().strip("*_").strip()
    key, sep, value = line.partition(":")
    folded = key.strip().strip("*_").strip().casefold()
    if sep and (folded in COVER_KEYS or folded in PERSON_KEYS) and value.strip():
        metadata[folded] = value.strip().strip("*_").strip()
    elif "title" not in metadata:
        metadata["title"] = line
    else:
        _append(metadata, "notes", line)


def speaker_keys(labels: Sequence[str]) -> list[str]:
    """Labels as the register compares them (for messages and tests)."""
    return [speaker_key(label) for label in labels]
