"""The participants service: the register, who speaks in which transcript, and consent.

:class:`ParticipantsService` is what :class:`~mpsp_qual.app.project.Project` delegates
its register API to: loading (or updating) the register, where a withdrawal is never
undone and a known speaker never takes a new id, the warnings for rows that match no
imported speaker, and the register read back as a DataFrame or as
:class:`~mpsp_qual.core.model.Participant` objects (columns :data:`PARTICIPANT_COLUMNS`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from mpsp_qual.core.columns import PARTICIPANT_COLUMNS
from mpsp_qual.core.errors import RegisterError, UnknownParticipant
from mpsp_qual.core.model import Participant, PathLike
from mpsp_qual.inputs.register import match_speaker, read_register, speaker_key
from mpsp_qual.store.db import Store
from mpsp_qual.store.speakers import document_speakers, relabel

__all__ = ["PARTICIPANT_COLUMNS", "ParticipantsService"]


def _key(transcript: str, speaker: str) -> tuple[str, str]:
    return " ".join(transcript.split()).casefold(), " ".join(speaker.split()).casefold()


class ParticipantsService:
    """The register of one project's store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def load_register(self, path: PathLike) -> list[str]:
        """Load (or update) the participants register; returns warnings.

        A participant once withdrawn stays withdrawn, whatever a later register says.

        Raises:
            RegisterError: the register is malformed.
        """
        people = read_register(path)
        with self.store.transaction():
            self.save(people, source=str(path))
        return self.warnings(Path(path).name)

    def save(self, people: Sequence[Participant], *, source: str) -> None:
        """Upsert the register's rows.

        Raises:
            RegisterError: a row gives a speaker that the project already knows under
                another participant id (that would undo a withdrawal or a refusal).
        """
        repo = self.store.participants
        known = {_key(t, s): pid for pid, t, s in repo.speaker_ids() if t and s}
        for row, person in enumerate(people, start=2):
            key = _key(person.transcript, person.speaker)
            other = known.get(key)
            if all(key) and other is not None and other != person.participant_id:
                raise RegisterError(
                    f"{Path(source).name}, row {row}: speaker {person.speaker!r} in "
                    f"{person.transcript} is already participant {other} in this project; "
                    f"keep the id {other} (a register may not give a speaker a new id)."
                )
        before = repo.snapshot()
        repo.upsert(people)
        if repo.snapshot() != before:
            self.store.audit("register", {"file": source, "participants": len(people)})
        self._link_speakers(people, source=source)

    def _link_speakers(self, people: Sequence[Participant], *, source: str) -> None:
        """Write imported labels that name a register speaker in the register's spelling.

        ``Zoë Ünal (she/her)`` or ``Ünal, Zoë`` in a transcript imported before the
        register is then that participant's, as it is when the register comes first.
        """
        docs = {name.casefold(): ids for name, ids in document_speakers(self.store).items()}
        wanted: dict[str, set[str]] = {}
        for person in people:
            if person.transcript and person.speaker:
                wanted.setdefault(person.transcript.casefold(), set()).add(person.speaker)
        changed = []
        for transcript, speakers in wanted.items():
            if transcript not in docs:
                continue
            doc_id, labels = docs[transcript]
            for label in sorted(labels):
                spelling = match_speaker(label, speakers)
                if spelling and spelling != label:
                    relabel(self.store, doc_id, label, spelling)
                    changed.append(f"{label} = {spelling}")
        if changed:
            self.store.audit("relabel", {"file": source, "labels": changed})

    def warnings(self, register_name: str) -> list[str]:
        """Rows that name a transcript not imported, or a speaker who never speaks."""
        spoken = {
            name.casefold(): {speaker_key(s) for s in labels}
            for name, (_, labels) in document_speakers(self.store).items()
        }
        docs = {name.casefold() for name in self.store.documents.names()}
        warnings = []
        for pid, transcript, speaker in self.store.participants.speaker_ids():
            if not transcript:
                continue
            if transcript.casefold() not in docs:
                warnings.append(
                    f"{register_name}: participant {pid} names transcript {transcript}, "
                    "which is not imported; import it, or fix the file name in the register."
                )
                continue
            if speaker and speaker_key(speaker) not in spoken.get(transcript.casefold(), set()):
                warnings.append(
                    f"{register_name}: participant {pid} is speaker {speaker!r}, who never speaks "
                    f"in {transcript}; check the label."
                )
        return warnings

    def participants(self, *, include_withdrawn: bool = True) -> pd.DataFrame:
        """The register: the reserved columns (consent as booleans), then one per attribute."""
        rows = []
        for r in self.store.participants.rows(include_withdrawn=include_withdrawn):
            row = {c: r[c] for c in PARTICIPANT_COLUMNS}
            for c in ("consent_quotes", "consent_named", "withdrawn"):
                row[c] = bool(row[c])
            row.update(json.loads(r["attributes"]))
            rows.append(row)
        return pd.DataFrame(rows, columns=None if rows else PARTICIPANT_COLUMNS)

    def participant(self, participant_id: str) -> Participant:
        """One participant.

        Raises:
            UnknownParticipant: no such id in the register.
        """
        person = self.store.participants.get(participant_id)
        if person is None:
            raise UnknownParticipant(
                f"no participant {participant_id!r} in the register; {{hint}} lists them.",
                hint="participants",
            )
        return person

    def participant_objects(self) -> dict[str, Participant]:
        """Every participant by id."""
        return self.store.participants.objects()

    def known_speakers(self, people: Sequence[Participant] | None) -> dict[str, frozenset[str]]:
        """The registered speaker labels of each transcript (by case-folded file name)."""
        pairs = (
            [(p.transcript, p.speaker) for p in people]
            if people is not None
            else [(t, s) for _, t, s in self.store.participants.speaker_ids()]
        )
        known: dict[str, set[str]] = {}
        for transcript, speaker in pairs:
            if transcript and speaker:
                known.setdefault(transcript.casefold(), set()).add(speaker)
        return {k: frozenset(v) for k, v in known.items()}
