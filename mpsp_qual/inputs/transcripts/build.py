"""From what a reader found to a Document: utterances in, merged speaker turns out.

Every reader, whatever the layout, produces a list of :class:`Utterance` (a speaker,
the first time mark, the words) and the metadata it set aside. :func:`build_document`
merges consecutive utterances of one speaker into one turn, renders the document's
plain text as ``Speaker: text`` paragraphs (which is what turn offsets point into)
and, when the participants register names the file's speakers, writes each matched
label in the register's spelling so that the turn is theirs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from mpsp_qual.core.model import Document, Turn
from mpsp_qual.inputs.register import match_speaker, near_speaker

_TIME_RE = re.compile(r"^\s*(-?\d{1,3})(?::(-?\d{1,2}))?(?::(-?\d{1,2}))?(?:[.,](-?\d{1,3}))?\s*$")


@dataclass(slots=True)
class Utterance:
    """One stretch of speech as the file lays it out, before merging."""

    speaker: str
    start_time: str | None
    text: str
    line: int = 0
    #: How this utterance joins a previous one of the same speaker.
    joiner: str = "\n\n"


@dataclass
class Found:
    """What a reader found in a file: utterances, metadata and warnings."""

    utterances: list[Utterance] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def norm_time(raw: str | None) -> str | None:
    """A time mark as ``hh:mm:ss`` (``.ttt`` when there are milliseconds), or None.

    ``0:03`` (m:ss) is ``00:00:03``; ``1:02:03`` is ``01:02:03``; a negative start
    (old Teams files write ``0:0:-6.-820``) is ``00:00:00``.
    """
    if raw is None:
        return None
    m = _TIME_RE.match(raw)
    if not m:
        return None
    parts = [p for p in m.groups()[:3] if p is not None]
    frac = m.group(4)
    if any(p.startswith("-") for p in parts) or (frac or "").startswith("-"):
        return "00:00:00"
    numbers = [int(p) for p in parts]
    while len(numbers) < 3:
        numbers.insert(0, 0)
    # Otter writes "75:03" past the hour; carry minutes and seconds over.
    total = numbers[0] * 3600 + numbers[1] * 60 + numbers[2]
    base = f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"
    ms = int((frac or "0").ljust(3, "0")[:3])
    return base if ms == 0 else f"{base}.{ms:03d}"


def short_time(time: str) -> str:
    """``00:27:41`` as ``27:41``, ``00:00:03`` as ``0:03``, ``01:02:03`` as ``1:02:03``."""
    hms = time.split(".")[0]
    h, m, s = (int(x) for x in hms.split(":"))
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def build_document(
    name: str,
    found: Found,
    *,
    fmt: str,
    layout: str,
    known_speakers: frozenset[str] = frozenset(),
) -> Document:
    """Merge utterances into turns and render the document text; see the module docstring."""
    warnings = list(found.warnings)
    metadata = dict(found.metadata)
    spelling: dict[str, str] = {}
    relabelled: list[str] = []
    for u in found.utterances:
        if u.speaker in spelling:
            continue
        match = match_speaker(u.speaker, known_speakers) if known_speakers else None
        spelling[u.speaker] = match or u.speaker
        if match and match != u.speaker:
            relabelled.append(f"{u.speaker} = {match}")
        elif not match and known_speakers:
            near = near_speaker(u.speaker, known_speakers)
            if near:
                warnings.append(
                    f"{name}: speaker {u.speaker!r} is not in the register, but nearly matches "
                    f"{near!r}; if they are the same person, give the register row the "
                    f"transcript's spelling {u.speaker!r}."
                )
    if relabelled:
        metadata["speaker labels"] = "; ".join(relabelled)

    # The text is joined from references to the turn texts, never from per-turn copies
    # of "Speaker: text\n", so that building it costs one copy of the text.
    parts: list[str] = []
    turns: list[Turn] = []
    prefixes: dict[str, str] = {}
    pos = 0
    for who, start_time, text in _merged(found.utterances, spelling):
        if not text:
            continue
        prefix = prefixes.get(who)
        if prefix is None:
            prefix = prefixes[who] = f"{who}: "
        start = pos + len(prefix)
        turns.append(Turn(len(turns), who, text, start, start + len(text), start_time))
        parts += (prefix, text, "\n")
        pos = start + len(text) + 1
    return Document(
        name=name,
        text="".join(parts),
        turns=tuple(turns),
        format=fmt,
        metadata=metadata,
        warnings=tuple(warnings),
        layout=layout,
    )


def _merged(
    utterances: list[Utterance], spelling: dict[str, str]
) -> Iterator[tuple[str, str | None, str]]:
    """(speaker, start time, text) of each run of one speaker's utterances, in order."""
    who: str | None = None
    start_time: str | None = None
    text = ""
    for u in utterances:
        speaker = spelling[u.speaker]
        more = u.text.strip()
        if speaker == who:
            if more:
                text = (text + u.joiner + more) if text else more
            if start_time is None:
                start_time = u.start_time
            continue
        if who is not None:
            yield who, start_time, text
        who, start_time, text = speaker, u.start_time, more
    if who is not None:
        yield who, start_time, text


def summary(document: Document) -> str:
    """``Read int07.docx as a Teams transcript: 2 speakers, 15 turns, times 0:03-27:41``."""
    speakers = len({t.speaker for t in document.turns})
    times = [t.start_time for t in document.turns if t.start_time]
    line = (
        f"Read {document.name} as {_article(document.layout)}: "
        f"{speakers} speaker{'s' * (speakers != 1)}, "
        f"{len(document.turns)} turn{'s' * (len(document.turns) != 1)}"
    )
    if times:
        line += f", times {short_time(times[0])}-{short_time(times[-1])}"
    return line


def _article(layout: str) -> str:
    if layout.startswith("one "):
        return layout
    return ("an " if layout[:1].lower() in "aeiou" else "a ") + layout
