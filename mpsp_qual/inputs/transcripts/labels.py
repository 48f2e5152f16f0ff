"""What a speaker label, a time mark and page furniture look like, named once.

Shared by the line readers (``lines.py``) and the cue readers (``subtitles.py``):
:func:`name_like` decides whether a label could be a person's name (so that a one-off
``Honestly:`` is speech, but a one-off ``Bo Li:`` is a speaker); :data:`FURNITURE`
lists the lines tools write that are not speech (Teams' ``started transcription``,
Otter's and Rev's footers, Meet's ``Meeting ended after``, end-of-recording notes),
each with the metadata key it goes under; :data:`COVER_KEYS` and
:data:`PERSON_KEYS` are the fields of a typist's cover sheet.
"""

from __future__ import annotations

import re

#: ``Key:`` labels that are fields of a cover sheet or header, never speakers.
COVER_KEYS = frozenset(
    [
        "date",
        "date of interview",
        "interview date",
        "title",
        "time",
        "location",
        "place",
        "duration",
        "length",
        "interview",
        "interviewees",
        "participants",
        "project",
        "study",
        "recorded",
        "recording",
        "transcribed",
        "transcribed by",
        "transcriber",
        "transcript",
        "transcription",
        "file",
        "file name",
        "audio file",
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
        "attendees",
        "keywords",
        "summary keywords",
    ]
)
#: Cover-sheet fields that name a person; below the cover they are speaker labels
#: ("Interviewer: ..." / "Participant: ..." is a common anonymised style).
PERSON_KEYS = frozenset(
    ["interviewer", "interviewee", "participant", "respondent", "moderator", "facilitator"]
)
#: Capitalised words that open a sentence with a colon ("Honestly: it was hard.") and
#: are not names; a one-off ``Word:`` line with one of these is speech.
NOT_NAMES = frozenset(
    [
        "honestly",
        "basically",
        "well",
        "so",
        "yes",
        "no",
        "yeah",
        "okay",
        "ok",
        "right",
        "look",
        "listen",
        "actually",
        "anyway",
        "example",
        "answer",
        "question",
        "thanks",
        "sorry",
        "exactly",
        "absolutely",
        "definitely",
        "because",
        "also",
        "but",
        "and",
        "then",
        "first",
        "second",
        "third",
        "finally",
        "obviously",
        "frankly",
        "seriously",
        "again",
        "sure",
        "really",
        "oh",
        "um",
        "er",
        "erm",
        "hmm",
        "like",
        "now",
        "here",
        "there",
        "result",
        "problem",
        "point",
        "thing",
        "quote",
        "plus",
        "warning",
        "important",
        "remember",
        "update",
        "edit",
        "edited",
        "agenda",
        "action",
        "actions",
        "summary",
        "details",
        "overall",
        "conclusion",
        "background",
        "context",
        "reason",
        "reasons",
    ]
)
PARTICLES = frozenset(
    [
        "de",
        "da",
        "di",
        "del",
        "della",
        "van",
        "von",
        "der",
        "den",
        "du",
        "la",
        "le",
        "al",
        "el",
        "bin",
        "ibn",
        "ap",
        "of",
        "y",
        "dos",
        "das",
        "st",
    ]
)
MAX_LABEL_WORDS = 5

TIME = r"-?\d{1,3}:-?\d{1,2}(?::-?\d{1,2})?(?:[.,]-?\d{1,3})?"
#: A line that is only a time mark: Meet's ``00:05:00``, a typist's ``[00:10:00]``.
TIME_LINE_RE = re.compile(rf"^[ \t]*\[?(?P<ts>{TIME})\]?[ \t]*$")
#: A time mark inside text: ``[00:01:00]`` (Descript), aTrain's ``[00:00:04] - ``.
INLINE_TIME_RE = re.compile(rf"[ \t]*\[(?P<ts>{TIME})\](?:[ \t]+-(?=[ \t]))?[ \t]*")

FURNITURE: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), key)
    for pattern, key in [
        (r"^.{1,80}? (?:started|stopped) transcription\.?$", "transcription"),
        (r"^transcribed by https?://otter\.ai/?$", "transcribed by"),
        (r"^transcript by rev\.com$", "transcribed by"),
        (r"^.{0,120}\(completed\s+\d{1,2}/\d{1,2}/\d{2,4}\)(?:\s+page \d+ of \d+)?$", "page"),
        (r"^page \d+(?: of \d+)?$", "page"),
        (r"^this transcript was exported on .*$", "page"),
        (r"^(?:meeting|transcription|recording) ended after .*$", "ended"),
        (r"^this editable transcript was computer generated.*$", "disclaimer"),
        (r"^you should review gemini's notes.*$", "disclaimer"),
        (r"^please provide feedback about using gemini.*$", "disclaimer"),
        (
            r"^[\[(]?(?:end of (?:the )?(?:recording|transcript|transcription|interview|tape|audio)"
            r"|recording (?:ends|ended|stopped|stops)|end)[\])]?\.?$",
            "end note",
        ),
    ]
)
#: A line after which the transcript proper starts (Meet, Notes by Gemini).
TRANSCRIPT_START_RE = re.compile(r"^(?:\W{0,3}\s*transcript|.{1,200} - transcript)$", re.I)


def furniture(line: str) -> str | None:
    """The metadata key of a line that tools write around speech, or None."""
    if len(line) > 240:
        return None
    text = line.strip()
    if not text:
        return None
    for pattern, key in FURNITURE:
        if pattern.match(text):
            return key
    return None


def clean_label(label: str) -> str:
    """A label with Markdown emphasis off and spaces collapsed."""
    return " ".join(label.replace("**", "").replace("__", " ").split())


def name_like(label: str) -> bool:
    """Whether ``label`` could be a speaker's name or role as transcripts write them.

    Words start with a capital (``Dana Reid``, ``SPEAKER 1``, ``Respondent 2``) or are a
    particle (``de``, ``van``) or have a capital inside (``deGrasse``); anything in
    brackets, and after a comma or ``|`` (``(she/her)``, ``, Ashcombe Trust``), is free.
    One-word discourse openers such as ``Honestly`` are not names.
    """
    core = re.sub(r"[(\[][^()\[\]]*[)\]]", " ", label)
    core = re.split(r"[,|/]", core, maxsplit=1)[0]
    words = core.split()
    if not words or len(words) > MAX_LABEL_WORDS or len(label) > 80:
        return False
    if len(words) == 1 and words[0].casefold().strip(".") in NOT_NAMES:
        return False
    for word in words:
        w = word.strip("'’\"")
        if not w or w[-1] in "?!;":
            return False
        if w.endswith(".") and len(w) > 4:
            return False
        first = w[0]
        # Capitalised, or a letter of a script without case (王芳), or a number.
        if (first.isalpha() and not first.islower()) or first.isdigit():
            continue
        if w.casefold() in PARTICLES:
            continue
        if any(c.isupper() for c in w[1:]):
            continue
        return False
    return True
