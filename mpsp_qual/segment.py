"""Segmentation: one spaCy pipeline turns speaker turns into coding units.

The pipeline is blank English with the rule-based sentencizer and the lookup
lemmatizer from ``spacy-lookups-data``: no model download is needed. It is built
once per process (:func:`get_nlp`) and fed turns in batches with ``nlp.pipe``.

Units are ``turn`` (the default: a turn is one segment, and a turn longer than
:data:`MAX_WORDS` words splits at sentence boundaries) or ``sentence``. Each segment
keeps its character offsets into the document text and, for auto-coding, the
lower-cased lemma of every token with the token's offsets, so that spaCy runs once
per import rather than again for every coding pass.
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import spacy
from spacy.language import Language

from .model import Document, Segment

MAX_WORDS = 300
UNITS = ("turn", "sentence")
BATCH_SIZE = 64


@functools.lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The shared pipeline: blank English + sentencizer + lookup lemmatizer."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


@functools.lru_cache(maxsize=1)
def _lemma_table():
    # A spacy.lookups.Table: keyed by string hashes, so look strings up with .get().
    return get_nlp().get_pipe("lemmatizer").lookups.get_table("lemma_lookup")


@dataclass(frozen=True)
class TokenData:
    """Lower-cased lemmas and [start, end) offsets relative to the segment start."""

    lemmas: tuple[str, ...]
    offsets: array  # start0, end0, start1, end1, ... as unsigned ints

    def encode(self) -> tuple[str, bytes]:
        """The form kept in the project file: space-joined lemmas and packed offsets."""
        return " ".join(self.lemmas), self.offsets.tobytes()

    @classmethod
    def decode(cls, lemmas: str, offsets: bytes) -> TokenData:
        packed = array("I")
        packed.frombytes(offsets)
        return cls(tuple(lemmas.split(" ")) if lemmas else (), packed)


def lemmatize(doc) -> list[str]:
    """Lower-cased lookup lemmas; a capitalised word is looked up in lower case too."""
    table = _lemma_table()
    out = []
    for token in doc:
        lemma = token.lemma_
        if lemma == token.text and token.text != token.lower_:
            lemma = table.get(token.lower_, token.lower_)
        out.append(lemma.lower())
    return out


def lemma_tokens(text: str) -> list[str]:
    """Lemmas of a short text (a keyword, say), the same way segments are lemmatised."""
    doc = get_nlp()(text)
    return [lem for tok, lem in zip(doc, lemmatize(doc)) if not tok.is_space]


def segment_documents(
    documents: Iterable[tuple[Document, frozenset[str]]],
    *,
    unit: str = "turn",
    max_words: int = MAX_WORDS,
) -> Iterator[tuple[Document, list[tuple[Segment, TokenData]]]]:
    """Segment documents; yields each document with its segments and token data.

    Args:
        documents: pairs of a document and the speakers of it to segment (an empty
            set means every speaker).
        unit: ``turn`` or ``sentence``.
        max_words: a turn longer than this splits at sentence boundaries.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    nlp = get_nlp()
    for document, speakers in documents:
        turns = [t for t in document.turns if not speakers or t.speaker in speakers]
        segments: list[tuple[Segment, TokenData]] = []
        for turn, doc in zip(turns, nlp.pipe((t.text for t in turns), batch_size=BATCH_SIZE)):
            lemmas = lemmatize(doc)
            for k, (first, last) in enumerate(_units(doc, unit, max_words)):
                toks = [i for i in range(first, last) if not doc[i].is_space]
                if not toks:
                    continue
                lo = doc[toks[0]].idx
                hi = doc[toks[-1]].idx + len(doc[toks[-1]].text)
                offsets = array("I")
                for i in toks:
                    offsets.append(doc[i].idx - lo)
                    offsets.append(doc[i].idx - lo + len(doc[i].text))
                segment = Segment(
                    segment_id=f"{document.name}#{turn.index}.{k}",
                    document=document.name,
                    turn=turn.index,
                    speaker=turn.speaker,
                    participant_id=None,
                    start=turn.start + lo,
                    end=turn.start + hi,
                    text=turn.text[lo:hi],
                )
                segments.append((segment, TokenData(tuple(lemmas[i] for i in toks), offsets)))
        yield document, segments


def _units(doc, unit: str, max_words: int) -> list[tuple[int, int]]:
    """Token ranges [first, last) of the units of one turn."""
    sents = [(s.start, s.end) for s in doc.sents]
    if unit == "sentence":
        return sents
    words = sum(1 for t in doc if not (t.is_punct or t.is_space))
    if words <= max_words:
        return [(0, len(doc))]
    ranges: list[tuple[int, int]] = []
    first, count = sents[0][0], 0
    for start, end in sents:
        n = sum(1 for t in doc[start:end] if not (t.is_punct or t.is_space))
        if count and count + n > max_words:
            ranges.append((first, start))
            first, count = start, 0
        count += n
    ranges.append((first, sents[-1][1]))
    return ranges
