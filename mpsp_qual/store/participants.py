"""The participants table: who speaks in which transcript, with their consent."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mpsp_qual.core.model import Participant

if TYPE_CHECKING:
    from mpsp_qual.store.db import Store

_FIELDS = (
    "participant_id, transcript, speaker, name, organisation, role, consent_quotes, "
    "consent_named, attribution, withdrawn, attributes"
)


def participant_from_row(r: Any) -> Participant:
    """A :class:`Participant` from a ``participants`` row."""
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


class Participants:
    """The participants table."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def _conn(self):
        return self._store.conn

    def speaker_ids(self) -> list[tuple[str, str, str]]:
        """``(participant_id, transcript, speaker)`` of every row, in register order."""
        return [
            tuple(r)
            for r in self._conn.execute(
                "SELECT participant_id, transcript, speaker FROM participants ORDER BY position"
            )
        ]

    def snapshot(self) -> dict[str, tuple]:
        """Every row's fields by id, to tell whether an upsert changed anything."""
        return {
            r[0]: tuple(r[1:]) for r in self._conn.execute(f"SELECT {_FIELDS} FROM participants")
        }

    def upsert(self, people: Sequence[Participant]) -> None:
        """Insert or update rows; a withdrawal is never undone (``MAX`` of the two)."""
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
        self._conn.executemany(
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

    def rows(self, *, include_withdrawn: bool = True) -> list[Any]:
        where = "" if include_withdrawn else "WHERE withdrawn = 0"
        return self._conn.execute(
            f"SELECT * FROM participants {where} ORDER BY position, participant_id"
        ).fetchall()

    def get(self, participant_id: str) -> Participant | None:
        r = self._conn.execute(
            "SELECT * FROM participants WHERE participant_id = ?", (participant_id,)
        ).fetchone()
        return None if r is None else participant_from_row(r)

    def objects(self) -> dict[str, Participant]:
        """Every participant by id, in register order."""
        return {
            r["participant_id"]: participant_from_row(r)
            for r in self._conn.execute("SELECT * FROM participants ORDER BY position")
        }

    def mark_withdrawn(self, participant_id: str) -> None:
        self._conn.execute(
            "UPDATE participants SET withdrawn = 1 WHERE participant_id = ?", (participant_id,)
        )
