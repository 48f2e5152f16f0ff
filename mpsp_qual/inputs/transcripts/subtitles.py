"""WebVTT and SubRip transcripts: timed cues with speaker names.

Speakers come from WebVTT voice tags (``<v Name>``, closed or not; Teams, Stream and
OneDrive write ``<v Surname, First>`` under GUID cue ids) or a ``Name:`` prefix (Zoom
writes ``Display Name: text``, display names carrying ``(she/her)``, ``(Guest)``,
``, Organisation`` or `` | Team``, all kept as part of the name). Prefixes are taken by
the same rule as plain text: a label that recurs, one the register names, or a
one-off that looks like a name (which with a register naming other speakers is a
refusal, never a silent continuation). A cue with neither continues the previous
speaker; consecutive cues of one speaker merge into one turn that keeps the first
cue's start time. HTML entities are decoded in names and text (``Zo&#235;`` is
``Zoë``); old Teams times such as ``0:1:2.110`` and a negative first start
(``0:0:-6.-820``, read as ``00:00:00``) are accepted.

We parse cues ourselves rather than with webvtt-py because webvtt-py silently drops
a cue whose timestamp is malformed; a transcript must never lose words without the
user being told which line to fix.
"""

from __future__ import annotations

import html
import re
import shlex
import unicodedata
from collections import Counter
from pathlib import Path

from mpsp_qual.core.errors import TranscriptError
from mpsp_qual.core.model import Document
from mpsp_qual.inputs.register import match_speaker
from mpsp_qual.inputs.transcripts.build import Found, Utterance, build_document, norm_time
from mpsp_qual.inputs.transcripts.labels import COVER_KEYS, MAX_LABEL_WORDS, name_like
from mpsp_qual.inputs.transcripts.source import decode

TIME = r"(?:(-?\d{1,3}):)?(-?\d{1,2}):(-?\d{1,2})[.,](-?\d{1,3})"
TIMING_RE = re.compile(rf"^\s*{TIME}\s*-->\s*{TIME}(?:\s+.*)?$")
VOICE_RE = re.compile(r"<v(?:\.[^\s>]+)*(?:\s+([^>]*))?>", re.IGNORECASE)
TAG_RE = re.compile(r"</?[^>]+>")
PREFIX_RE = re.compile(r"^\s*([^\W\d_][\w .'’()&/,|+-]{0,78}?)\s*:\s+(\S.*)$", re.DOTALL)
#: The speaker of cues before the first one with a name.
UNNAMED = "Unnamed speaker"
GUID_ID_RE = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/\d+-\d+$", re.I
)


def _format_time(groups: tuple[str | None, ...]) -> str:
    h, m, sec, frac = groups
    return norm_time(f"{h or 0}:{m}:{sec}.{frac or 0}") or "00:00:00"


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks, each with its 1-based first line number."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


Cue = tuple[str, "str | None", str, int]  # start time, speaker, text, first line


def _cues(path: Path, text: str, *, vtt: bool) -> tuple[list[Cue], bool]:
    """Every cue with text, in file order, and whether the cue ids are Teams' GUIDs."""
    cues: list[Cue] = []
    guids = False
    blocks = _blocks(text)
    if vtt:
        if not blocks or not blocks[0][1][0].lstrip("\ufeff").startswith("WEBVTT"):
            raise TranscriptError(f'{path.name}, line 1: a WebVTT file must start with "WEBVTT".')
        blocks = blocks[1:]
    for first_line, lines in blocks:
        if vtt and lines[0].split(" ", 1)[0] in {"NOTE", "STYLE", "REGION"}:
            continue
        timing_at = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
        if timing_at is None:
            raise TranscriptError(
                f"{path.name}, line {first_line}: cue has no timing line; "
                'expected "00:00:01.000 --> 00:00:04.000".'
            )
        if timing_at == 1 and GUID_ID_RE.match(lines[0].strip()):
            guids = True
        timing = lines[timing_at]
        m = TIMING_RE.match(timing)
        if not m:
            raise TranscriptError(
                f"{path.name}, line {first_line + timing_at}: broken timestamp {timing.strip()!r}; "
                'expected "hh:mm:ss.ttt --> hh:mm:ss.ttt".'
            )
        payload = " ".join(line.strip() for line in lines[timing_at + 1 :])
        speaker = None
        voice = VOICE_RE.search(payload)
        if voice and voice.group(1):
            speaker = _decoded(voice.group(1))
        body = _decoded(TAG_RE.sub("", payload))
        if body:
            cues.append((_format_time(m.groups()[:4]), speaker, body, first_line + timing_at + 1))
    return cues, guids


def _decoded(text: str) -> str:
    """Entities decoded (twice-encoded ``&amp;#235;`` too), NFC, spaces collapsed."""
    for _ in range(2):
        text = html.unescape(text)
    return " ".join(unicodedata.normalize("NFC", text.replace("\u00a0", " ")).split())


def _prefix(body: str) -> tuple[str, str] | None:
    prefixed = PREFIX_RE.match(body)
    if prefixed and len(prefixed.group(1).split()) <= MAX_LABEL_WORDS:
        label = " ".join(prefixed.group(1).split())
        if label.casefold() not in COVER_KEYS:
            return label, prefixed.group(2).strip()
    return None


def _apply_prefixes(
    name: str, cues: list[Cue], known: frozenset[str], warnings: list[str]
) -> list[Cue]:
    """Take ``Name: text`` prefixes as speakers by the same rule as plain text.

    A prefix that occurs once ("Honestly: it was hard.") while other speakers recur is
    part of what was said, unless it looks like a name; then it is a speaker (with a
    warning), or, when the register names other speakers for the file, a refusal.
    """
    counts: Counter[str] = Counter()
    for _, who, body, _ in cues:
        if who is not None:
            counts[who] += 1
        elif (prefixed := _prefix(body)) is not None:
            counts[prefixed[0]] += 1
    repeated = [lab for lab, n in counts.items() if n >= 2]
    out: list[Cue] = []
    previous = None
    for start_time, who, body, line in cues:
        if who is None and (prefixed := _prefix(body)) is not None:
            label = prefixed[0]
            is_known = bool(known) and match_speaker(label, known) is not None
            if counts[label] >= 2 or len(repeated) < 2 or is_known:
                who, body = prefixed
            elif name_like(label) and len(label.split()) <= 4:
                if known:
                    raise TranscriptError(
                        f"{name}, line {line}: {label!r} looks like a speaker label but is not "
                        "one the register names for this file "
                        f"({', '.join(sorted(known))}) and occurs only once; if {label} speaks "
                        "there, add them to the register, and if the words are "
                        f"{previous}'s, remove the {label + ':'!r}."
                    )
                warnings.append(
                    f"{name}, line {line}: {label!r} occurs only once as a speaker label, so it "
                    f"was read as a speaker of its own; if the words are {previous}'s, remove "
                    f"the {label + ':'!r}."
                )
                who, body = prefixed
        previous = who or previous
        out.append((start_time, who, body, line))
    return out


def read_cues(
    path: Path,
    text: str,
    *,
    vtt: bool,
    fmt: str,
    speaker: str | None = None,
    known_speakers: frozenset[str] = frozenset(),
) -> Document:
    """Cue text (already decoded) into a Document; see the module docstring.

    Raises:
        TranscriptError: not WebVTT, a broken timestamp (with its line), or no speakers.
    """
    cues, guids = _cues(path, text, vtt=vtt)
    if not cues:
        raise TranscriptError(
            f"{path.name} has no cues with text; check that it is the transcript, not an empty "
            "caption file."
        )
    found = Found()
    voices = any(who is not None for _, who, _, _ in cues)
    cues = _apply_prefixes(path.name, cues, known_speakers, found.warnings)
    if all(who is None for _, who, _, _ in cues) and not speaker:
        tags = "<v Name> voice tags or " if vtt else ""
        raise TranscriptError(
            f"{path.name} has no speaker labels; expected {tags}"
            '"Name: text" cues (if one person speaks throughout, say who with {hint}).',
            hint=f"import {shlex.quote(path.name)} --speaker NAME",
        )
    previous = speaker
    for start_time, who, body, line in cues:
        if not who and not previous:
            found.warnings.append(
                f"{path.name}, line {line}: the cues before the first speaker name have none; "
                f"their words are kept under {UNNAMED!r}, who is never coded or quoted."
            )
        who = who or previous or UNNAMED
        previous = who
        found.utterances.append(Utterance(who, start_time, body, line, joiner=" "))
    if guids or (voices and any("," in (who or "") for _, who, _, _ in cues)):
        layout = "Teams WebVTT transcript"
    elif voices:
        layout = "WebVTT transcript"
    elif vtt:
        layout = "Zoom WebVTT transcript"
    else:
        layout = "SubRip transcript"
    return build_document(path.name, found, fmt=fmt, layout=layout, known_speakers=known_speakers)


def read_vtt(
    path: Path, *, speaker: str | None = None, known_speakers: frozenset[str] = frozenset()
) -> Document:
    """Read a WebVTT transcript.

    Raises:
        TranscriptError: not WebVTT, a broken timestamp (with its line), or no speakers.
    """
    text = decode(path, path.read_bytes())
    return read_cues(
        path, text, vtt=True, fmt="vtt", speaker=speaker, known_speakers=known_speakers
    )


def read_srt(
    path: Path, *, speaker: str | None = None, known_speakers: frozenset[str] = frozenset()
) -> Document:
    """Read a SubRip transcript.

    Raises:
        TranscriptError: a broken timestamp (with its line), or no speakers.
    """
    text = decode(path, path.read_bytes())
    return read_cues(
        path, text, vtt=False, fmt="srt", speaker=speaker, known_speakers=known_speakers
    )
