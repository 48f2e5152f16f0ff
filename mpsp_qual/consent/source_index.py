"""The source index: every speaker turn of a project, ready for quotes to be looked up.

:func:`mpsp_qual.consent.verify.verify_draft` looks each quoted passage of a draft up across
every speaker turn in two steps, so that a 50-page draft against a million-word project
takes seconds; this module is the first step. :class:`SourceIndex` holds the turns
(with their speaker and participant), their normalised lower-case text and an inverted
index of the adjacent word pairs of every turn; :meth:`SourceIndex.candidates` is the
prefilter, picking the few turns that share most of a passage's rarest pairs, weighted
by inverse document frequency, for rapidfuzz to compare. A participant's approved edit
of a quote is indexed as a source too, standing for their own words only, and only while
the text it edits is still what the transcript says. :func:`normalise` makes quotation
marks, dashes and spaces plain, one character for one, for the index and the matching
alike.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from mpsp_qual.consent.wordruns import SpokenRuns

__all__ = ["CANDIDATES", "PREFILTER_WORDS", "SourceIndex", "normalise"]

#: How many turns the prefilter hands to rapidfuzz per passage.
CANDIDATES = 10
#: How many of a passage's rarest word pairs the prefilter looks up.
PREFILTER_WORDS = 12

# One character for one, so that offsets in the normalised text are offsets in the original.
_NORMALISE = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "″": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "′": "'",
        "–": "-",
        "—": "-",
        "‒": "-",
        "―": "-",
        "−": "-",
        "‐": "-",
        "‑": "-",
        "…": ".",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\t": " ",
        "\r": " ",
        "\n": " ",
    }
)
_WORDS = re.compile(r"\w+")


def normalise(text: str) -> str:
    """Quotation marks, dashes and spaces made plain, one character for one."""
    return text.translate(_NORMALISE)


def _pairs(words: list[str]) -> list[str]:
    """Adjacent word pairs: far more telling than single words when the words are common."""
    return [f"{a} {b}" for a, b in zip(words, words[1:])]


class SourceIndex:
    """Every speaker turn of a project, with an inverted index of their words.

    Turns rather than segments are indexed, so that a quote spanning several sentence
    segments of one turn is found whole.
    """

    def __init__(self, project) -> None:
        rows = project.store.documents.speaker_turns()
        self.turns = [dict(r) for r in rows]
        self.lowered = [normalise(t["text"]).lower() for t in self.turns]
        # A participant's approved edit of a quote is a source too: the draft may use it.
        # It stands for its own participant's words only, and only while the text it
        # edits is still what the transcript says.
        where = {(t["document"], t["turn"]): i for i, t in enumerate(self.turns)}
        self.edits: dict[int, tuple[int, int, int]] = {}  # entry -> (turn, start, end)
        self._runs: SpokenRuns | None = None
        for r in project.store.approvals.fresh_edits():
            i = where.get((r["document"], r["turn"]))
            if i is not None:
                base = self.turns[i]["start"]
                self.edits[len(self.lowered)] = (i, r["start"] - base, r["end"] - base)
                self.lowered.append(normalise(r["edited_text"]).lower())
        postings: dict[str, list[int]] = {}
        for i, text in enumerate(self.lowered):
            for pair in set(_pairs(_WORDS.findall(text))):
                postings.setdefault(pair, []).append(i)
        self.postings = postings

    @property
    def runs(self) -> SpokenRuns:
        """The turns as word runs, for who-said-what lookups (built on first use)."""
        if self._runs is None:
            self._runs = SpokenRuns(
                (t["participant_id"], t["speaker"], t["document"], t["text"]) for t in self.turns
            )
        return self._runs

    def candidates(self, words: list[str], k: int = CANDIDATES) -> list[int]:
        """The ``k`` turns sharing most of the passage's rarest word pairs (IDF-weighted)."""
        n = len(self.lowered)
        known = sorted(
            {w for w in _pairs(words) if w in self.postings}, key=lambda w: len(self.postings[w])
        )
        chosen = known[:PREFILTER_WORDS]
        if not chosen:
            return []
        scores: Counter[int] = Counter()
        for w in chosen:
            plist = self.postings[w]
            weight = math.log((n + 1) / len(plist))
            for i in plist:
                scores[i] += weight
        return [i for i, _ in scores.most_common(k)]
