"""Segmentation: the shared pipeline, lemmas, units, long turns and offsets."""

from __future__ import annotations

import pytest

from mpsp_qual.core.model import Document, Turn
from mpsp_qual.inputs.segment import (
    MAX_WORDS,
    UNITS,
    TokenData,
    get_nlp,
    lemma_tokens,
    segment_documents,
)

TEXT = "Ann: We were stretched.  Then we won!\n\nBob: Yes."
DOC = Document(
    "x.txt",
    TEXT,
    (
        Turn(0, "Ann", "We were stretched.  Then we won!", 5, 37),
        Turn(1, "Bob", "Yes.", 44, 48),
    ),
)


def segments_of(document: Document, **kwargs):
    ((_, segs),) = list(segment_documents([(document, frozenset())], **kwargs))
    return segs


def test_one_pipeline_built_once(nlp):
    assert get_nlp() is nlp
    assert nlp.pipe_names == ["sentencizer", "lemmatizer"]
    assert nlp.lang == "en"


def test_lookup_lemmas_are_lower_case_even_for_capitalised_words():
    assert lemma_tokens("Partnerships were Stretched") == ["partnership", "be", "stretch"]


def test_turn_unit_keeps_each_turn_whole():
    segs = segments_of(DOC, unit="turn")
    assert [(s.segment_id, s.speaker, s.start, s.end, s.text) for s, _ in segs] == [
        ("x.txt#0.0", "Ann", 5, 37, "We were stretched.  Then we won!"),
        ("x.txt#1.0", "Bob", 44, 48, "Yes."),
    ]


def test_sentence_unit_splits_turns_into_sentences():
    segs = segments_of(DOC, unit="sentence")
    assert [(s.segment_id, s.turn, s.start, s.end, s.text) for s, _ in segs] == [
        ("x.txt#0.0", 0, 5, 23, "We were stretched."),
        ("x.txt#0.1", 0, 25, 37, "Then we won!"),
        ("x.txt#1.0", 1, 44, 48, "Yes."),
    ]


@pytest.mark.parametrize("unit", UNITS)
def test_segment_offsets_slice_the_document(unit):
    for segment, _ in segments_of(DOC, unit=unit):
        assert TEXT[segment.start : segment.end] == segment.text


def test_token_lemmas_and_offsets_relative_to_the_segment():
    (segment, tokens), _ = segments_of(DOC, unit="turn")
    assert tokens.lemmas == ("we", "be", "stretch", ".", "then", "we", "win", "!")
    spans = list(zip(tokens.offsets[::2], tokens.offsets[1::2]))
    assert [segment.text[a:b] for a, b in spans] == [
        "We",
        "were",
        "stretched",
        ".",
        "Then",
        "we",
        "won",
        "!",
    ]


def test_token_data_round_trips_through_its_stored_form():
    (_, tokens), _ = segments_of(DOC, unit="turn")
    lemmas, packed = tokens.encode()
    assert lemmas == "we be stretch . then we win !"
    assert isinstance(packed, bytes)
    assert TokenData.decode(lemmas, packed) == tokens
    assert TokenData.decode("", b"").lemmas == ()


def test_a_long_turn_splits_at_sentence_boundaries_into_pieces_of_at_most_300_words():
    sentence = "We spent a long time talking with the trust about what the pathway should be."
    # 17 words a sentence ("Point 7:" is two), 50 sentences = 850 words; 17 sentences
    # (289 words) fit in 300 and 18 (306) do not, so the pieces hold 17, 17 and 16.
    body = " ".join(f"Point {i}: {sentence}" for i in range(50))
    text = "Ann: " + body
    doc = Document("long.txt", text, (Turn(0, "Ann", body, 5, 5 + len(body)),))
    segs = [s for s, _ in segments_of(doc, unit="turn")]
    assert MAX_WORDS == 300
    assert [s.text.count("Point ") for s in segs] == [17, 17, 16]
    assert [len(s.text.split()) for s in segs] == [17 * 17, 17 * 17, 16 * 17]
    assert all(s.text.endswith("should be.") for s in segs)
    assert [s.segment_id for s in segs] == ["long.txt#0.0", "long.txt#0.1", "long.txt#0.2"]
    assert " ".join(s.text for s in segs) == body
    for s in segs:
        assert text[s.start : s.end] == s.text


def test_a_turn_of_exactly_max_words_is_not_split():
    body = " ".join(["word"] * 10) + "."
    doc = Document("t.txt", body, (Turn(0, "Ann", body, 0, len(body)),))
    assert len(segments_of(doc, max_words=10)) == 1
    assert len(segments_of(doc, max_words=9)) == 1  # one sentence cannot split


def test_speakers_filter_and_unknown_unit():
    ((_, segs),) = list(segment_documents([(DOC, frozenset({"Bob"}))]))
    assert [s.speaker for s, _ in segs] == ["Bob"]
    with pytest.raises(ValueError, match="unit must be one of"):
        list(segment_documents([(DOC, frozenset())], unit="paragraph"))
