"""Word (.docx) transcripts, read with python-docx.

The body is read in order: each paragraph gives one line per line break inside it
(Teams puts ``Name   0:03``, a line break and the speech in one paragraph), marked
``bold`` when all its text is bold and ``heading`` in a heading style, so that the line
layouts of :mod:`~mpsp_qual.inputs.transcripts.lines` apply (a bold or heading name on
its own line is a speaker header). A table with a speaker column and a text column
(and optionally a time column; NVivo's import convention) is read row by row, one
utterance a row; paragraphs outside it are metadata. Page headers and footers are
metadata. :func:`open_docx` is the one place a ``.docx`` is opened.
"""

from __future__ import annotations

import dataclasses
import re
import zipfile
from pathlib import Path

import docx
from docx.document import Document as WordDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from mpsp_qual.core.errors import TranscriptError
from mpsp_qual.core.model import Document
from mpsp_qual.inputs.decoding import normalise
from mpsp_qual.inputs.transcripts.build import Found, Utterance, build_document, norm_time
from mpsp_qual.inputs.transcripts.labels import TIME_LINE_RE, name_like
from mpsp_qual.inputs.transcripts.lines import Line, add_metadata, detect, parse_lines

_SPEAKER_HEADS = {"speaker", "name", "who", "participant", "person"}
_TEXT_HEADS = {"text", "transcript", "content", "speech", "utterance", "dialogue", "words"}
_TIME_HEADS = {"time", "timestamp", "timecode", "start", "start time", "begin"}


def open_docx(path: Path) -> WordDocument:
    """Open a ``.docx`` with python-docx; the one place transcripts' Word files are opened.

    Raises:
        TranscriptError: the file is empty or is not a Word file.
    """
    if path.stat().st_size == 0:
        raise TranscriptError(f"{path.name} is empty; give a transcript with at least one turn.")
    try:
        return docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        raise TranscriptError(
            f"{path.name} is not a Word (.docx) file; open it in Word and save it as .docx, "
            "or rename it to its real extension."
        ) from None


def read_docx(
    path: Path, *, speaker: str | None = None, known_speakers: frozenset[str] = frozenset()
) -> Document:
    """Read a ``.docx`` transcript.

    Raises:
        TranscriptError: the file is empty, is not a Word file, or has no speaker labels.
    """
    word = open_docx(path)
    lines: list[Line] = []
    tables: list[tuple[int, Table]] = []
    number = 0
    for block in word.iter_inner_content():
        number += 1
        if isinstance(block, Table):
            tables.append((len(lines), block))
            continue
        text = normalise(block.text)
        parts = text.split("\n")
        style = _style(block) if len(parts) == 1 else ""
        lines.extend(Line(part, number, style) for part in parts)
    furniture = _page_furniture(word)
    detected = detect(lines, known_speakers)
    paragraph_turns = sum(1 for hit in detected.hits if hit and hit.label in detected.accepted)
    for _, table in tables:
        found = _table(table, path.name)
        # A cover table ("Project | ...") above a transcript in paragraphs is not the
        # transcript; a speaker table is, when it holds more turns than the paragraphs.
        if found is not None and len(found.utterances) > paragraph_turns:
            for line in lines:
                if line.text.strip():
                    add_metadata(found.metadata, line.text.strip())
            found.metadata.update(furniture)
            return build_document(
                path.name,
                found,
                fmt="docx",
                layout="Word table transcript",
                known_speakers=known_speakers,
            )
    if not any(line.text.strip() for line in lines):
        raise TranscriptError(f"{path.name} is empty; give a transcript with at least one turn.")
    document = parse_lines(
        path.name, lines, fmt="docx", speaker=speaker, known_speakers=known_speakers
    )
    if furniture:
        metadata = dict(document.metadata)
        metadata.update(furniture)
        document = dataclasses.replace(document, metadata=metadata)
    return document


def _style(paragraph: Paragraph) -> str:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    if name.lower().startswith(("heading", "title")):
        return "heading"
    runs = [r for r in paragraph.runs if r.text.strip()]
    style_bold = bool(paragraph.style is not None and paragraph.style.font.bold)

    def bold(run) -> bool:
        if run.bold is not None:
            return run.bold
        # Inherited: from a character style such as "Strong", or the paragraph's style.
        return bool(run.style is not None and run.style.font.bold) or style_bold

    if runs and all(bold(r) for r in runs):
        return "bold"
    return ""


def _page_furniture(word: WordDocument) -> dict[str, str]:
    out: dict[str, str] = {}
    for section in word.sections:
        for key, part in (("page header", section.header), ("page footer", section.footer)):
            text = " / ".join(p.text.strip() for p in part.paragraphs if p.text.strip())
            if text and text not in out.get(key, ""):
                out[key] = (out[key] + " / " + text) if key in out else text
    return out


def _cells(row) -> list[str]:
    seen, out = set(), []
    for cell in row.cells:
        # A merged cell is returned once per grid column it spans.
        if id(cell._tc) in seen:
            continue
        seen.add(id(cell._tc))
        out.append(normalise(cell.text).strip())
    return out


def _table(table: Table, name: str) -> Found | None:
    """Utterances from a time / speaker / text table, or None if it is not one."""
    rows = [_cells(row) for row in table.rows]
    rows = [r for r in rows if any(r)]
    if len(rows) < 3 or max(len(r) for r in rows) < 2:
        return None
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    head = [c.casefold() for c in rows[0]]
    speaker_col = next((i for i, c in enumerate(head) if c in _SPEAKER_HEADS), None)
    text_col = next((i for i, c in enumerate(head) if c in _TEXT_HEADS), None)
    time_col = next((i for i, c in enumerate(head) if c in _TIME_HEADS), None)
    body = rows[1:] if speaker_col is not None and text_col is not None else rows
    if speaker_col is None or text_col is None:
        # No header row: the time column holds times, the speaker column short names,
        # the text column the longest cells.
        times = [i for i in range(width) if all(TIME_LINE_RE.match(r[i]) for r in body if r[i])]
        names = [
            i for i in range(width) if i not in times and all(name_like(r[i]) for r in body if r[i])
        ]
        if not names:
            return None
        speaker_col = names[0]
        rest = [i for i in range(width) if i not in times and i != speaker_col]
        if not rest:
            return None
        text_col = max(rest, key=lambda i: sum(len(r[i]) for r in body))
        time_col = times[0] if times else None
    speakers = [r[speaker_col] for r in body if r[speaker_col]]
    if len(set(speakers)) == len(speakers) and len(speakers) > 2:
        return None  # no speaker speaks twice: a table of fields, not of turns
    found = Found()
    current: Utterance | None = None
    for number, row in enumerate(body, start=2 if body is not rows else 1):
        who, text = row[speaker_col], row[text_col]
        ts = norm_time(row[time_col]) if time_col is not None else None
        if not who and current is not None:
            current.text = (current.text + "\n" + text).strip()
            continue
        if not who:
            continue
        current = Utterance(re.sub(r":\s*$", "", who), ts, text, number, joiner="\n")
        found.utterances.append(current)
    return found if found.utterances else None
