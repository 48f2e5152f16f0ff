"""The participants register: who each speaker is, their attributes and consent.

A CSV or XLSX file with one row per interviewee. Reserved columns are listed in
:data:`RESERVED`; ``participant_id`` is required and unique, and every other column
is an attribute (sector, region, ...). Consent columns take yes/no (also y/n,
true/false, 1/0); a blank consent means *no*, so that a missing answer never lets a
quote through. Text is decoded by the transcripts' rule
(:mod:`mpsp_qual.inputs.decoding`) and put in Unicode NFC.

Speaker labels are matched to the register's ``speaker`` column in Python by
:func:`match_speaker`: NFC, full case folding (``str.casefold``, so ``ZOË`` is
``zoë``), a trailing bracket such as ``(she/her)`` or ``(Guest)`` ignored, and
``Surname, First`` (Teams) or ``Name, Organisation`` / ``Name | Team`` (Zoom) read as
the name. A label that matches no row but is close to one is reported by
:func:`near_speaker`, never matched.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from mpsp_qual.core.columns import PARTICIPANT_COLUMNS
from mpsp_qual.core.errors import RegisterError
from mpsp_qual.core.limits import check_zip
from mpsp_qual.core.model import Participant, PathLike
from mpsp_qual.inputs.decoding import DecodeProblem, decode_bytes

RESERVED = tuple(PARTICIPANT_COLUMNS)
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}
BOOLEAN = ("consent_quotes", "consent_named", "withdrawn")
#: Columns only a participants register has (a survey has participant_id too).
REGISTER_ONLY = (
    "transcript",
    "speaker",
    "consent_quotes",
    "consent_named",
    "attribution",
    "withdrawn",
)


def register_columns(columns) -> list[str]:
    """The register's own columns among ``columns`` when there are two or more, else [].

    Two of them mark a file given as something else (a codebook, a survey) as a
    participants register, so that the message can say so instead of listing its
    columns as unknown.
    """
    found = [c for c in REGISTER_ONLY if c in {str(x).strip().lower() for x in columns}]
    return found if len(found) >= 2 else []


def read_table(path: Path, *, what: str) -> pd.DataFrame:
    """Read a CSV (UTF-8 or Windows-1252) or XLSX file as a table of stripped strings.

    Raises:
        RegisterError: the file is missing, empty or of another kind.
    """
    if not path.is_file():
        raise RegisterError(f"{path}: no such file.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            try:
                text = decode_bytes(path.read_bytes())
            except DecodeProblem as exc:
                raise RegisterError(f"{path.name}, {exc}.") from None
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, **_LINES)
        elif suffix in (".xlsx", ".xlsm"):
            check_zip(path, kind="workbook")
            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        else:
            raise RegisterError(f"{path.name}: a {what} must be a .csv or .xlsx file.")
    except pd.errors.EmptyDataError:
        raise RegisterError(f"{path.name} is empty; a {what} needs a header row.") from None
    except (ValueError, OSError, KeyError, zipfile.BadZipFile) as exc:
        # openpyxl reports a zip that is no workbook as a KeyError.
        if isinstance(exc, RegisterError):
            raise
        raise RegisterError(
            f"{path.name} cannot be read as a {what} ({type(exc).__name__}: {exc}); "
            "save it again as .xlsx or .csv."
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.fillna("").apply(
        lambda col: col.astype(str).str.strip().map(lambda v: unicodedata.normalize("NFC", v))
    )
    # Index rows by their number in the spreadsheet (the header is row 1), then drop the
    # wholly blank ones (blank lines, or the ",,,," rows Excel leaves), so that messages
    # name the row a user sees.
    frame.index = range(2, len(frame) + 2)
    return frame[(frame != "").any(axis=1)]


#: Keep blank lines, so that row numbers match the file's.
_LINES = {"skip_blank_lines": False}


def _flag(value: str, *, path: Path, row: int, column: str) -> bool:
    folded = value.strip().casefold()
    if folded in YES:
        return True
    if folded in NO:
        return False
    raise RegisterError(f'{path.name}, row {row}: column {column} holds "{value}"; use yes or no.')


def read_register(path: PathLike) -> list[Participant]:
    """Read a participants register.

    Raises:
        RegisterError: no ``participant_id`` column, a blank or duplicate id, a
            (transcript, speaker) pair given twice, or a consent cell that is not yes/no.
    """
    p = Path(path)
    frame = read_table(p, what="participants register")
    lower = {c.casefold(): c for c in frame.columns}
    if "participant_id" not in lower:
        raise RegisterError(
            f"{p.name} has no participant_id column; add one with a unique id per interviewee."
        )
    frame = frame.rename(columns={lower[c]: c for c in RESERVED if c in lower})
    seen: dict[str, int] = {}
    seen_speaker: dict[tuple[str, str], int] = {}
    participants = []
    if frame.empty:
        raise RegisterError(
            f"{p.name} has a header but no participants; add one row per interviewee."
        )
    for row, record in zip(frame.index, frame.to_dict("records")):
        pid = record["participant_id"]
        if not pid:
            raise RegisterError(
                f"{p.name}, row {row}: participant_id is blank; give every row an id."
            )
        if pid in seen:
            raise RegisterError(
                f"{p.name}, row {row}: participant_id {pid} is used again (first on row {seen[pid]}); "
                "ids must be unique."
            )
        seen[pid] = row
        transcript, speaker = record.get("transcript", ""), record.get("speaker", "")
        # Speakers are matched to transcripts ignoring case, so "Ann" and "ann" clash.
        key = (transcript.casefold(), speaker_key(speaker))
        if all(key):
            if key in seen_speaker:
                raise RegisterError(
                    f"{p.name}, row {row}: speaker {speaker!r} in {transcript} is already participant "
                    f"on row {seen_speaker[key]}; give each speaker one row."
                )
            seen_speaker[key] = row
        flags = {c: _flag(record.get(c, ""), path=p, row=row, column=c) for c in BOOLEAN}
        attributes = {k: v for k, v in record.items() if k not in RESERVED}
        participants.append(
            Participant(
                participant_id=pid,
                transcript=record.get("transcript", ""),
                speaker=record.get("speaker", ""),
                name=record.get("name", ""),
                organisation=record.get("organisation", ""),
                role=record.get("role", ""),
                attribution=record.get("attribution", ""),
                attributes=attributes,
                **flags,
            )
        )
    return participants


_TRAILING_BRACKET = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")


def speaker_key(label: str) -> str:
    """A label as it is compared: NFC, case-folded, spaces collapsed, trailing brackets off.

    >>> speaker_key("ZOE\u0308  U\u0308nal (she/her)")
    'zoë ünal'
    """
    text = unicodedata.normalize("NFC", label)
    while True:
        stripped = _TRAILING_BRACKET.sub("", text)
        if stripped == text or not stripped.strip():
            break
        text = stripped
    return " ".join(text.split()).casefold()


def _variants(label: str) -> list[str]:
    """The ways a label may spell a name: whole, ``First Surname`` from ``Surname, First``,
    and the name before ``, Organisation`` or ``| Team``."""
    key = speaker_key(label)
    out = [key]
    if "|" in key:
        out.append(speaker_key(key.split("|", 1)[0]))
    head, comma, tail = key.partition(",")
    if comma and "," not in tail:
        if len(head.split()) <= 2 and 1 <= len(tail.split()) <= 2:
            out.append(speaker_key(f"{tail} {head}"))
        out.append(speaker_key(head))
    return [v for v in dict.fromkeys(out) if v]


def match_speaker(label: str, speakers: Iterable[str]) -> str | None:
    """The register's spelling of the speaker ``label`` names, if exactly one fits.

    A label fits a register speaker when their :func:`speaker_key` is equal; else when
    one of the label's readings (``Surname, First`` as ``First Surname``, the name
    before ``, Organisation`` or ``| Team``) equals one of the speaker's; else, for a
    one-word label, when it is the first or last word of exactly one speaker's name.

    >>> match_speaker("Ünal, Zoë", ["Zoë Ünal", "Dana Reid"])
    'Zoë Ünal'
    """
    speakers = list(dict.fromkeys(speakers))
    key = speaker_key(label)
    if not key:
        return None
    exact = [s for s in speakers if speaker_key(s) == key]
    if len(exact) == 1:
        return exact[0]
    if exact:
        return None
    mine = set(_variants(label))
    fits = [s for s in speakers if mine & set(_variants(s))]
    if len(fits) == 1:
        return fits[0]
    if fits or " " in key:
        return None
    partial = [s for s in speakers if speaker_key(s).split() and key in _ends(speaker_key(s))]
    return partial[0] if len(partial) == 1 else None


def _ends(key: str) -> tuple[str, str]:
    words = key.split()
    return words[0], words[-1]


def near_speaker(label: str, speakers: Iterable[str], *, cutoff: float = 80) -> str | None:
    """A register speaker whose name is close to ``label`` (a typo), for a warning."""
    best, best_score = None, cutoff
    for speaker in speakers:
        for a in _variants(label):
            for b in _variants(speaker):
                if re.findall(r"\d+", a) != re.findall(r"\d+", b):
                    continue  # "Speaker 1" is not a typo of "Speaker 2"
                # Accents dropped, so that "Zoe Unal" is close to "Zoë Ünal".
                score = fuzz.ratio(_unaccented(a), _unaccented(b), processor=default_process)
                if score >= best_score:
                    best, best_score = speaker, score
    return best


def _unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
