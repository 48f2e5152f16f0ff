"""The participants register: who speaks in which transcript, and their consent.

:class:`ParticipantsMixin` gives :class:`~mpsp_qual.app.project.Project` its register API:
loading (or updating) the register, where a withdrawal is never undone and a known
speaker never takes a new id, the warnings for rows that match no imported speaker,
and the register read back as a DataFrame or as :class:`~mpsp_qual.core.model.Participant`
objects (columns :data:`PARTICIPANT_COLUMNS`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from mpsp_qual.core.errors import RegisterError
from mpsp_qual.core.model import Participant, PathLike
from mpsp_qual.inputs.register import RESERVED, read_register

PARTICIPANT_COLUMNS = list(RESERVED)


class ParticipantsMixin:
    """Participants methods of a Project (which provides ``store``)."""

    def load_register(self, path: PathLike) -> list[str]:
        """Load (or update) the participants register; returns warnings.

        A participant once withdrawn stays withdrawn, whatever a later register says.

        Raises:
            RegisterError: the register is malformed.
        """
        people = read_register(path)
        with self.store.transaction():
            self._save_participants(people, source=str(path))
        return self._register_warnings(Path(path).name)

    def _save_participants(self, people: Sequence[Participant], *, source: str) -> None:
        """Upsert the register's rows.

        Raises:
            RegisterError: a row gives a speaker that the project already knows under
                another participant id (that would undo a withdrawal or a refusal).
        """
        conn = self.store.conn
        known = {
            (" ".join(t.split()).casefold(), " ".join(s.split()).casefold()): pid
            for pid, t, s in conn.execute(
                "SELECT participant_id, transcript, speaker FROM participants"
            )
            if t and s
        }
        for row, person in enumerate(people, start=2):
            key = (
                " ".join(person.transcript.split()).casefold(),
                " ".join(person.speaker.split()).casefold(),
            )
            other = known.get(key)
            if all(key) and other is not None and other != person.participant_id:
                raise RegisterError(
                    f"{Path(source).name}, row {row}: speaker {person.speaker!r} in "
                    f"{person.transcript} is already participant {other} in this project; "
                    f"keep the id {other} (a register may not give a speaker a new id)."
                )
        before = {
            r[0]: r[1:]
            for r in conn.execute(
                "SELECT participant_id, transcript, speaker, name, organisation, role, consent_quotes, consent_named, attribution, withdrawn, attributes FROM participants"
            )
        }
        rows = [
            (
                p.participant_id,
                p.transcript,
                p.speaker,
                p.name,
                p.organisation,
                p.role,
                int(p.consent_quotes),
                int(p.consent_named),
                p.attribution,
                int(p.withdrawn),
                json.dumps(dict(p.attributes), ensure_ascii=False),
                i,
            )
            for i, p in enumerate(people)
        ]
        conn.executemany(
            """INSERT INTO participants (participant_id, transcript, speaker, name, organisation,
                   role, consent_quotes, consent_named, attribution, withdrawn, attributes, position)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(participant_id) DO UPDATE SET
                   transcript = excluded.transcript, speaker = excluded.speaker,
                   name = excluded.name, organisation = excluded.organisation,
                   role = excluded.role, consent_quotes = excluded.consent_quotes,
                   consent_named = excluded.consent_named, attribution = excluded.attribution,
                   withdrawn = MAX(participants.withdrawn, excluded.withdrawn),
                   attributes = excluded.attributes, position = excluded.position""",
            rows,
        )
        after = {
            r[0]: r[1:]
            for r in conn.execute(
                "SELECT participant_id, transcript, speaker, name, organisation, role, consent_quotes, consent_named, attribution, withdrawn, attributes FROM participants"
            )
        }
        if after != before:
            self.store.audit("register", {"file": source, "participants": len(people)})

    def _register_warnings(self, register_name: str) -> list[str]:
        conn = self.store.conn
        docs = {r[0].casefold() for r in conn.execute("SELECT name FROM documents")}
        warnings = []
        for pid, transcript, speaker in conn.execute(
            "SELECT participant_id, transcript, speaker FROM participants ORDER BY position"
        ):
            if not transcript:
                continue
            if transcript.casefold() not in docs:
                warnings.append(
                    f"{register_name}: participant {pid} names transcript {transcript}, "
                    "which is not imported; import it, or fix the file name in the register."
                )
                continue
            spoken = conn.execute(
                "SELECT 1 FROM turns t JOIN documents d ON d.id = t.document_id "
                "WHERE mpsp_fold(d.name) = mpsp_fold(?) AND mpsp_fold(t.speaker) = mpsp_fold(?) LIMIT 1",
                (transcript, speaker),
            ).fetchone()
            if speaker and not spoken:
                warnings.append(
                    f"{register_name}: participant {pid} is speaker {speaker!r}, who never speaks "
                    f"in {transcript}; check the label."
                )
        return warnings

    def participants(self, *, include_withdrawn: bool = True) -> pd.DataFrame:
        """The register: the reserved columns (consent as booleans), then one per attribute."""
        rows = []
        where = "" if include_withdrawn else "WHERE withdrawn = 0"
        for r in self.store.execute(
            f"SELECT * FROM participants {where} ORDER BY position, participant_id"
        ):
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
        r = self.store.execute(
            "SELECT * FROM participants WHERE participant_id = ?", (participant_id,)
        ).fetchone()
        if r is None:
            from mpsp_qual.core.errors import UnknownParticipant

            raise UnknownParticipant(
                f"no participant {participant_id!r} in the register; `mpsp-qual participants` lists them."
            )
        return _participant(r)

    def participant_objects(self) -> dict[str, Participant]:
        """Every participant by id."""
        return {
            r["participant_id"]: _participant(r)
            for r in self.store.execute("SELECT * FROM participants ORDER BY position")
        }

    def _known_speakers(self, people: Sequence[Participant] | None) -> dict[str, frozenset[str]]:
        pairs = (
            [(p.transcript, p.speaker) for p in people]
            if people is not None
            else [
                (r[0], r[1])
                for r in self.store.execute("SELECT transcript, speaker FROM participants")
            ]
        )
        known: dict[str, set[str]] = {}
        for transcript, speaker in pairs:
            if transcript and speaker:
                known.setdefault(transcript.casefold(), set()).add(speaker)
        return {k: frozenset(v) for k, v in known.items()}


def _participant(r) -> Participant:
    return Participant(
        participant_id=r["participant_id"],
        transcript=r["transcript"],
        speaker=r["speaker"],
        name=r["name"],
        organisation=r["organisation"],
        role=r["role"],
        consent_quotes=bool(r["consent_quotes"]),
        consent_named=bool(r["consent_named"]),
        attribution=r["attribution"],
        withdrawn=bool(r["withdrawn"]),
        attributes=json.loads(r["attributes"]),
    )
