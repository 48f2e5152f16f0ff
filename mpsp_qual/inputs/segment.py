"""Segmentation: one spaCy pipeline turns speaker turns into coding units.

The pipeline is blank English with the rule-based sentencizer and the lookup
lemmatizer from ``spacy-lookups-data``: no model download is needed. It is built
once per process (:func:`get_nlp`) and fed turns in batches with ``nlp.pipe``.

Units are ``turn`` (the default: a turn is one segment, and a turn longer than
:data:`MAX_WORDS` words splits at sentence boundaries) or ``sentence``. Each segment
keeps its character offsets into the document text and, for auto-coding, the
lower-cased lemma of every token with the token's offsets, so that spaCy runs once
per import rather than again for every coding pass.

Per-token work reads the Doc's arrays (``Doc.to_array``) and looks each distinct word
form up once per process: creating a spaCy ``Token`` object per token costs more than
the pipeline itself.
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mpsp_qual.core import vocab
from mpsp_qual.core.model import Document, Segment

if TYPE_CHECKING:
    from spacy.language import Language

MAX_WORDS = 300
UNITS = vocab.UNITS
BATCH_SIZE = 256


@functools.lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The shared pipeline: blank English + sentencizer + lookup lemmatizer."""
    # spaCy is imported when the pipeline is first built, so that listings and --help
    # never pay for it.
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


@functools.lru_cache(maxsize=1)
def _lemma_table():
    # A spacy.lookups.Table: keyed by string hashes, so look strings up with .get().
    return get_nlp().get_pipe("lemmatizer").lookups.get_table("lemma_lookup")


#: Word form (ORTH hash) -> (lower-cased lemma, length, is space, is a word).
_FORMS: dict[int, tuple[str, int, bool, bool]] = {}


def _form(orth: int) -> tuple[str, int, bool, bool]:
    """What segmentation needs of one word form, computed once per process."""
    found = _FORMS.get(orth)
    if found is not None:
        return found
    lexeme = get_nlp().vocab[orth]
    text, lower = lexeme.orth_, lexeme.lower_
    table = _lemma_table()
    # The lookup lemmatizer's rule (table.get(text, text)), then a capitalised word that
    # the table does not know is looked up in lower case, as sentence-initial words are.
    lemma = table.get(text, text)
    if lemma == text and text != lower:
        lemma = table.get(lower, lower)
    # Lemmas are stored space-joined, so a lemma must never contain a space itself.
    lemma = lemma.lower().replace(" ", "_") or "_"
    found = (lemma, len(text), lexeme.is_space, not (lexeme.is_punct or lexeme.is_space))
    _FORMS[orth] = found
    return found


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
    from spacy.attrs import ORTH

    return [_form(orth)[0] for orth in doc.to_array([ORTH]).tolist()]


def lemma_tokens(text: str) -> list[str]:
    """Lemmas of a short text (a keyword, say), the same way segments are lemmatised."""
    from spacy.attrs import ORTH

    doc = get_nlp().make_doc(text)
    return [form[0] for form in map(_form, doc.to_array([ORTH]).tolist()) if not form[2]]


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
    from spacy.attrs import IDX, ORTH

    nlp = get_nlp()
    # Lemmas come from the same lookup table through _form, once per distinct word form,
    # which gives what the lemmatizer component gives without its per-token Python loop;
    # and by turn, only a turn long enough to split needs its sentences, so the
    # sentencizer runs on those alone (_units). The segments are the same either way.
    sentencizer = nlp.get_pipe("sentencizer")
    disable = ["lemmatizer"] if unit == "sentence" else ["lemmatizer", "sentencizer"]
    for document, speakers in documents:
        turns = [t for t in document.turns if not speakers or t.speaker in speakers]
        segments: list[tuple[Segment, TokenData]] = []
        texts = (t.text for t in turns)
        for turn, doc in zip(turns, nlp.pipe(texts, batch_size=BATCH_SIZE, disable=disable)):
            table = doc.to_array([ORTH, IDX]).tolist()
            forms = [_FORMS.get(orth) or _form(orth) for orth, _ in table]
            units = _units(doc, forms, unit, max_words, sentencizer)
            for k, (first, last) in enumerate(units):
                toks = [i for i in range(first, last) if not forms[i][2]]
                if not toks:
                    continue
                lo = table[toks[0]][1]
                hi = table[toks[-1]][1] + forms[toks[-1]][1]
                offsets = array("I")
                for i in toks:
                    start = table[i][1] - lo
                    offsets.append(start)
                    offsets.append(start + forms[i][1])
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
                segments.append((segment, TokenData(tuple(forms[i][0] for i in toks), offsets)))
        yield document, segments


def _units(doc, forms, unit: str, max_words: int, sentencizer) -> list[tuple[int, int]]:
    """Token ranges [first, last) of the units of one turn."""
    if unit == "turn":
        words = sum(1 for form in forms if form[3])
        if words <= max_words:
            return [(0, len(doc))]
        doc = sentencizer(doc)
    sents = [(s.start, s.end) for s in doc.sents]
    if unit == "sentence":
        return sents
    ranges: list[tuple[int, int]] = []
    first, count = sents[0][0], 0
    for start, end in sents:
        n = sum(1 for form in forms[start:end] if form[3])
        if count and count + n > max_words:
            ranges.append((first, start))
            first, count = start, 0
        count += n
    ranges.append((first, sents[-1][1]))
    return ranges
