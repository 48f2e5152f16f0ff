"""Plain-text and Markdown transcripts: ``Speaker: text`` turns.

A line that opens with a speaker label (optionally after an ``[hh:mm:ss]``
timestamp, optionally in Markdown bold) starts a turn; every following line or
paragraph without a label belongs to that speaker. Lines before the first turn are
the document's metadata (a title, ``Date: ...``). Files that use QualCoder's
``[id1] text`` label style are read too. The same line parser serves ``.docx``
files, one paragraph per line.

Which ``Word:`` prefixes are speakers: a label the participants register names for
the file, a label that occurs at least twice, or any label when fewer than two
labels repeat (a short file). So "Honestly: it was hard." inside an answer stays
text. Header keys (``Date``, ``Title``...) are never speakers, except
``Participant`` and ``Interviewee``, which are speakers below the first turn and
header fields above it. Text is UTF-8 (with or without BOM), UTF-16 with a BOM, or
Windows-1252.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mpsp_qual.core.errors import TranscriptError
from mpsp_qual.core.model import Document, Turn

LABEL_RE = re.compile(
    r"""^[ \t]*
    (?:\[(?P<ts>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)\][ \t]*)?   # [00:12:31]
    (?:\*\*|__)?
    (?P<label>[^\W\d_][\w .'’()&-]{0,48}?)
    [ \t]*(?:\*\*|__)?[ \t]*:(?:\*\*|__)?
    (?:[ \t]+(?P<body>\S.*?))?[ \t]*$""",
    re.VERBOSE,
)
BRACKET_RE = re.compile(r"^[ \t]*\[(?P<label>[^\W\d_][^\]\n]{0,40})\][ \t]+(?P<body>\S.*?)[ \t]*$")
TIMESTAMP_ONLY_RE = re.compile(r"^\d{1,2}:\d{2}")

#: Labels that, before the first turn, are header fields rather than speakers.
METADATA_KEYS = frozenset(
    [
        "date",
        "title",
        "time",
        "location",
        "place",
        "duration",
        "interview",
        "interviewee",
        "interviewees",
        "participant",
        "participants",
        "project",
        "recorded",
        "recording",
        "transcribed",
        "transcriber",
        "transcript",
        "file",
        "notes",
        "note",
        "organisation",
        "organization",
        "site",
        "language",
        "version",
        "setting",
        "mode",
        "format",
    ]
)
#: Header fields that name a person: after the first turn they may be speaker labels
#: ("Interviewer: ..." / "Participant: ..." is a common anonymised transcript style).
PERSON_KEYS = frozenset(["interviewee", "participant"])
MAX_LABEL_WORDS = 5


def decode(path: Path, data: bytes) -> str:
    """Decode transcript bytes: UTF-8 (with or without BOM), else Windows-1252.

    Raises:
        TranscriptError: the file is empty or is not text.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Notepad's "Unicode" (UTF-16 with a BOM) is full of NUL bytes yet is text.
        text = data.decode("utf-16")
        if not text.strip():
            raise TranscriptError(
                f"{path.name} is empty; give a transcript with at least one turn."
            )
        return text.replace("\r\n", "\n").replace("\r", "\n")
    if not data.lstrip(b"\xef\xbb\xbf").strip():
        raise TranscriptError(f"{path.name} is empty; give a transcript with at least one turn.")
    if b"\x00" in data:
        raise TranscriptError(
            f"{path.name} is not a text file (it holds binary data); "
            "export the transcript as .txt, .docx, .vtt or .srt."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise TranscriptError(
                f"{path.name} is neither UTF-8 nor Windows-1252 text (byte {exc.start}); "
                "save it as UTF-8."
            ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(
    path: Path, *, speaker: str | None = None, known_speakers: frozenset[str] = frozenset()
) -> Document:
    """Read a ``.txt`` or ``.md`` transcript."""
    text = decode(path, path.read_bytes())
    fmt = path.suffix.lower().lstrip(".")
    return parse_lines(path.name, text, fmt=fmt, speaker=speaker, known_speakers=known_speakers)


@dataclass
class _Open:
    speaker: str
    start: int
    end: int
    start_time: str | None


def _line_spans(text: str) -> list[tuple[int, str]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, line))
        pos += len(line) + 1
    return spans


def _clean_label(label: str) -> str:
    return " ".join(label.replace("*", "").replace("_", " ").split())


def _candidates(lines: list[tuple[int, str]], pattern: re.Pattern[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for _, line in lines:
        m = pattern.match(line)
        if m:
            counts[_clean_label(m.group("label"))] += 1
    return counts


def parse_lines(
    name: str,
    text: str,
    *,
    fmt: str,
    speaker: str | None = None,
    known_speakers: frozenset[str] = frozenset(),
) -> Document:
    """Split text into turns at speaker labels; see the module docstring.

    Raises:
        TranscriptError: no speaker labels were found and no ``speaker`` was given.
    """
    lines = _line_spans(text)
    known = {s.casefold() for s in known_speakers}
    pattern = LABEL_RE
    counts = _candidates(lines, LABEL_RE)
    accepted = _accepted_labels(counts, known)
    if not accepted:
        bracket = _candidates(lines, BRACKET_RE)
        if _accepted_labels(bracket, known):
            pattern, counts = BRACKET_RE, bracket
            accepted = _accepted_labels(bracket, known)
    first_turn = _first_turn_line(lines, pattern, accepted)
    if first_turn is not None:
        # "Participant: P03" above the first turn is a header field; below it, a speaker.
        body = Counter({lab: n for lab, n in counts.items() if lab.casefold() not in PERSON_KEYS})
        for _, line in lines[first_turn + 1 :]:
            m = pattern.match(line)
            if m and _clean_label(m.group("label")).casefold() in PERSON_KEYS:
                body[_clean_label(m.group("label"))] += 1
        accepted = _accepted_labels(body, known, metadata_keys=METADATA_KEYS - PERSON_KEYS)

    # A label the register knows under a fuller or differently cased spelling ("Bob:",
    # "Bob Jones (FD):", "ZOË ÜNAL:") is that speaker, so their words are never
    # silently added to someone else's turn.
    canonical = {label: _register_spelling(label, known_speakers) for label in counts}
    accepted |= {label for label, spelling in canonical.items() if spelling}
    warnings: list[str] = []

    metadata: dict[str, str] = {}
    turns: list[Turn] = []
    current: _Open | None = None

    def close() -> None:
        nonlocal current
        if current is not None and current.end > current.start:
            turns.append(
                Turn(
                    index=len(turns),
                    speaker=current.speaker,
                    text=text[current.start : current.end],
                    start=current.start,
                    end=current.end,
                    start_time=current.start_time,
                )
            )
        current = None

    if not accepted:
        if not speaker:
            raise TranscriptError(
                f'{name} has no speaker labels; expected lines like "Name: text" '
                "(or pass --speaker NAME to say who speaks)."
            )
        body = [(pos, line) for pos, line in lines if line.strip()]
        first, last = body[0], body[-1]
        start = first[0] + (len(first[1]) - len(first[1].lstrip()))
        end = last[0] + len(last[1].rstrip())
        turn = Turn(0, speaker, text[start:end], start, end, None)
        return Document(name=name, text=text, turns=(turn,), format=fmt, metadata={})

    for number, (pos, line) in enumerate(lines):
        m = pattern.match(line)
        label = _clean_label(m.group("label")) if m else None
        header = (
            first_turn is not None
            and number < first_turn
            and label is not None
            and label.casefold() in PERSON_KEYS
            and label.casefold() not in known
        )
        if m and label in accepted and not header:
            close()
            who = canonical.get(label) or label
            body = m.group("body")
            if body:
                start = pos + m.start("body")
                current = _Open(who, start, start + len(body), _timestamp(m))
            else:
                current = _Open(who, -1, -1, _timestamp(m))
            continue
        stripped = line.strip()
        if not stripped:
            continue
        if current is None:
            _add_metadata(metadata, stripped)
            continue
        if m and label and label.casefold() not in METADATA_KEYS and len(label.split()) <= 3:
            warnings.append(
                f"{name}, line {number + 1}: {label!r} looks like a speaker label but appears "
                f"only once, so it was read as part of {current.speaker}'s turn; if {label} "
                "speaks there, add them to the register or fix the label."
            )
        lead = len(line) - len(line.lstrip())
        if current.start < 0:
            current.start = pos + lead
        current.end = pos + len(line.rstrip())
    close()
    if not turns:
        raise TranscriptError(f"{name} has speaker labels but no text after them.")
    return Document(
        name=name,
        text=text,
        turns=tuple(turns),
        format=fmt,
        metadata=metadata,
        warnings=tuple(warnings),
    )


def _register_spelling(label: str, known_speakers: frozenset[str]) -> str | None:
    """The register's spelling of the speaker ``label`` names, if exactly one fits.

    A label fits a speaker when it is the same name in any case, the name followed by a
    parenthesis ("Bob Jones (FD)"), or only the first or last word of the name.
    """
    if not known_speakers:
        return None
    bare = " ".join(re.sub(r"\([^)]*\)", " ", label).split()).casefold()
    if not bare:
        return None
    exact = [k for k in known_speakers if " ".join(k.split()).casefold() == bare]
    if exact:
        return exact[0]
    if " " in bare:
        return None
    partial = [
        k for k in known_speakers if bare in (k.split()[0].casefold(), k.split()[-1].casefold())
    ]
    return partial[0] if len(partial) == 1 else None


def _timestamp(m: re.Match[str]) -> str | None:
    ts = m.groupdict().get("ts")
    return ts.replace(",", ".") if ts else None


def _first_turn_line(
    lines: list[tuple[int, str]], pattern: re.Pattern[str], accepted: set[str]
) -> int | None:
    for number, (_, line) in enumerate(lines):
        m = pattern.match(line)
        if m and _clean_label(m.group("label")) in accepted:
            return number
    return None


def _accepted_labels(
    counts: Counter[str], known: set[str], *, metadata_keys: frozenset[str] = METADATA_KEYS
) -> set[str]:
    """Labels taken as speakers: known ones, repeated ones, or any in a short file."""
    out = set()
    repeated = [lab for lab, n in counts.items() if n >= 2 and lab.casefold() not in metadata_keys]
    for label, n in counts.items():
        if n == 0 or len(label.split()) > MAX_LABEL_WORDS or TIMESTAMP_ONLY_RE.match(label):
            continue
        folded = label.casefold()
        if folded in known or (folded not in metadata_keys and (n >= 2 or len(repeated) < 2)):
            out.add(label)
    return out


def _add_metadata(metadata: dict[str, str], line: str) -> None:
    line = line.lstrip("#").strip().strip("*_").strip()
    key, sep, value = line.partition(":")
    if sep and key.strip().casefold() in METADATA_KEYS and value.strip():
        metadata[key.strip().lower()] = value.strip()
    elif "title" not in metadata:
        metadata["title"] = line
    else:
        metadata.setdefault("notes", "")
        metadata["notes"] = (metadata["notes"] + "\n" + line).strip()
