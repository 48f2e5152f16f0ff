"""WebVTT and SubRip transcripts: timed cues with speaker names.

Speakers come from WebVTT voice tags (``<v Name>``, closed or not) or a ``Name:``
prefix (taken by the same rule as plain text, so a once-only "Honestly:" is not a
speaker); a cue with neither continues the previous speaker. Consecutive cues of one
speaker merge into one turn that keeps the first
cue's start time. The document's plain text is rendered as ``Name: text``
paragraphs, which is what turn offsets point into.

We parse cues ourselves rather than with webvtt-py because webvtt-py silently drops
a cue whose timestamp is malformed; a transcript must never lose words without the
user being told which line to fix.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path

from mpsp_qual.core.errors import TranscriptError
from mpsp_qual.core.model import Document, Turn
from mpsp_qual.inputs.transcripts.text import (
    MAX_LABEL_WORDS,
    METADATA_KEYS,
    PERSON_KEYS,
    _accepted_labels,
    decode,
)

TIME = r"(?:(\d{1,3}):)?(\d{1,2}):(\d{1,2})[.,](\d{1,3})"
TIMING_RE = re.compile(rf"^\s*{TIME}\s*-->\s*{TIME}(?:\s+.*)?$")
VOICE_RE = re.compile(r"<v(?:\.[^\s>]+)*(?:\s+([^>]*))?>", re.IGNORECASE)
TAG_RE = re.compile(r"</?[^>]+>")
PREFIX_RE = re.compile(r"^\s*([^\W\d_][\w .'’()&-]{0,48}?)\s*:\s+(\S.*)$", re.DOTALL)


def _format_time(groups: tuple[str | None, ...]) -> str:
    h, m, s, frac = groups
    ms = int((frac or "0").ljust(3, "0"))
    base = f"{int(h or 0):02d}:{int(m):02d}:{int(s):02d}"
    return base if ms == 0 else f"{base}.{ms:03d}"


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks, each with its 1-based first line number."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _cues(path: Path, text: str, *, vtt: bool) -> list[tuple[str, str | None, str]]:
    """(start time, speaker or None, text) for every cue, in file order."""
    cues = []
    blocks = _blocks(text)
    if vtt:
        if not blocks or not blocks[0][1][0].lstrip("\ufeff").startswith("WEBVTT"):
            raise TranscriptError(f'{path.name}, line 1: a WebVTT file must start with "WEBVTT".')
        blocks = blocks[1:]
    for first_line, lines in blocks:
        if vtt and lines[0].split(" ", 1)[0] in {"NOTE", "STYLE", "REGION"}:
            continue
        timing_at = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
        if timing_at is None:
            raise TranscriptError(
                f"{path.name}, line {first_line}: cue has no timing line; "
                'expected "00:00:01.000 --> 00:00:04.000".'
            )
        timing = lines[timing_at]
        m = TIMING_RE.match(timing)
        if not m:
            raise TranscriptError(
                f"{path.name}, line {first_line + timing_at}: broken timestamp {timing.strip()!r}; "
                'expected "hh:mm:ss.ttt --> hh:mm:ss.ttt".'
            )
        payload = " ".join(line.strip() for line in lines[timing_at + 1 :])
        speaker = None
        voice = VOICE_RE.search(payload)
        if voice and voice.group(1):
            speaker = " ".join(voice.group(1).split())
        body = html.unescape(TAG_RE.sub("", payload)).replace("\u00a0", " ").strip()
        if body:
            cues.append((_format_time(m.groups()[:4]), speaker, " ".join(body.split())))
    return cues


def _prefix(body: str) -> tuple[str, str] | None:
    prefixed = PREFIX_RE.match(body)
    if prefixed and len(prefixed.group(1).split()) <= MAX_LABEL_WORDS:
        return " ".join(prefixed.group(1).split()), prefixed.group(2).strip()
    return None


def _apply_prefixes(
    cues: list[tuple[str, str | None, str]], known: frozenset[str]
) -> list[tuple[str, str | None, str]]:
    """Take ``Name: text`` prefixes as speakers by the same rule as plain text.

    A prefix that occurs once ("Honestly: it was hard.") while other speakers recur is
    part of what was said, not a speaker.
    """
    counts: Counter[str] = Counter()
    for _, who, body in cues:
        if who is not None:
            counts[who] += 1
        elif (prefixed := _prefix(body)) is not None:
            counts[prefixed[0]] += 1
    accepted = _accepted_labels(
        counts, {k.casefold() for k in known}, metadata_keys=METADATA_KEYS - PERSON_KEYS
    )
    out = []
    for start_time, who, body in cues:
        if who is None and (prefixed := _prefix(body)) is not None and prefixed[0] in accepted:
            who, body = prefixed
        out.append((start_time, who, body))
    return out


def _document(
    path: Path,
    cues: list[tuple[str, str | None, str]],
    *,
    fmt: str,
    speaker: str | None,
    known_speakers: frozenset[str] = frozenset(),
) -> Document:
    if not cues:
        raise TranscriptError(
            f"{path.name} has no cues with text; check that it is the transcript, not an empty "
            "caption file."
        )
    cues = _apply_prefixes(cues, known_speakers)
    if all(s is None for _, s, _ in cues) and not speaker:
        tags = "<v Name> voice tags or " if fmt == "vtt" else ""
        raise TranscriptError(
            f"{path.name} has no speaker labels; expected {tags}"
            '"Name: text" cues (or pass --speaker NAME to say who speaks).'
        )
    merged: list[list[str]] = []  # [speaker, start_time, text]
    previous = speaker
    for start_time, who, body in cues:
        who = who or previous
        previous = who
        if merged and merged[-1][0] == who:
            merged[-1][2] += " " + body
        else:
            merged.append([who or "", start_time, body])
    parts, turns, pos = [], [], 0
    for index, (who, start_time, body) in enumerate(merged):
        prefix = f"{who}: "
        start = pos + len(prefix)
        turns.append(Turn(index, who, body, start, start + len(body), start_time))
        chunk = prefix + body + "\n\n"
        parts.append(chunk)
        pos += len(chunk)
    return Document(name=path.name, text="".join(parts), turns=tuple(turns), format=fmt)


def read_vtt(
    path: Path, *, speaker: str | None = None, known_speakers: frozenset[str] = frozenset()
) -> Document:
    """Read a WebVTT transcript.

    Raises:
        TranscriptError: not WebVTT, a broken timestamp (with its line), or no speakers.
    """
    text = decode(path, path.read_bytes())
    return _document(
        path,
        _cues(path, text, vtt=True),
        fmt="vtt",
        speaker=speaker,
        known_speakers=known_speakers,
    )


def read_srt(
    path: Path, *, speaker: str | None = None, known_speakers: frozenset[str] = frozenset()
) -> Document:
    """Read a SubRip transcript.

    Raises:
        TranscriptError: a broken timestamp (with its line), or no speakers.
    """
    text = decode(path, path.read_bytes())
    return _document(
        path,
        _cues(path, text, vtt=False),
        fmt="srt",
        speaker=speaker,
        known_speakers=known_speakers,
    )
