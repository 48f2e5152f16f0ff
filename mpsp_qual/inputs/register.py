"""The participants register: who each speaker is, their attributes and consent.

A CSV or XLSX file with one row per interviewee. Reserved columns are listed in
:data:`RESERVED`; ``participant_id`` is required and unique, and every other column
is an attribute (sector, region, ...). Consent columns take yes/no (also y/n,
true/false, 1/0); a blank consent means *no*, so that a missing answer never lets a
quote through.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mpsp_qual.core.columns import PARTICIPANT_COLUMNS
from mpsp_qual.core.errors import RegisterError
from mpsp_qual.core.model import Participant, PathLike

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
                frame = pd.read_csv(
                    path, dtype=str, keep_default_na=False, encoding="utf-8-sig", **_LINES
                )
            except UnicodeDecodeError:
                frame = pd.read_csv(
                    path, dtype=str, keep_default_na=False, encoding="cp1252", **_LINES
                )
        elif suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        else:
            raise RegisterError(f"{path.name}: a {what} must be a .csv or .xlsx file.")
    except pd.errors.EmptyDataError:
        raise RegisterError(f"{path.name} is empty; a {what} needs a header row.") from None
    except (ValueError, OSError) as exc:
        if isinstance(exc, RegisterError):
            raise
        raise RegisterError(f"{path.name} cannot be read as a {what} ({exc}).") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.fillna("").apply(lambda col: col.astype(str).str.strip())
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
        key = (transcript.casefold(), " ".join(speaker.split()).casefold())
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
