"""Plain-text and Markdown transcripts: bytes to lines, then the line layouts.

The text is decoded by :func:`mpsp_qual.inputs.decoding.decode_bytes` (UTF-8 with or
without BOM, UTF-16 with a BOM, or a file that is wholly Windows-1252; NFC) and its
layout detected from the content by :mod:`mpsp_qual.inputs.transcripts.lines`. A
``.txt`` that holds WebVTT or SubRip cues (a renamed caption file) is read as cues.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path

from mpsp_qual.core.model import Document
from mpsp_qual.inputs.transcripts.build import build_document
from mpsp_qual.inputs.transcripts.lines import Line, walk_lines
from mpsp_qual.inputs.transcripts.source import decode
from mpsp_qual.inputs.transcripts.subtitles import read_cues

_SRT_START = re.compile(r"^\s*\d+\s*\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->")
_LEADING_SPACE = re.compile(r"\s*")


class TextLines(Sequence[Line]):
    """The lines of a text as :class:`Line` objects made when asked for, numbered from 1.

    The same lines as ``text.split("\\n")``, but only the text and one offset per line
    are kept: a list of lines would hold a second copy of a 200 MB transcript, and a
    ``Line`` object per line on top of it. A slice is a view of the same text.
    """

    __slots__ = ("_text", "_starts", "_range")

    def __init__(self, text: str, starts: array | None = None, span: range | None = None):
        if starts is None:
            # starts[k] is where line k begins; the sentinel is one past the end.
            starts = array("q", [0])
            find, at = text.find, 0
            while (at := find("\n", at) + 1) > 0:
                starts.append(at)
            starts.append(len(text) + 1)
        self._text = text
        self._starts = starts
        self._range = range(len(starts) - 1) if span is None else span

    def _line(self, k: int) -> Line:
        return Line(self._text[self._starts[k] : self._starts[k + 1] - 1], k + 1)

    def __len__(self) -> int:
        return len(self._range)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return TextLines(self._text, self._starts, self._range[index])
        return self._line(self._range[index])

    def __iter__(self) -> Iterator[Line]:
        text, starts = self._text, self._starts
        for k in self._range:
            yield Line(text[starts[k] : starts[k + 1] - 1], k + 1)


def text_lines(text: str) -> TextLines:
    """One :class:`Line` per line of ``text``, numbered from 1 (made as they are read)."""
    return TextLines(text)


def read_text(
    path: Path, *, speaker: str | None = None, known_speakers: frozenset[str] = frozenset()
) -> Document:
    """Read a ``.txt`` or ``.md`` transcript."""
    text = decode(path, path.read_bytes())
    fmt = path.suffix.lower().lstrip(".")
    # Where the text starts, without copying it as text.lstrip() would.
    vtt = text.startswith("WEBVTT", _LEADING_SPACE.match(text).end())
    if vtt or _SRT_START.match(text):
        return read_cues(
            path, text, vtt=vtt, fmt=fmt, speaker=speaker, known_speakers=known_speakers
        )
    lines = text_lines(text)
    del text
    found, layout, known = walk_lines(
        path.name, lines, fmt=fmt, speaker=speaker, known_speakers=known_speakers
    )
    # The lines (and the decoded text they view) go before the document text is built,
    # so that a large file is not held three times over.
    del lines
    return build_document(path.name, found, fmt=fmt, layout=layout, known_speakers=known)
