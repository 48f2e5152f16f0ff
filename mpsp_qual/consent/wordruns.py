"""Who said a run of words: every turn of a project as a sequence of case-folded words.

Used to keep one speaker's words out of another's quote: a participant's edit of their
quote (:mod:`mpsp_qual.consent.approvals`), the words a draft adds to a quote and a short quoted
passage (:mod:`mpsp_qual.consent.verify`) are looked up here. Words are counted as the quote
bank counts them ("don't" is one word), case-folded, with curly apostrophes made
straight; punctuation and line breaks are ignored, and a run never spans two turns.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mpsp_qual.core.model import Participant

_WORD = re.compile(r"\w+(?:'\w+)*")


def words(text: str) -> list[str]:
    """The words of ``text``, case-folded ("Don’t" and "don't" are the same word)."""
    return _WORD.findall(text.replace("’", "'").replace("‘", "'").casefold())


def windows(seq: Sequence[str], n: int) -> list[tuple[int, tuple[str, ...]]]:
    """Every run of ``n`` consecutive words of ``seq``, with where it starts."""
    return [(i, tuple(seq[i : i + n])) for i in range(len(seq) - n + 1)]


@dataclass(frozen=True)
class Speaker:
    """A speaker of a turn: a participant, or someone not in the register (the interviewer)."""

    participant_id: str | None
    speaker: str
    document: str


class SpokenRuns:
    """The turns of a project, searchable for who said a given run of words.

    The turns are kept as one string of words (each turn padded with spaces, turns
    apart), so that a run is found with ``str.find``: a few milliseconds per run for a
    million-word project, and no index to build.
    """

    def __init__(self, turns: Iterable[tuple[str | None, str, str, str]]) -> None:
        """``turns``: (participant id or None, speaker, document, text) of every turn."""
        parts: list[str] = []
        self._starts: list[int] = []
        self._who: list[Speaker] = []
        at = 0
        for participant_id, speaker, document, text in turns:
            part = " " + " ".join(words(text)) + " "
            self._starts.append(at)
            self._who.append(Speaker(participant_id, speaker, document))
            parts.append(part)
            at += len(part) + 1
        self._text = "\n".join(parts)

    @classmethod
    def from_project(cls, project) -> SpokenRuns:
        """Every turn of the project, the interviewer's included."""
        rows = project.store.documents.speaker_turns()
        return cls((r["participant_id"], r["speaker"], r["document"], r["text"]) for r in rows)

    def speakers(self, run: Sequence[str]) -> list[Speaker]:
        """Everyone who said ``run`` (case-folded words) in one turn, in transcript order."""
        if not run:
            return []
        needle = " " + " ".join(run) + " "
        found: dict[Speaker, None] = {}
        pos = self._text.find(needle)
        while pos != -1:
            k = bisect.bisect_right(self._starts, pos) - 1
            found.setdefault(self._who[k], None)
            following = self._starts[k + 1] if k + 1 < len(self._starts) else len(self._text)
            pos = self._text.find(needle, following)
        return list(found)

    def foreign(self, run: Sequence[str], participant_id: str | None) -> list[Speaker]:
        """Who else said ``run``: [] when ``participant_id`` said it too, or nobody did.

        A run the participant said themselves is their own words, whoever else said it.
        """
        said = self.speakers(run)
        if participant_id is not None and any(s.participant_id == participant_id for s in said):
            return []
        return [s for s in said if s.participant_id is None or s.participant_id != participant_id]


def describe_speakers(speakers: Sequence[Speaker], people: dict[str, Participant]) -> str:
    """Who said some words, for a message; a participant who may not be quoted comes first."""

    def rank(s: Speaker) -> int:
        person = people.get(s.participant_id) if s.participant_id else None
        return 2 if person is None else 0 if not person.quotable else 1

    s = min(speakers, key=rank)
    person = people.get(s.participant_id) if s.participant_id else None
    if person is None:
        return f"{s.speaker} (in {s.document}; not a participant in the register)"
    if person.withdrawn:
        return f"{person.participant_id}, who withdrew from the study"
    if not person.consent_quotes:
        return f"{person.participant_id}, who declined to be quoted"
    return person.participant_id


__all__ = ["Speaker", "SpokenRuns", "describe_speakers", "windows", "words"]
