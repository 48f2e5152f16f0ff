"""Word (.docx) transcripts, read with python-docx: one paragraph per line.

Paragraphs follow the plain-text convention (``Speaker: text``; unlabelled
paragraphs continue the current turn). The document's plain text is the paragraphs
joined by newlines, which is what turn offsets point into.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError

from mpsp_qual.core.errors import TranscriptError
from mpsp_qual.core.limits import check_zip
from mpsp_qual.core.model import Document
from mpsp_qual.inputs.transcripts.text import parse_lines


def read_docx(
    path: Path, *, speaker: str | None = None, known_speakers: frozenset[str] = frozenset()
) -> Document:
    """Read a ``.docx`` transcript.

    Raises:
        TranscriptError: the file is empty, is not a Word file, or has no speaker labels.
    """
    if path.stat().st_size == 0:
        raise TranscriptError(f"{path.name} is empty; give a transcript with at least one turn.")
    check_zip(path, kind="Word document")
    try:
        word = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        raise TranscriptError(
            f"{path.name} is not a Word (.docx) file; open it in Word and save it as .docx, "
            "or rename it to its real extension."
        ) from None
    text = "\n".join(p.text.replace("\r", "") for p in word.paragraphs)
    if not text.strip():
        raise TranscriptError(f"{path.name} is empty; give a transcript with at least one turn.")
    return parse_lines(path.name, text, fmt="docx", speaker=speaker, known_speakers=known_speakers)
