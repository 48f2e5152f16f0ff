"""Transcript readers, each returning a :class:`~mpsp_qual.core.model.Document`.

``read_transcript`` picks the container reader from the file's extension (``.docx``
paragraphs and tables, ``.vtt``/``.srt`` cues, ``.txt``/``.md`` lines); the layout
inside (Teams, Word *Transcribe*, Zoom, Otter, Rev, Meet, aTrain, Descript, typists'
files) is detected from the content and named in ``Document.layout``
(:func:`summary` words it for the import report). Every reader gives a document whose
``text`` is ``Speaker: text`` paragraphs that turn offsets point into, so that
``doc.text[turn.start:turn.end] == turn.text`` holds for every turn and layout.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from pathlib import Path

from mpsp_qual.core.errors import TranscriptError
from mpsp_qual.core.model import Document, PathLike
from mpsp_qual.inputs.transcripts.build import summary
from mpsp_qual.inputs.transcripts.docx import read_docx
from mpsp_qual.inputs.transcripts.subtitles import read_srt, read_vtt
from mpsp_qual.inputs.transcripts.text import read_text

READERS = {
    ".txt": read_text,
    ".md": read_text,
    ".docx": read_docx,
    ".vtt": read_vtt,
    ".srt": read_srt,
}

#: File extensions ``read_transcript`` understands.
SUPPORTED_EXTENSIONS = tuple(READERS)


def read_transcript(
    path: PathLike, *, speaker: str | None = None, known_speakers: frozenset[str] = frozenset()
) -> Document:
    """Read one transcript file into a Document of speaker turns.

    Args:
        path: a ``.txt``, ``.md``, ``.docx``, ``.vtt`` or ``.srt`` file.
        speaker: who speaks, for a transcript with no speaker labels.
        known_speakers: labels the participants register names for this file; a label
            in this set is always a turn, even if it occurs once.

    Raises:
        TranscriptError: the file is missing, empty, not text, of an unknown kind, or
            has no speaker labels (and no ``speaker`` was given).
    """
    p = Path(path)
    reader = READERS.get(p.suffix.lower())
    if reader is None:
        raise TranscriptError(
            f"{p.name}: unknown transcript format {p.suffix or '(no extension)'!r}; "
            f"use one of {', '.join(SUPPORTED_EXTENSIONS)}."
        )
    if not p.is_file():
        raise TranscriptError(f"{path}: no such file.")
    document = reader(p, speaker=speaker, known_speakers=known_speakers)
    # A Mac names files in decomposed Unicode; the register and the project use NFC.
    name = unicodedata.normalize("NFC", p.name)
    return document if document.name == name else dataclasses.replace(document, name=name)


__all__ = ["read_transcript", "summary", "SUPPORTED_EXTENSIONS"]
