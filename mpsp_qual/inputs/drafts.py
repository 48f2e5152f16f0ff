"""Report drafts: the quoted passages of a .docx, .md or .txt draft.

:func:`extract_passages` finds every quoted passage of six words or more in a draft:
text in curly “…” or straight "…" double quotation marks, in curly single quotation
marks ‘…’ (British style) and in guillemets «…», and Markdown block quotes (``> …``;
in Word, paragraphs in a Quote style, and the paragraphs of tables too). A curly ‘
opens a quotation only at the start of a paragraph or after a space or opening
punctuation, and a ’ closes it only when no letter follows, so that the apostrophes of
"don’t" and "Angela’s" are not read as quotation marks (a plural possessive, "the
partners’ view", still ends a single-quoted passage early). Straight single quotes
'…' are not read: in plain text an apostrophe, a straight opening quote and a closing
one are the same character, so "the partners' view" or "'90s" would open or close
passages at random. A quotation running over several paragraphs, whose opening
paragraphs have an opening mark and no closing one (the British and American
convention), is read one passage per paragraph, and so is a last paragraph that closes
it without opening again. Code fences are skipped, emphasis marks dropped, a block
quote that is only an attribution ("– Health PSM") is no passage, and one quoted in
marks with an attribution after them keeps just the quoted words. Each
:class:`Passage` says where it is (line or paragraph number), for
:func:`mpsp_qual.consent.verify.verify_draft` to look up in the transcripts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mpsp_qual.core.errors import InputError
from mpsp_qual.core.model import PathLike
from mpsp_qual.core.text import count_words

MIN_WORDS = 6
DRAFT_FORMATS = (".docx", ".md", ".markdown", ".txt")


@dataclass(frozen=True)
class Passage:
    """A quoted passage of a draft: its text, where it is, and whether it is a block quote."""

    text: str
    location: str
    block: bool = False


# What may come just before an opening ‘ or an opening straight ".
_OPENING_CONTEXT = '([{“"«‘—–-/'
_PAIRED = {
    "double": re.compile(r"“([^“”]+)”"),
    "guillemet": re.compile(r"«([^«»]+)»"),
    "straight": re.compile(r'"([^"]+)"'),
    # ‘ at the start or after a space or opening punctuation; ’ with no letter after it.
    "single": re.compile(r"(?<![^\s(\[{“\"«—–/-])‘(?=\S)(.+?)’(?![^\W\d_])", re.S),
}
_MARK = re.compile('[“”«»"‘’]')
_OPENERS = {"double": "“", "guillemet": "«", "straight": '"', "single": "‘"}
_CLOSERS = {"double": "”", "guillemet": "»", "straight": '"', "single": "’"}
_DASH_ATTRIBUTION = re.compile(r"^\s*(?:[–—]|-{1,2})\s+\S")
_TRAILING_ATTRIBUTION = re.compile(r'^\s*[“"‘«](?P<inner>.+)[”"’»]\s*(?:[–—]|-{1,2})\s+.+$', re.S)
_EMPHASIS = re.compile(r"(?<!\w)[*_]{1,3}|[*_]{1,3}(?!\w)")


def _clean(text: str) -> str:
    text = _EMPHASIS.sub("", text)
    return " ".join(text.replace("\\", "").split())


def _unquote(text: str) -> str:
    text = text.strip()
    m = _TRAILING_ATTRIBUTION.match(text)
    if m:
        text = m["inner"]
    if len(text) >= 2 and text[0] in '“"‘«' and text[-1] in '”"’»':
        text = text[1:-1]
    return text.strip()


def passage_words(text: str) -> int:
    """The words of a passage, counted as the quote bank counts them ("don't" is one)."""
    return count_words(text)


def _is_opener(text: str, i: int, kind: str) -> bool:
    if text[i] != _OPENERS[kind]:
        return False
    if kind in ("single", "straight"):
        if i and not (text[i - 1].isspace() or text[i - 1] in _OPENING_CONTEXT):
            return False
        if i + 1 >= len(text) or text[i + 1].isspace():
            return False
    return True


def _is_closer(text: str, i: int, kind: str) -> bool:
    if text[i] != _CLOSERS[kind]:
        return False
    if kind in ("single", "straight"):
        if i + 1 < len(text) and text[i + 1].isalpha():
            return False
        if i == 0 or text[i - 1].isspace():
            return False
    return True


@dataclass
class _Scan:
    """The quotation marks of one paragraph."""

    text: str
    spans: list[tuple[int, int, int, int]]  # (start, end, inner start, inner end), outermost

    @classmethod
    def of(cls, text: str) -> _Scan:
        found = [
            (m.start(), m.end(), m.start(1), m.end(1))
            for rx in _PAIRED.values()
            for m in rx.finditer(text)
        ]
        found.sort(key=lambda f: (f[0], -f[1]))
        spans: list[tuple[int, int, int, int]] = []
        reach = 0
        for f in found:  # a quotation inside another (or crossing it) is part of it
            if f[0] >= reach:
                spans.append(f)
                reach = f[1]
        return cls(text, spans)

    def _free(self) -> list[int]:
        """Where the quotation marks outside every paired quotation are."""
        return [
            m.start()
            for m in _MARK.finditer(self.text)
            if not any(a <= m.start() < b for a, b, _, _ in self.spans)
        ]

    def open_tail(self, kind: str) -> int | None:
        """Where a quotation of ``kind`` opens that the paragraph does not close."""
        open_at = None
        for i in self._free():
            if open_at is None and _is_opener(self.text, i, kind):
                open_at = i
            elif open_at is not None and _is_closer(self.text, i, kind):
                open_at = None
        return open_at

    def lead_close(self, kind: str) -> int | None:
        """Where a quotation of ``kind`` closes that the paragraph did not open."""
        for i in self._free():
            if _is_opener(self.text, i, kind):
                return None
            if _is_closer(self.text, i, kind):
                return i
        return None


def _inline(
    paragraphs: list[tuple[str, Callable[[int], str]]], min_words: int = MIN_WORDS
) -> list[Passage]:
    """Passages in quotation marks in a run of paragraphs; ``location(offset)`` names where.

    A paragraph that opens a quotation without closing it is a passage from its opening
    mark on, and the next paragraph, if it closes that quotation without opening it
    again, a passage up to its closing mark. An unclosed ‘ counts only when the next
    paragraph goes on with a ‘ or closes with a ’: Word writes ‘90s for ’90s.
    """
    scans = [_Scan.of(text) for text, _ in paragraphs]
    tails: dict[int, tuple[str, int]] = {}
    for k, scan in enumerate(scans):
        open_at = []
        for kind in _PAIRED:
            at = scan.open_tail(kind)
            if at is None:
                continue
            if kind == "single":
                after = scans[k + 1] if k + 1 < len(scans) else None
                if after is None or not (
                    after.text.lstrip().startswith("‘") or after.lead_close(kind) is not None
                ):
                    continue
            open_at.append((at, kind))
        if open_at:
            at, kind = min(open_at)
            tails[k] = (kind, at)
    passages = []
    for k, ((text, location), scan) in enumerate(zip(paragraphs, scans)):
        found = [(a, text[i:j]) for a, _, i, j in scan.spans]
        if k - 1 in tails:
            close = scan.lead_close(tails[k - 1][0])
            if close is not None:
                found = [(a, t) for a, t in found if a >= close]
                found.append((0, text[:close]))
        if k in tails:
            at = tails[k][1]
            found = [(a, t) for a, t in found if a < at]
            found.append((at, text[at + 1 :]))
        for start, inner in sorted(found):
            inner = _clean(inner)
            if passage_words(inner) >= min_words:
                passages.append(Passage(inner, location(start)))
    return passages


def _expand(items: list, min_words: int) -> list[Passage]:
    """Passages in document order from items: a Passage, or a (text, location) paragraph."""
    passages: list[Passage] = []
    run: list[tuple[str, Callable[[int], str]]] = []
    for item in [*items, None]:
        if isinstance(item, tuple):
            run.append(item)
            continue
        passages.extend(_inline(run, min_words))
        run = []
        if isinstance(item, Passage):
            passages.append(item)
    return passages


_BREAK = "break"  # an item that ends a run of paragraphs (a block quote, a code fence)


def passages_from_markdown(text: str, *, min_words: int = MIN_WORDS) -> list[Passage]:
    """Quoted passages of Markdown (or plain) text: block quotes and text in quotation marks."""
    lines = text.splitlines()
    items: list = []
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

            items.append((joined, where))
            para.clear()

    def flush_block() -> None:
        chunk: list[tuple[int, str]] = []
        if block:
            items.append(_BREAK)
        for number, line in [*block, (0, "")]:
            if line.strip():
                chunk.append((number, line))
                continue
            if chunk:
                body = " ".join(line for _, line in chunk)
                if not _DASH_ATTRIBUTION.match(body):
                    inner = _clean(_unquote(body))
                    if passage_words(inner) >= min_words:
                        items.append(Passage(inner, f"line {chunk[0][0]}", block=True))
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
            items.append(_BREAK)
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
    return _expand(items, min_words)


def passages_from_docx(path: Path, *, min_words: int = MIN_WORDS) -> list[Passage]:
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
    items: list = []
    for number, para in enumerate(paragraphs, start=1):
        text = para.text
        style = (para.style.name if para.style is not None else "") or ""
        if "quote" in style.casefold() and text.strip():
            items.append(_BREAK)
            if _DASH_ATTRIBUTION.match(text):
                continue
            inner = _clean(_unquote(text))
            if passage_words(inner) >= min_words:
                items.append(Passage(inner, f"paragraph {number}", block=True))
            continue
        if not text.strip():
            continue  # an empty paragraph between the paragraphs of one quotation
        items.append((text, lambda offset, n=number: f"paragraph {n}"))
    return _expand(items, min_words)


def extract_passages(draft: PathLike, *, min_words: int = MIN_WORDS) -> list[Passage]:
    """Every quoted passage of ``min_words`` words or more (six) in a draft (.docx, .md or .txt).

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
        return passages_from_docx(path, min_words=min_words)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return passages_from_markdown(text, min_words=min_words)


__all__ = [
    "DRAFT_FORMATS",
    "MIN_WORDS",
    "Passage",
    "extract_passages",
    "passage_words",
    "passages_from_docx",
    "passages_from_markdown",
]
