"""Passage codings and the rules that count them, stated once.

A coding is a span of a document's stored text: character offsets, start inclusive and
end exclusive, inside one speaker's turn. A coding made on a whole segment (a coding
sheet, a REFI import, auto-coding) is the span of that segment; a coding made by
selecting text in the workspace is the span selected. The rules:

1. **Whose it is.** A passage coding belongs to the participant whose turn holds it
   (:func:`turn_holding`); a selection across turns is refused. An interviewer's turn
   (a speaker not in the register) is never coded.
2. **Which segments it codes.** A code applies to a segment when a coding of it
   overlaps the segment (:func:`applies`); a coding whose span *is* a segment's span
   applies to that segment only, so segment codings count exactly as they always did
   even where segments overlap (REFI selections). Agreement, prevalence and every other
   count stay per segment: they read the store's ``codings`` view, which is this rule
   in SQL (``store/db.py``, migration ``0002_coding_spans``).
3. **What it quotes.** A coded passage is a quote candidate of exactly its span
   (:func:`quote_span`), whatever its length, behind the same consent gate as every
   other quote; a segment coding's candidate is chosen from the segment as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mpsp_qual.core.errors import MpspQualError

__all__ = ["PassageError", "Span", "applies", "quote_span", "turn_holding"]


class PassageError(MpspQualError):
    """A passage that cannot be coded: empty, outside the text, or across turns."""


@dataclass(frozen=True)
class Span:
    """A [start, end) span of a document's text."""

    start: int
    end: int


def applies(coding: Span, segment: Span, *, segment_spans: Sequence[Span] = ()) -> bool:
    """Whether a coding with this span codes this segment (rule 2).

    Args:
        coding: the coding's span.
        segment: the segment's span.
        segment_spans: the spans of the segments of the same turn; a coding whose span
            is one of them codes that segment only.
    """
    if coding == segment:
        return True
    if coding in set(segment_spans):
        return False
    return coding.start < segment.end and segment.start < coding.end


def turn_holding(turns: Sequence[Any], start: int, end: int, *, document: str) -> Any:
    """The turn that holds [start, end) (rule 1); turns have ``start``, ``end``, ``speaker``.

    Raises:
        PassageError: the span is empty, outside the document, or crosses turns.
    """
    if not 0 <= start < end:
        raise PassageError(
            f"the passage {start}-{end} of {document} is empty; select some words to code."
        )
    first = next((t for t in turns if t["start"] <= start < t["end"]), None)
    last = next((t for t in turns if t["start"] < end <= t["end"]), None)
    if first is None or last is None:
        raise PassageError(
            f"the passage {start}-{end} of {document} is not inside a turn's words; "
            "select words of one speaker's turn."
        )
    if first is not last:
        raise PassageError(
            f"the passage {start}-{end} of {document} runs from {first['speaker']}'s turn "
            f"into {last['speaker']}'s; select within one speaker's turn."
        )
    return first


def quote_span(coding: Span, text: str) -> Span:
    """The quote candidate of a coded passage (rule 3): exactly its span of the document
    ``text``, less any spaces at its edges."""
    piece = text[coding.start : coding.end]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece) - len(piece.rstrip())
    return Span(coding.start + lead, coding.end - trail)
