"""A large text transcript reads to the same document as ever, holding it about twice.

The lines of a ``.txt`` are made as they are read (:class:`TextLines`), so the checks
here are that those are exactly ``text.split("\\n")``'s lines and that a transcript of a
few megabytes reads to the document the list of lines gives, in a fraction of the
memory. Memory is counted with tracemalloc (Python's allocations), not timed.
"""

from __future__ import annotations

import random
import tracemalloc

import pytest

from mpsp_qual.inputs.transcripts import read_transcript
from mpsp_qual.inputs.transcripts.layouts import Line
from mpsp_qual.inputs.transcripts.lines import parse_lines
from mpsp_qual.inputs.transcripts.text import text_lines

VOCABULARY = (
    "we were stretched the lead provider kept changing terms capacity partnership board "
    "contract funding trust council staff volunteers money café naïve “quoted” — honestly"
)
WORDS = VOCABULARY.split()


def _transcript(megabytes: float, seed: int = 3, words: list[str] = WORDS) -> str:
    rng = random.Random(seed)
    blocks, size = [], 0
    while size < megabytes * 1024 * 1024:
        question = " ".join(rng.choices(words, k=10)).capitalize() + "?"
        answer = "\n".join(
            " ".join(rng.choices(words, k=rng.randint(5, 30))).capitalize() + "."
            for _ in range(rng.randint(1, 4))
        )
        block = f"Interviewer: {question}\n[00:0{rng.randint(0, 9)}:10] Dana Reyes: {answer}\n\n"
        blocks.append(block)
        size += len(block)
    return "".join(blocks)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("one line", id="no-newline"),
        pytest.param("a\nb\n", id="trailing-newline"),
        pytest.param("\n\na\n\n\nb", id="blank-lines"),
        pytest.param("\n", id="only-a-newline"),
        pytest.param("é\n“x”\n\U0001f600", id="non-ascii"),
    ],
)
def test_text_lines_are_the_lines_split_gives(text):
    expected = [Line(line, n) for n, line in enumerate(text.split("\n"), start=1)]
    lines = text_lines(text)
    assert list(lines) == expected
    assert len(lines) == len(expected)
    assert [lines[i] for i in range(-len(expected), len(expected))] == expected * 2
    for cut in (slice(None, 2), slice(1, None), slice(-2, None), slice(1, -1)):
        assert list(lines[cut]) == expected[cut]
        assert len(lines[cut]) == len(expected[cut])
    assert list(lines[1:][:1]) == expected[1:][:1]
    with pytest.raises(IndexError):
        lines[len(expected)]


def test_a_large_transcript_reads_as_the_list_of_its_lines_does(tmp_path):
    text = _transcript(1)
    path = tmp_path / "large.txt"
    path.write_text(text, encoding="utf-8")
    listed = [Line(line, n) for n, line in enumerate(text.split("\n"), start=1)]
    expected = parse_lines("large.txt", listed, fmt="txt")
    document = read_transcript(path)
    assert document == expected
    assert len(document.turns) > 1000
    assert all(document.text[t.start : t.end] == t.text for t in document.turns)


def test_reading_a_large_transcript_peaks_at_under_five_times_its_size(tmp_path):
    # Reading this file used to peak at 10.6 times its size (a list of lines, a Line per
    # line, every layout's hits, "Speaker: text" copies of every turn, the decoded text
    # beside them); now about 3.8, most of it the text, the turns' texts and the Turns.
    # ASCII, so that a character is a byte both in the file and in memory.
    text = _transcript(4, seed=5, words=[w for w in WORDS if w.isascii()])
    path = tmp_path / "large.txt"
    path.write_bytes(text.encode("utf-8"))
    size = path.stat().st_size
    tracemalloc.start()
    try:
        document = read_transcript(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(document.turns) > 4000
    assert peak < 5 * size, f"reading peaked at {peak / size:.1f} times the file's size"
