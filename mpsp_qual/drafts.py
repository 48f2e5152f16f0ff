"""Report drafts: the quoted passages of a .docx, .md or .txt draft.

:func:`extract_passages` finds every quoted passage of six words or more in a draft:
text in curly “…” or straight "…" double quotation marks, and Markdown block quotes
(``> …``; in Word, paragraphs in a Quote style, and the paragraphs of tables too).
Single quotation marks are not read, since they cannot be told from apostrophes; code
fences are skipped, emphasis marks dropped, a block quote that is only an attribution
("– Health PSM") is no passage, and one quoted in marks with an attribution after them
keeps just the quoted words. Each
:class:`Passage` says where it is (line or paragraph number), for
:func:`mpsp_qual.verify.verify_draft` to look up in the transcripts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .model import PathLike
from .quotes import count_words

MIN_WORDS = 6
DRAFT_FORMATS = (".docx", ".md", ".markdown", ".txt")


@dataclass(frozen=True)
class Passage:
    """A quoted passage of a draft: its text, where it is, and whether it is a block quote."""

    text: str
    location: str
    block: bool = False


_CURLY = re.compile(r"“([^“”]+)”")
_STRAIGHT = re.compile(r'"([^"]+)"')
_DASH_ATTRIBUTION = re.compile(r"^\s*(?:[–—]|-{1,2})\s+\S")
_TRAILING_ATTRIBUTION = re.compile(r'^\s*[“"](?P<inner>.+)[”"]\s*(?:[–—]|-{1,2})\s+.+$', re.S)
_EMPHASIS = re.compile(r"(?<!\w)[*_]{1,3}|[*_]{1,3}(?!\w)")


def _clean(text: str) -> str:
    text = _EMPHASIS.sub("", text)
    return " ".join(text.replace("\\", "").split())


def _unquote(text: str) -> str:
    text = text.strip()
    m = _TRAILING_ATTRIBUTION.match(text)
    if m:
        text = m["inner"]
    if len(text) >= 2 and text[0] in '“"' and text[-1] in '”"':
        text = text[1:-1]
    return text.strip()


def passage_words(text: str) -> int:
    """The words of a passage, counted as the quote bank counts them ("don't" is one)."""
    return count_words(text)


def _inline(text: str, location) -> list[Passage]:
    """Passages in quotation marks in one paragraph; ``location(offset)`` names where."""
    out = []
    masked = text
    for m in _CURLY.finditer(text):
        out.append((m.start(), m.group(1)))
        masked = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end() :]
    for m in _STRAIGHT.finditer(masked):
        out.append((m.start(), m.group(1)))
    passages = []
    for start, inner in sorted(out):
        inner = _clean(inner)
        if passage_words(inner) >= MIN_WORDS:
            passages.append(Passage(inner, location(start)))
    return passages


def passages_from_markdown(text: str) -> list[Passage]:
    """Quoted passages of Markdown (or plain) text: block quotes and text in quotation marks."""
    lines = text.splitlines()
    passages: list[Passage] = []
    fence = None
    para: list[str] = []
    para_line = 0
    block: list[tuple[int, str]] = []

    def flush_para() -> None:
        if para:
            joined = "\n".join(para)
            first = para_line

            def where(offset: int, joined=joined, first=first) -> str:
                return f"line {first + joined.count(chr(10), 0, offset)}"

            passages.extend(_inline(joined, where))
            para.clear()

    def flush_block() -> None:
        chunk: list[tuple[int, str]] = []
        for number, line in [*block, (0, "")]:
            if line.strip():
                chunk.append((number, line))
                continue
            if chunk:
                body = " ".join(line for _, line in chunk)
                if not _DASH_ATTRIBUTION.match(body):
                    inner = _clean(_unquote(body))
                    if passage_words(inner) >= MIN_WORDS:
                        passages.append(Passage(inner, f"line {chunk[0][0]}", block=True))
                chunk = []
        block.clear()

    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            continue
        if stripped.startswith(("```", "~~~")):
            flush_para()
            flush_block()
            fence = stripped[:3]
            continue
        quote = re.match(r"^ {0,3}>\s?(.*)$", line)
        if quote:
            flush_para()
            inner = quote.group(1)
            while re.match(r"^>\s?", inner):  # nested block quotes read as one
                inner = re.sub(r"^>\s?", "", inner)
            block.append((number, inner))
            continue
        flush_block()
        if not stripped:
            flush_para()
            continue
        if not para:
            para_line = number
        para.append(line)
    flush_para()
    flush_block()
    return passages


def passages_from_docx(path: Path) -> list[Passage]:
    """Quoted passages of a Word draft: Quote-style paragraphs, and text in quotation marks."""
    from docx import Document

    try:
        doc = Document(str(path))
    except Exception as exc:  # python-docx raises several kinds for a file that is not .docx
        raise InputError(
            f"{path.name} cannot be read as a Word document ({type(exc).__name__}); "
            "save the draft as .docx, .md or .txt."
        ) from None
    paragraphs = list(doc.paragraphs)
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                paragraphs.extend(cell.paragraphs)
    passages: list[Passage] = []
    for number, para in enumerate(paragraphs, start=1):
        text = para.text
        style = (para.style.name if para.style is not None else "") or ""
        if "quote" in style.casefold() and text.strip():
            if _DASH_ATTRIBUTION.match(text):
                continue
            inner = _clean(_unquote(text))
            if passage_words(inner) >= MIN_WORDS:
                passages.append(Passage(inner, f"paragraph {number}", block=True))
            continue
        passages.extend(_inline(text, lambda offset, n=number: f"paragraph {n}"))
    return passages


def extract_passages(draft: PathLike) -> list[Passage]:
    """Every quoted passage of six words or more in a draft (.docx, .md or .txt).

    Raises:
        InputError: the file is missing, of another kind, or unreadable.
    """
    path = Path(draft)
    suffix = path.suffix.lower()
    if suffix not in DRAFT_FORMATS:
        raise InputError(
            f"{path.name}: verify reads .docx, .md and .txt drafts; save the draft as one of them."
        )
    if not path.is_file():
        raise InputError(f"{path}: no such draft.")
    if suffix == ".docx":
        return passages_from_docx(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return passages_from_markdown(text)


__all__ = [
    "DRAFT_FORMATS",
    "MIN_WORDS",
    "Passage",
    "extract_passages",
    "passage_words",
    "passages_from_docx",
    "passages_from_markdown",
]
