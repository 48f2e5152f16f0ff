"""Shared types: the nouns of the toolkit, named once.

Frozen dataclasses for what flows between modules: participants from the register,
documents and their speaker turns from ingest, segments from segmentation, codes
and the codebook, and codings. Character offsets are always Unicode code-point
offsets into ``Document.text``, start inclusive and end exclusive, so that
``document.text[turn.start:turn.end] == turn.text``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

PathLike = Union[str, "os.PathLike[str]"]

#: The coder name that auto-coding writes under.
AUTO_CODER = "auto"
#: The coder name that reconciliation writes under.
CONSENSUS_CODER = "consensus"


@dataclass(frozen=True)
class Participant:
    """One interviewee, as the participants register describes them."""

    participant_id: str
    transcript: str = ""
    speaker: str = ""
    name: str = ""
    organisation: str = ""
    role: str = ""
    consent_quotes: bool = False
    consent_named: bool = False
    attribution: str = ""
    withdrawn: bool = False
    attributes: Mapping[str, str] = field(default_factory=dict)

    @property
    def quotable(self) -> bool:
        """True only if the participant consented to quotes and has not withdrawn."""
        return self.consent_quotes and not self.withdrawn


@dataclass(frozen=True, slots=True)
class Turn:
    """One speaker's uninterrupted contribution, with offsets into the document text."""

    index: int
    speaker: str
    text: str
    start: int
    end: int
    start_time: str | None = None


@dataclass(frozen=True)
class Document:
    """A transcript as read from disk: its plain text, turns and header metadata."""

    name: str
    text: str
    turns: tuple[Turn, ...]
    format: str = "txt"
    metadata: Mapping[str, str] = field(default_factory=dict)
    #: Things the reader was unsure of (a one-off label read as continuation text).
    warnings: tuple[str, ...] = ()
    #: The layout the reader recognised ("Teams transcript", "Zoom WebVTT"...).
    layout: str = ""


@dataclass(frozen=True)
class Segment:
    """A unit of coding: a turn, or part of a long turn, or a sentence."""

    segment_id: str
    document: str
    turn: int
    speaker: str
    participant_id: str | None
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Code:
    """One code of the codebook; ``parent`` is None for a top-level code."""

    id: str
    name: str
    parent: str | None = None
    description: str = ""
    include: str = ""
    exclude: str = ""
    keywords: tuple[str, ...] = ()
    exclude_keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    color: str | None = None
    codable: bool = True
    fuzzy: int | None = None
    #: Where the code was defined (YAML line or spreadsheet row), for messages.
    source_line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Codebook:
    """A named, versioned tree of codes, kept in document (pre-)order."""

    name: str
    version: str
    codes: tuple[Code, ...]

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def __contains__(self, code_id: object) -> bool:
        return any(c.id == code_id for c in self.codes)

    def get(self, code_id: str) -> Code:
        """Return the code with this id.

        Raises:
            UnknownCode: if the codebook has no such code.
        """
        for code in self.codes:
            if code.id == code_id:
                return code
        import difflib

        from mpsp_qual.core.errors import UnknownCode

        # A slip (capacity-constraint, Capacity constraints) is the usual cause: name the code.
        by_name = {c.name.casefold(): c.id for c in self.codes}
        close = difflib.get_close_matches(str(code_id), [c.id for c in self.codes], n=1, cutoff=0.6)
        if not close:
            named = difflib.get_close_matches(str(code_id).casefold(), list(by_name), n=1)
            close = [by_name[named[0]]] if named else []
        guess = f" (did you mean {close[0]!r}?)" if close else ""
        raise UnknownCode(
            f"the codebook has no code {code_id!r}{guess}; {{hint}} lists them.", hint="codes"
        )

    def children(self, code_id: str | None) -> list[Code]:
        """The direct children of a code (``None`` for the top-level codes)."""
        return [c for c in self.codes if c.parent == code_id]

    def roots(self) -> list[Code]:
        """The top-level codes."""
        return self.children(None)

    def descendants(self, code_id: str) -> list[Code]:
        """Every code below ``code_id``, depth first, not including itself."""
        out: list[Code] = []
        for child in self.children(code_id):
            out.append(child)
            out.extend(self.descendants(child.id))
        return out

    def ancestors(self, code_id: str) -> list[Code]:
        """The parent, grandparent, ... of a code, nearest first."""
        out: list[Code] = []
        parent = self.get(code_id).parent
        while parent is not None:
            code = self.get(parent)
            out.append(code)
            parent = code.parent
        return out

    def level(self, code_id: str) -> int:
        """1 for a top-level code, 2 for its children, and so on."""
        return len(self.ancestors(code_id)) + 1

    def codable(self) -> list[Code]:
        """The codes a coder may apply, in codebook order."""
        return [c for c in self.codes if c.codable]


@dataclass(frozen=True)
class Coding:
    """One coder's application of one code to one segment."""

    segment_id: str
    code: str
    coder: str
    evidence: Mapping[str, Any] | None = None
    memo: str = ""
