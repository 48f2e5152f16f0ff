"""Transcripts made of lines (``.txt``, ``.md``, the paragraphs of a ``.docx``).

The layout is detected by :func:`~mpsp_qual.inputs.transcripts.layouts.detect`; this
module walks the lines in that layout. Whatever the layout: lines before the first
turn (a title, a cover sheet, Otter's ``SUMMARY KEYWORDS``, Meet's ``Attendees`` and
Gemini's summary) and lines tools write around speech (:data:`~mpsp_qual.inputs.transcripts.labels.FURNITURE`) are
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

import re
import shlex
from collections import Counter
from collections.abc import Sequence

from mpsp_qual.core.errors import TranscriptError
from mpsp_qual.core.model import Document
from mpsp_qual.inputs.transcripts.build import Found, Utterance, build_document, norm_time
from mpsp_qual.inputs.transcripts.labels import (
    COVER_KEYS,
    INLINE_TIME_RE,
    PERSON_KEYS,
    TIME_LINE_RE,
    TRANSCRIPT_START_RE,
    furniture,
    name_like,
)
from mpsp_qual.inputs.transcripts.layouts import (
    LAYOUTS,
    REV_CONTINUATION,
    Layout,
    Line,
    detect,
    is_known,
    layout_title,
    score_hits,
)

__all__ = ["Line", "detect", "parse_lines", "walk_lines"]


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
    found, layout, known = walk_lines(
        name, lines, fmt=fmt, speaker=speaker, known_speakers=known_speakers
    )
    return build_document(name, found, fmt=fmt, layout=layout, known_speakers=known)


def walk_lines(
    name: str,
    lines: Sequence[Line],
    *,
    fmt: str,
    speaker: str | None = None,
    known_speakers: frozenset[str] = frozenset(),
) -> tuple[Found, str, frozenset[str]]:
    """What :func:`parse_lines` finds before it builds the document: the utterances and
    metadata, the layout's title and the register's speakers to match labels against.

    A reader of a large file calls this and :func:`build_document` itself, so that it
    can let go of the lines before the document text is built.

    Raises:
        TranscriptError: as :func:`parse_lines`.
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
                _no_speakers(name, lines, cover), hint=f"import {shlex.quote(name)} --speaker NAME"
            )
        return _one_speaker(lines, speaker=speaker), "one speaker's text", frozenset()

    # Meet and Gemini: everything above the "Transcript" line is the summary and header.
    first = next((i for i, hit in enumerate(hits) if hit and hit.label in accepted), 0)
    start = 0
    for i, line in enumerate(lines[:first]):
        if len(line.text) < 240 and TRANSCRIPT_START_RE.match(line.text.strip()):
            start = i + 1
    if start:
        _, accepted = score_hits(hits[start:], layout, known_speakers)

    found = Found()
    current: Utterance | None = None
    pending: str | None = None
    brk = False
    for i, line in enumerate(lines):
        text = line.text
        stripped = text.strip()
        if i < start or i in cover:
            if stripped:
                add_metadata(found.metadata, stripped)
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
        if layout.key == "rev" and (cont := REV_CONTINUATION.match(text)) and current is not None:
            body, _ = _strip_times(cont.group("body") or "")
            _add_text(current, body, brk=True)
            brk = False
            continue
        if current is None:
            add_metadata(found.metadata, stripped)
            continue
        # A label line the layout's count rule did not take (it occurs once) is never
        # glued to the previous speaker's turn.
        one_off = hit
        if one_off and _looks_like_a_speaker(one_off.label, accepted):
            where = f"{'paragraph' if fmt == 'docx' else 'line'} {line.number}"
            if known_speakers and not is_known(one_off.label, known_speakers):
                raise TranscriptError(
                    f"{name}, {where}: {one_off.label!r} looks like a speaker label "
                    "but is not one the register names for this file "
                    f"({', '.join(sorted(known_speakers))}) and occurs only once; if "
                    f"{one_off.label} speaks there, add them to the register, and if the words "
                    f"are {current.speaker}'s, join the line to the one above."
                )
            found.warnings.append(
                f"{name}, {where}: {one_off.label!r} occurs only once as a speaker "
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
    return found, layout_title(layout, lines, hits, fmt), known_speakers


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


def _one_speaker(lines: Sequence[Line], *, speaker: str) -> Found:
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
    return found


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
        if i in skip or i in cover or not m or not name_like(m.group("open").strip()):
            continue
        opening = m.group("open").strip()
        if opening.casefold() in COVER_KEYS:
            continue
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
            f"{name} holds only header or cover-sheet fields ({fields[0]!r}...) and no speaker turns; "
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


def add_metadata(metadata: dict[str, str], line: str) -> None:
    line = line.lstrip("#").strip().strip("*_").strip()
    key, sep, value = line.partition(":")
    folded = key.strip().strip("*_").strip().casefold()
    if sep and (folded in COVER_KEYS or folded in PERSON_KEYS) and value.strip():
        metadata[folded] = value.strip().strip("*_").strip()
    elif "title" not in metadata:
        metadata["title"] = line
    else:
        _append(metadata, "notes", line)
