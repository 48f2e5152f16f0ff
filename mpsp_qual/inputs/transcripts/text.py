"""Plain-text and Markdown transcripts: bytes to lines, then the line layouts.

The text is decoded by :func:`mpsp_qual.inputs.decoding.decode_bytes` (UTF-8 with or
without BOM, UTF-16 with a BOM, or a file that is wholly Windows-1252; NFC) and its
layout detected from the content by :mod:`mpsp_qual.inputs.transcripts.lines`. A
``.txt`` that holds WebVTT or SubRip cues (a renamed caption file) is read as cues.
"""

from __future__ import annotations

import re
from pathlib import Path

from mpsp_qual.core.model import Document
from mpsp_qual.inputs.transcripts.lines import Line, parse_lines
from mpsp_qual.inputs.transcripts.source import decode
from mpsp_qual.inputs.transcripts.subtitles import read_cues

_SRT_START = re.compile(r"^\s*\d+\s*\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->")


def text_lines(text: str) -> list[Line]:
    """One :class:`Line` per line of ``text``, numbered from 1."""
    return [Line(line, number) for number, line in enumerate(text.split("\n"), start=1)]


def read_text(
    path: Path, *, speaker: str | None = None, known_speakers: frozenset[str] = frozenset()
) -> Document:
    """Read a ``.txt`` or ``.md`` transcript."""
    text = decode(path, path.read_bytes())
    fmt = path.suffix.lower().lstrip(".")
    head = text.lstrip()
    if head.startswith("WEBVTT") or _SRT_START.match(head):
        return read_cues(
            path,
            text,
            vtt=head.startswith("WEBVTT"),
            fmt=fmt,
            speaker=speaker,
            known_speakers=known_speakers,
        )
    return parse_lines(
        path.name, text_lines(text), fmt=fmt, speaker=speaker, known_speakers=known_speakers
    )
